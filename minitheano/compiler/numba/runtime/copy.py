"""`dst[...] = src` for generated code, as explicit loops over arrays of equal shape (the
caller checks the shapes).

Numba's own array-into-array setitem (`buf[k] = v`, `out[:, a:b] = x`) compiles its
shape-mismatch message formatting: measured here, about 5 s once per process and 0.2-0.5 s
per further use, while a call of one of these cached helpers costs a few milliseconds of
compile. `copy_into(ctx, dst, src, ndim)` in `compiler/numba/basic.py` writes the call.
"""
from __future__ import annotations

from numba import njit


@njit(cache=True)
def copy1(dst, src):
    """dst[:] = src for vectors of equal length."""
    for i in range(dst.shape[0]):
        dst[i] = src[i]


@njit(cache=True)
def copy2(dst, src):
    """dst[:, :] = src for matrices of equal shape."""
    for i in range(dst.shape[0]):
        for j in range(dst.shape[1]):
            dst[i, j] = src[i, j]


@njit(cache=True)
def copy3(dst, src):
    """dst[...] = src for 3-d arrays of equal shape."""
    for i in range(dst.shape[0]):
        for j in range(dst.shape[1]):
            for k in range(dst.shape[2]):
                dst[i, j, k] = src[i, j, k]


@njit(cache=True)
def copy4(dst, src):
    """dst[...] = src for 4-d arrays of equal shape."""
    for i in range(dst.shape[0]):
        for j in range(dst.shape[1]):
            for k in range(dst.shape[2]):
                for m in range(dst.shape[3]):
                    dst[i, j, k, m] = src[i, j, k, m]


COPIES = {1: "copy1", 2: "copy2", 3: "copy3", 4: "copy4"}
