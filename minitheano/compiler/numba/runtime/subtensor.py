"""Indexing helpers for generated code."""
from __future__ import annotations

from numba import njit


@njit(cache=True)
def slice_indices(start, stop, step, n):
    """(start, step, length) of range(n)[start:stop:step], Python's clipping rules; None
    bounds take their defaults. A zero step raises."""
    st = 1 if step is None else step
    if st == 0:
        raise ValueError("slice step cannot be zero")
    lower, upper = (0, n) if st > 0 else (-1, n - 1)
    if start is None:
        a = lower if st > 0 else upper
    else:
        a = start + n if start < 0 else start
        a = lower if a < lower else (upper if a > upper else a)
    if stop is None:
        b = upper if st > 0 else lower
    else:
        b = stop + n if stop < 0 else stop
        b = lower if b < lower else (upper if b > upper else b)
    if st > 0:
        length = max(0, (b - a + st - 1) // st)
    else:
        length = max(0, (a - b - st - 1) // (-st))
    return a, st, length
