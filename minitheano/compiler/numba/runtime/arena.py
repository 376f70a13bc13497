"""Scan buffers that outlive a call: each outermost loop of a compiled function carves its
state and history buffers from a byte array (its arena) that the function keeps between calls.

A fresh multi-megabyte `np.empty` per call is fresh memory from the OS, and the first write
to every page of it faults (measured on the W3 LSTM's forward loop: 9.5 ms with fresh
buffers, 4.6 ms reusing them; numpy code pays the same). This is Theano's reuse of a
function's storage between calls. The arena starts empty; `take` falls back to `np.empty`
while it is too small and records the size the call needed, and the linker grows the arena
after the call. Graph outputs that could view an arena are copied before they are returned
(codegen), so no caller ever holds arena memory.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def take(arena, offset, shape, dtype, itemsize):
    """An uninitialised `dtype` array of `shape` from `arena` at byte `offset` (a fresh array
    when the arena is too small), and the next offset (64-byte aligned)."""
    size = 1
    for d in shape:
        size *= d
    nbytes = size * itemsize
    end = offset + (nbytes + 63) // 64 * 64
    if end <= arena.shape[0]:
        return arena[offset:offset + nbytes].view(dtype).reshape(shape), end
    return np.empty(shape, dtype), end
