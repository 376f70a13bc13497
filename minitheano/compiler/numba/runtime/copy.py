"""`dst[...] = src` for generated code, as explicit loops over arrays of equal shape (the
caller checks the shapes).

Numba's own array-into-array setitem (`buf[k] = v`, `out[:, a:b] = x`) compiles its
shape-mismatch message formatting: measured here, about 5 s once per process and 0.2-0.5 s
per further use, while a call of one of these cached helpers costs a few milliseconds of
compile. `copy_into`, `store_into` and `place_into` in `compiler/numba/basic.py` write the
calls.
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


# Indexing and slicing an array cost Numba compile time at every use (~10-30 ms for
# `buf[k]` / `out[:, a:b]` and the call taking it); inside these cached helpers they are
# compiled once per array type, and a call site costs only the call.

@njit(cache=True)
def store1(buf, k, src):
    """buf[k] = src for a vector `src`."""
    copy1(buf[k], src)


@njit(cache=True)
def store2(buf, k, src):
    """buf[k] = src for a matrix `src`."""
    copy2(buf[k], src)


@njit(cache=True)
def store3(buf, k, src):
    """buf[k] = src for a 3-d `src`."""
    copy3(buf[k], src)


@njit(cache=True)
def store4(buf, k, src):
    """buf[k] = src for a 4-d `src`."""
    copy4(buf[k], src)


@njit(cache=True)
def place1(dst, axis, off, src):
    """dst[off:off + len(src)] = src (a piece of a Join); returns the next offset."""
    n = src.shape[0]
    copy1(dst[off:off + n], src)
    return off + n


@njit(cache=True)
def place2(dst, axis, off, src):
    """Copy `src` into `dst` at `off` along `axis`; returns the next offset."""
    n = src.shape[axis]
    if axis == 0:
        copy2(dst[off:off + n], src)
    else:
        copy2(dst[:, off:off + n], src)
    return off + n


@njit(cache=True)
def place3(dst, axis, off, src):
    """Copy `src` into `dst` at `off` along `axis`; returns the next offset."""
    n = src.shape[axis]
    if axis == 0:
        copy3(dst[off:off + n], src)
    elif axis == 1:
        copy3(dst[:, off:off + n], src)
    else:
        copy3(dst[:, :, off:off + n], src)
    return off + n


@njit(cache=True)
def place4(dst, axis, off, src):
    """Copy `src` into `dst` at `off` along `axis`; returns the next offset."""
    n = src.shape[axis]
    if axis == 0:
        copy4(dst[off:off + n], src)
    elif axis == 1:
        copy4(dst[:, off:off + n], src)
    elif axis == 2:
        copy4(dst[:, :, off:off + n], src)
    else:
        copy4(dst[:, :, :, off:off + n], src)
    return off + n


COPIES = {1: "copy1", 2: "copy2", 3: "copy3", 4: "copy4"}
STORES = {1: "store1", 2: "store2", 3: "store3", 4: "store4"}
PLACES = {1: "place1", 2: "place2", 3: "place3", 4: "place4"}
