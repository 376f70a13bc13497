"""Index encoding and parsing, shared by the indexing ops (ops/subtensor.py, inc_subtensor.py).

An op's `idx_list` (in `__props__`) is the constant part of the index, one entry per index
position: an int, a `slice` whose start/stop/step are ints, None or `Slot`s, or a `Slot`,
which stands for the next symbolic index input (an integer scalar; in advanced indexing also
an integer array or a boolean mask). Equal constant indexings therefore compare equal and merge.
Also here: user index entries -> that form (`parse_entry`), and the shapes an index yields.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..graphlib import Constant, Op, Variable
from .basic import as_tensor_variable, constant
from .elemwise import cast, gt, lt, maximum, minimum, switch


# -- idx_list encoding -------------------------------------------------------------------------
@dataclass(frozen=True)
class Slot:
    """Placeholder in an idx_list for the next symbolic index input (its dtype and ndim)."""

    dtype: str
    ndim: int = 0

    def __str__(self) -> str:
        return self.dtype if self.ndim == 0 else f"{self.dtype}[{self.ndim}d]"


def label(v: Variable) -> str:
    return f"'{v.name}'" if v.name else f"<{v.type}>"


def entry_str(e) -> str:
    if isinstance(e, slice):
        return ":".join("" if p is None else str(p) for p in (e.start, e.stop, e.step))
    return str(e)


def slice_parts(e) -> tuple:
    return (e.start, e.stop, e.step) if isinstance(e, slice) else (e,)


def fill_slots(idx_list: tuple, values, scalar=int) -> tuple:
    """The idx_list with each Slot replaced by the next of `values` (0-d ones through `scalar`)."""
    it = iter(values)

    def sub(p):
        if not isinstance(p, Slot):
            return p
        v = next(it)
        return scalar(v) if p.ndim == 0 else v
    return tuple(slice(*map(sub, slice_parts(e))) if isinstance(e, slice) else sub(e)
                 for e in idx_list)


def static_slice_len(sl: slice, n: int) -> int | None:
    """len(range(n)[sl]) when the slice is constant, else None."""
    if not all(p is None or isinstance(p, int) for p in slice_parts(sl)):
        return None
    return len(range(*sl.indices(n)))


class _IndexOp(Op):
    """Shared by ops with an idx_list: hashing (slices are unhashable) and index-input checks."""

    def _props(self) -> tuple:
        return tuple(tuple(slice_parts(e) if isinstance(e, slice) else e for e in p)
                     if name == "idx_list" else p for name, p in zip(self.__props__, super()._props()))

    def _index_inputs(self, index) -> list[Variable]:
        slots = [p for e in self.idx_list for p in slice_parts(e) if isinstance(p, Slot)]
        if len(index) != len(slots):
            raise TypeError(f"{self}: expected {len(slots)} index inputs, got {len(index)}")
        index = [as_tensor_variable(v) for v in index]
        for s, v in zip(slots, index):
            if v.ndim != s.ndim or v.dtype != s.dtype:
                raise TypeError(f"{self}: index input {label(v)} has type {v.type}, expected a "
                                f"{s.ndim}-d {s.dtype} index")
        return index


# -- lengths and layouts an index yields ------------------------------------------------------
def static_int(v) -> int | None:
    """`v` as a Python int when it is an int or a 0-d constant, else None."""
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, Constant) and v.ndim == 0:
        return int(v.data)
    return None


def slice_length(sl: slice, n):
    """len(range(n)[sl]) with numpy's clipping rules; a Python int when everything is constant,
    else an int64 scalar variable (start/stop/step/n may be ints or integer scalar variables)."""
    parts = [None if p is None else (static_int(p) if static_int(p) is not None else p)
             for p in (sl.start, sl.stop, sl.step, n)]
    start, stop, step, n = parts
    if all(p is None or isinstance(p, int) for p in parts):
        return len(range(*slice(start, stop, step).indices(n)))
    step = 1 if step is None else step

    def wrap(i, lo, hi):  # numpy: a negative bound counts from the end, then it is clipped
        if isinstance(i, int):
            i = i + n if i < 0 else i
        else:
            i = switch(lt(i, 0), i + n, i)
        return _min(_max(i, lo), hi)

    def forward():  # ceil((stop - start) / step) for step > 0
        lo = 0 if start is None else wrap(start, 0, n)
        hi = n if stop is None else wrap(stop, 0, n)
        return _max((hi - lo + step - 1) // step, 0)

    def backward():  # ceil((start - stop) / -step) for step < 0
        hi = n - 1 if start is None else wrap(start, -1, n - 1)
        lo = -1 if stop is None else wrap(stop, -1, n - 1)
        return _max((hi - lo - step - 1) // (-step), 0)

    if isinstance(step, int):
        res = forward() if step > 0 else backward()
    else:
        res = switch(gt(step, 0), forward(), backward())
    return cast(res, "int64")


def _max(a, b):
    return max(a, b) if isinstance(a, int) and isinstance(b, int) else maximum(a, b)


def _min(a, b):
    return min(a, b) if isinstance(a, int) and isinstance(b, int) else minimum(a, b)


def advanced_layout(x, idx, dims, index_dims, slice_dim, broadcast=None) -> list:
    """Per output dimension, a property (broadcastable flag or length) following numpy's
    advanced-indexing layout; `dims` holds the property for each dimension of x."""
    broadcast = broadcast or _broadcast_bc
    need = sum(e.ndim if isinstance(e, Variable) and e.dtype == "bool" else 1 for e in idx)
    if need > x.ndim:
        raise IndexError(f"too many indices for {label(x)}: {need} dimensions indexed in a "
                         f"{x.ndim}-d tensor")
    front, groups, positions, pos = [], [], [], 0
    for k, e in enumerate(idx):
        if isinstance(e, slice):
            front.append(slice_dim(e, dims[pos]))
            pos += 1
            continue
        positions.append(k)
        if isinstance(e, int) or e.ndim == 0:
            groups.append(((), ()))
            pos += 1
        elif e.dtype == "bool":  # a k-d mask consumes k dims and yields one
            groups.append(((False,), index_dims(e, None)))
            pos += e.ndim
        else:
            groups.append((e.broadcastable, index_dims(e, None)))
            pos += 1
    adv = broadcast(groups)
    adjacent = positions == list(range(positions[0], positions[0] + len(positions)))
    at = sum(1 for e in idx[:positions[0]] if isinstance(e, slice)) if adjacent else 0
    return front[:at] + list(adv) + front[at:] + list(dims[pos:])


def _broadcast_bc(groups) -> tuple:
    nd = max(len(b) for b, _ in groups)
    padded = [(True,) * (nd - len(b)) + tuple(b) for b, _ in groups]
    return tuple(all(b[d] for b in padded) for d in range(nd))


def broadcast_index_shape(groups) -> tuple:
    """The broadcast shape of index arrays: per dim, a non-broadcastable one's length, else 1."""
    nd = max(len(b) for b, _ in groups)
    res = []
    for d in range(nd):
        cands = [s[d - nd + len(s)] for b, s in groups if d - nd + len(b) >= 0
                 and not b[d - nd + len(b)]]
        res.append(cands[0] if cands else 1)
    return tuple(res)


