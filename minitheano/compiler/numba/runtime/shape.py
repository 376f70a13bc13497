"""Contiguous views for generated code: `flat(x)` and `reshape(x, shape)`, a view of x when
it is C-contiguous, else of a contiguous copy (numpy's reshape).

`np.ascontiguousarray(x).ravel()` written in generated code makes Numba compile its own
implementations for each new array type in every process (~0.3 s for a strided array) and
costs ~25 ms of compile per use; these helpers are compiled once into the package's cache
and called through the unit tables (runtime/calls.py).
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def flat(x):
    """The elements of `x` in C order, as a vector."""
    return np.ascontiguousarray(x).ravel()


@njit(cache=True)
def reshape(x, shape):
    """`x` reshaped to `shape` (a tuple) in C order."""
    return np.ascontiguousarray(x).reshape(shape)