# -- user index entries (getitem) -------------------------------------------------------------
def as_slot(p):
    """A symbolic index part as its Slot in an idx_list; constants pass through."""
    return Slot(p.dtype, p.ndim) if isinstance(p, Variable) else p


def newaxis_pattern(entries, x) -> list:
    """The dimshuffle pattern that inserts the None (np.newaxis) entries after indexing."""
    pattern, d = [], 0
    for e in entries:
        if e is None:
            pattern.append("x")
        elif isinstance(e, slice):
            pattern.append(d)
            d += 1
    n_out = d + x.ndim - sum(1 for e in entries if e is not None)
    return pattern + list(range(d, n_out))


def parse_entry(x: Variable, e: Any):
    """One index entry as an int, a slice (of ints/None/scalar variables), None, Ellipsis,
    or an index Variable; a clear error for anything else."""
    if e is None or e is Ellipsis:
        return e
    if isinstance(e, slice):
        if e.step is not None and static_int(_scalar(x, e.step, "slice step")) == 0:
            raise ValueError(f"indexing {label(x)}: slice step cannot be zero")
        return slice(*(None if p is None else _scalar(x, p, "slice bound") for p in slice_parts(e)))
    if isinstance(e, (bool, np.bool_)):
        raise TypeError(f"cannot index {label(x)} with the boolean {e!r}; use a boolean array")
    if isinstance(e, (int, np.integer)):
        return int(e)
    if isinstance(e, (list, tuple)) and any(isinstance(p, Variable) for p in e):
        e = as_tensor_variable(e)  # a list of symbolic scalars is stacked into a vector
    elif isinstance(e, (list, tuple, np.ndarray)):
        arr = np.asarray(e)
        if arr.size == 0 and arr.dtype.kind == "f":
            arr = arr.astype("int64")
        if arr.dtype.kind not in "biu":
            raise TypeError(f"cannot index {label(x)} with an array of dtype {arr.dtype}; "
                            f"indices must be integers or booleans")
        e = int(arr) if arr.ndim == 0 and arr.dtype.kind != "b" else constant(arr)
        if isinstance(e, int):
            return e
    if isinstance(e, Variable):
        e = as_tensor_variable(e)
        if e.dtype == "bool" and e.ndim == 0:
            raise TypeError(f"cannot index {label(x)} with the 0-d boolean {label(e)}")
        if e.dtype != "bool" and not e.dtype.startswith(("int", "uint")):
            raise TypeError(f"index {label(e)} into {label(x)} has dtype {e.dtype}; indices "
                            f"must be integers (T.cast(i, 'int64')) or boolean masks")
        return static_int(e) if e.ndim == 0 and static_int(e) is not None else e
    raise TypeError(f"cannot index {label(x)} with {type(e).__name__} {e!r}; expected ints, "
                    f"slices, None, Ellipsis, integer arrays or boolean masks")


def _scalar(x: Variable, p: Any, what: str):
    """A slice bound as an int or an integer scalar variable."""
    if isinstance(p, (int, np.integer)) and not isinstance(p, (bool, np.bool_)):
        return int(p)
    if isinstance(p, Variable) and p.ndim == 0 and p.dtype.startswith(("int", "uint")):
        return static_int(p) if static_int(p) is not None else p
    raise TypeError(f"indexing {label(x)}: {what} {p!r} must be an integer, an integer scalar "
                    f"variable or None")
