"""Indexing: basic (`Subtensor`, a view), integer vector on axis 0 (`AdvancedSubtensor1`),
numpy-style advanced (`AdvancedSubtensor`), their set/inc counterparts, and `getitem`.

An op's `idx_list` (in `__props__`) is the constant part of the index, one entry per index
position: an int, a `slice` whose start/stop/step are ints, None or `Slot`s, or a `Slot`,
which stands for the next symbolic index input (an integer scalar; in advanced indexing also
an integer array or a boolean mask). Equal constant indexings therefore compare equal and merge.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..graphlib import Apply, Constant, Op, Variable
from .basic import as_tensor_variable, constant
from .elemwise import cast, gt, lt, maximum, minimum, reduce_to_input, switch, zeros_like
from .type import TensorType, TensorVariable


@dataclass(frozen=True)
class Slot:
    """Placeholder in an idx_list for the next symbolic index input (its dtype and ndim)."""

    dtype: str
    ndim: int = 0

    def __str__(self) -> str:
        return self.dtype if self.ndim == 0 else f"{self.dtype}[{self.ndim}d]"


def _label(v: Variable) -> str:
    return f"'{v.name}'" if v.name else f"<{v.type}>"


def _entry_str(e) -> str:
    if isinstance(e, slice):
        return ":".join("" if p is None else str(p) for p in (e.start, e.stop, e.step))
    return str(e)


def _parts(e) -> tuple:
    return (e.start, e.stop, e.step) if isinstance(e, slice) else (e,)


def _fill(idx_list: tuple, values, scalar=int) -> tuple:
    """The idx_list with each Slot replaced by the next of `values` (0-d ones through `scalar`)."""
    it = iter(values)

    def sub(p):
        if not isinstance(p, Slot):
            return p
        v = next(it)
        return scalar(v) if p.ndim == 0 else v
    return tuple(slice(*map(sub, _parts(e))) if isinstance(e, slice) else sub(e) for e in idx_list)


def _static_len(sl: slice, n: int) -> int | None:
    """len(range(n)[sl]) when the slice is constant, else None."""
    if not all(p is None or isinstance(p, int) for p in _parts(sl)):
        return None
    return len(range(*sl.indices(n)))


class _IndexOp(Op):
    """Shared by ops with an idx_list: hashing (slices are unhashable) and index-input checks."""

    def _props(self) -> tuple:
        return tuple(tuple(_parts(e) if isinstance(e, slice) else e for e in p)
                     if name == "idx_list" else p for name, p in zip(self.__props__, super()._props()))

    def _index_inputs(self, index) -> list[Variable]:
        slots = [p for e in self.idx_list for p in _parts(e) if isinstance(p, Slot)]
        if len(index) != len(slots):
            raise TypeError(f"{self}: expected {len(slots)} index inputs, got {len(index)}")
        index = [as_tensor_variable(v) for v in index]
        for s, v in zip(slots, index):
            if v.ndim != s.ndim or v.dtype != s.dtype:
                raise TypeError(f"{self}: index input {_label(v)} has type {v.type}, expected a "
                                f"{s.ndim}-d {s.dtype} index")
        return index


class _ReadOp(Op):
    """An indexing op: `perform` is x[numpy_index], the gradient goes through `inc_op`."""

    def perform(self, node, inputs, out) -> None:
        x, idx = inputs[0], self.numpy_index(inputs[1:])
        try:
            out[0][0] = np.asarray(x[idx])
        except IndexError as e:
            raise IndexError(f"{self}: cannot index {_label(node.inputs[0])} of shape "
                             f"{x.shape}: {e}") from None

    def grad(self, inputs, output_grads):
        x, index, g = inputs[0], inputs[1:], output_grads[0]
        gx = self.inc_op()(zeros_like(x), g, *index) if x.dtype.startswith("float") else None
        return [gx] + [None] * len(index)


# -- basic indexing ------------------------------------------------------------------------------
class Subtensor(_IndexOp, _ReadOp):
    """x[idx_list]: indexing by ints and slices (numpy basic indexing); the output is a view."""

    __props__ = ("idx_list",)
    view_map = {0: [0]}

    def __init__(self, idx_list):
        self.idx_list = tuple(idx_list)

    def __str__(self) -> str:
        return "Subtensor{" + ", ".join(map(_entry_str, self.idx_list)) + "}"

    def make_node(self, x, *index) -> Apply:
        x, index = as_tensor_variable(x), self._index_inputs(index)
        if len(self.idx_list) > x.ndim:
            raise IndexError(f"too many indices for {_label(x)}: {len(self.idx_list)} given for "
                             f"a {x.ndim}-d tensor")
        bc = []
        for d, (b, e) in enumerate(zip(x.broadcastable, self.idx_list)):
            if isinstance(e, slice):
                bc.append(b and _static_len(e, 1) == 1)
            elif isinstance(e, Slot) and e.ndim != 0:
                raise TypeError(f"{self}: array indices need AdvancedSubtensor")
            elif b and isinstance(e, int) and e not in (0, -1):
                raise IndexError(f"index {e} is out of bounds for dimension {d} of {_label(x)}, "
                                 f"which has length 1 ({x.type})")
        bc += x.broadcastable[len(self.idx_list):]
        return Apply(self, [x, *index], [TensorVariable(TensorType(x.dtype, bc))])

    def numpy_index(self, values) -> tuple:
        return _fill(self.idx_list, values) + (Ellipsis,)  # a trailing ... keeps 0-d results views

    def inc_op(self, set_instead_of_inc: bool = False, inplace: bool = False) -> "IncSubtensor":
        return IncSubtensor(self.idx_list, set_instead_of_inc, inplace)

    def infer_shape(self, node, input_shapes):
        x_shape, idx = input_shapes[0], _fill(self.idx_list, node.inputs[1:], scalar=lambda v: v)
        out = [slice_length(e, n) for e, n in zip(idx, x_shape) if isinstance(e, slice)]
        return [tuple(out) + tuple(x_shape[len(idx):])]


def _static(v) -> int | None:
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, Constant) and v.ndim == 0:
        return int(v.data)
    return None


def slice_length(sl: slice, n):
    """len(range(n)[sl]) with numpy's clipping rules; a Python int when everything is constant,
    else an int64 scalar variable (start/stop/step/n may be ints or integer scalar variables)."""
    parts = [None if p is None else (_static(p) if _static(p) is not None else p)
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


# -- integer-vector indexing on the first axis -----------------------------------------------------
class AdvancedSubtensor1(_ReadOp):
    """x[idx] for an integer vector idx: out[k] = x[idx[k]] (the embedding lookup); a copy."""

    def make_node(self, x, idx) -> Apply:
        x, idx = as_tensor_variable(x), as_tensor_variable(idx)
        if x.ndim == 0:
            raise IndexError(f"cannot index the scalar {_label(x)} with an integer vector")
        if idx.ndim != 1 or not idx.dtype.startswith(("int", "uint")):
            raise TypeError(f"AdvancedSubtensor1: index {_label(idx)} must be an integer vector, "
                            f"got {idx.type}")
        bc = idx.broadcastable + x.broadcastable[1:]
        return Apply(self, [x, idx], [TensorVariable(TensorType(x.dtype, bc))])

    def numpy_index(self, values) -> tuple:
        return (values[0],)

    def inc_op(self, set_instead_of_inc: bool = False, inplace: bool = False):
        return AdvancedIncSubtensor1(set_instead_of_inc, inplace)

    def infer_shape(self, node, input_shapes):
        return [tuple(input_shapes[1]) + tuple(input_shapes[0][1:])]


# -- general advanced indexing --------------------------------------------------------------------
class AdvancedSubtensor(_IndexOp, _ReadOp):
    """x[idx_list] with integer arrays and/or boolean masks anywhere (numpy advanced indexing:
    the index arrays broadcast together; their dims replace the indexed ones in place when the
    array indices are adjacent, else they come first); a copy."""

    __props__ = ("idx_list",)

    def __init__(self, idx_list):
        self.idx_list = tuple(idx_list)

    def __str__(self) -> str:
        return "AdvancedSubtensor{" + ", ".join(map(_entry_str, self.idx_list)) + "}"

    def make_node(self, x, *index) -> Apply:
        x, index = as_tensor_variable(x), self._index_inputs(index)
        idx = _fill(self.idx_list, index, scalar=lambda v: v)
        bc = _advanced_layout(x, idx, x.broadcastable, lambda v, _: v.broadcastable,
                              lambda e, b: b and _static_len(e, 1) == 1)
        return Apply(self, [x, *index], [TensorVariable(TensorType(x.dtype, bc))])

    def numpy_index(self, values) -> tuple:
        return _fill(self.idx_list, values)

    def inc_op(self, set_instead_of_inc: bool = False, inplace: bool = False):
        return AdvancedIncSubtensor(self.idx_list, set_instead_of_inc, inplace)

    def infer_shape(self, node, input_shapes):
        from .reduction import sum as tsum
        shapes = dict(zip(node.inputs[1:], input_shapes[1:]))
        idx = _fill(self.idx_list, node.inputs[1:], scalar=lambda v: v)

        def index_shape(v, b):  # a mask selects sum(mask) entries
            return (tsum(cast(v, "int64")),) if v.dtype == "bool" else shapes[v]
        return [tuple(_advanced_layout(node.inputs[0], idx, input_shapes[0], index_shape,
                                       slice_length, broadcast=_broadcast_shape))]


def _advanced_layout(x, idx, dims, index_dims, slice_dim, broadcast=None) -> list:
    """Per output dimension, a property (broadcastable flag or length) following numpy's
    advanced-indexing layout; `dims` holds the property for each dimension of x."""
    broadcast = broadcast or _broadcast_bc
    need = sum(e.ndim if isinstance(e, Variable) and e.dtype == "bool" else 1 for e in idx)
    if need > x.ndim:
        raise IndexError(f"too many indices for {_label(x)}: {need} dimensions indexed in a "
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


def _broadcast_shape(groups) -> tuple:
    """The broadcast shape of index arrays: per dim, a non-broadcastable one's length, else 1."""
    nd = max(len(b) for b, _ in groups)
    res = []
    for d in range(nd):
        cands = [s[d - nd + len(s)] for b, s in groups if d - nd + len(b) >= 0
                 and not b[d - nd + len(b)]]
        res.append(cands[0] if cands else 1)
    return tuple(res)


# -- set / increment ------------------------------------------------------------------------------
class _IncOp(Op):
    """out = copy of x with x[index] += y (or = y when set_instead_of_inc); with inplace the
    output overwrites x. Repeated advanced indices accumulate (np.add.at) for inc."""

    def __init__(self, set_instead_of_inc: bool = False, inplace: bool = False):
        self.set_instead_of_inc, self.inplace = bool(set_instead_of_inc), bool(inplace)
        self.destroy_map = {0: [0]} if self.inplace else {}

    def _mode(self) -> str:
        return ("inplace," if self.inplace else "no_inplace,") + (
            "set" if self.set_instead_of_inc else "inc")

    def make_node(self, x, y, *index) -> Apply:
        sub = self.read_op().make_node(x, *index)  # checks x and the index
        x, index, target = sub.inputs[0], sub.inputs[1:], sub.outputs[0]
        y = _as_value(y, x, target, self)
        return Apply(self, [x, y, *index], [TensorVariable(x.type)])

    def perform(self, node, inputs, out) -> None:
        x, y, idx = inputs[0], inputs[1], self.read_op().numpy_index(inputs[2:])
        res = x if self.inplace else x.copy()
        try:
            target = np.broadcast_to(np.False_, x.shape)[idx].shape
        except IndexError as e:
            raise IndexError(f"{self}: cannot index {_label(node.inputs[0])} of shape "
                             f"{x.shape}: {e}") from None
        _check_value_shape(self, node.inputs[1], y, target)
        if self.set_instead_of_inc:
            res[idx] = y
        else:
            self._increment(res, idx, y)
        out[0][0] = res

    def _increment(self, res, idx, y) -> None:
        np.add.at(res, idx, y)

    def grad(self, inputs, output_grads):
        """d/dx: g (inc) or g with the indexed part zeroed (set); d/dy: g[index] summed to y's
        shape. For set with repeated indices only the last write counts, which d/dy ignores
        (as in Theano)."""
        x, y, index, g = inputs[0], inputs[1], inputs[2:], output_grads[0]
        gx = g
        if self.set_instead_of_inc:
            gx = type(self)(*self._with_set())(g, constant(np.zeros((), g.dtype)), *index)
        gy = _sum_to(self.read_op()(g, *index), y)
        return ([gx if x.dtype.startswith("float") else None,
                 gy if y.dtype.startswith("float") else None] + [None] * len(index))

    def infer_shape(self, node, input_shapes):
        return [tuple(input_shapes[0])]


class IncSubtensor(_IndexOp, _IncOp):
    """x with x[idx_list] += y, or = y (basic indexing; no repeated positions)."""

    __props__ = ("idx_list", "set_instead_of_inc", "inplace")

    def __init__(self, idx_list, set_instead_of_inc: bool = False, inplace: bool = False):
        self.idx_list = tuple(idx_list)
        _IncOp.__init__(self, set_instead_of_inc, inplace)

    def __str__(self) -> str:
        kind = ("Inplace" if self.inplace else "") + ("Set" if self.set_instead_of_inc else "Inc")
        return f"IncSubtensor{{{kind};{', '.join(map(_entry_str, self.idx_list))}}}"

    def read_op(self) -> Subtensor:
        return Subtensor(self.idx_list)

    def _with_set(self) -> tuple:
        return self.idx_list, True

    def _increment(self, res, idx, y) -> None:
        res[idx] += y  # basic indexing never repeats a position


class AdvancedIncSubtensor1(_IncOp):
    """x with x[idx] += y (repeated rows accumulate), or = y, for an integer vector idx."""

    __props__ = ("set_instead_of_inc", "inplace")

    def __str__(self) -> str:
        return f"AdvancedIncSubtensor1{{{self._mode()}}}"

    def read_op(self) -> AdvancedSubtensor1:
        return advanced_subtensor1

    def _with_set(self) -> tuple:
        return (True,)


class AdvancedIncSubtensor(_IndexOp, _IncOp):
    """x with x[idx_list] += y (repeated positions accumulate), or = y; numpy advanced indexing."""

    __props__ = ("idx_list", "set_instead_of_inc", "inplace")

    def __init__(self, idx_list, set_instead_of_inc: bool = False, inplace: bool = False):
        self.idx_list = tuple(idx_list)
        _IncOp.__init__(self, set_instead_of_inc, inplace)

    def __str__(self) -> str:
        return (f"AdvancedIncSubtensor{{{self._mode()};"
                f"{', '.join(map(_entry_str, self.idx_list))}}}")

    def read_op(self) -> AdvancedSubtensor:
        return AdvancedSubtensor(self.idx_list)

    def _with_set(self) -> tuple:
        return self.idx_list, True


advanced_subtensor1 = AdvancedSubtensor1()
advanced_inc_subtensor1 = AdvancedIncSubtensor1()
advanced_set_subtensor1 = AdvancedIncSubtensor1(set_instead_of_inc=True)


def _as_value(y, x: Variable, target: Variable, op) -> Variable:
    """`y` as a tensor that can be stored into `target` (an indexing of x) without loss."""
    from .elemwise import _weak_constant
    if isinstance(y, (int, float, bool, np.number)) and not isinstance(y, Variable):
        y = _weak_constant(y, x.dtype)
    y = as_tensor_variable(y)
    if y.ndim > target.ndim:
        raise TypeError(f"{op}: the value {_label(y)} is {y.ndim}-d but the indexed part of "
                        f"{_label(x)} is {target.ndim}-d")
    if y.dtype != x.dtype:
        if not np.can_cast(y.dtype, x.dtype, "safe"):
            raise TypeError(f"{op}: the value {_label(y)} has dtype {y.dtype}, which cannot be "
                            f"stored in {_label(x)} ({x.dtype}) without loss; cast it first")
        y = cast(y, x.dtype)
    return y


def _check_value_shape(op, y_var: Variable, y: np.ndarray, target: tuple) -> None:
    """Run-time check: y broadcasts to the indexed shape, length 1 only where its type says so."""
    lead = len(target) - y.ndim
    for d, (n, b) in enumerate(zip(y.shape, y_var.broadcastable)):
        t = target[lead + d] if lead + d >= 0 else None
        if n != t and not (b and n == 1):
            hint = (" (a length-1 dimension broadcasts only when its type says so: "
                    "T.addbroadcast)") if n == 1 else ""
            raise ValueError(f"{op}: the value {_label(y_var)} has shape {y.shape}, the indexed "
                             f"part has shape {target}{hint}")


def _sum_to(g: Variable, y: Variable) -> Variable:
    """Sum g over the dimensions along which y was broadcast into it."""
    from .reduction import sum as tsum
    if g.ndim > y.ndim:
        g = tsum(g, axis=list(range(g.ndim - y.ndim)))
    return reduce_to_input(g, y)


# -- user functions -------------------------------------------------------------------------------
def inc_subtensor(x, y, inplace: bool = False, set_instead_of_inc: bool = False,
                  tolerate_inplace_aliasing: bool = False) -> TensorVariable:
    """The tensor indexed by `x` (an indexing `a[idx]`) with a[idx] += y, or = y.
    (`tolerate_inplace_aliasing` is accepted for Theano compatibility and has no effect.)"""
    x = as_tensor_variable(x)
    if x.owner is None or not isinstance(x.owner.op, _ReadOp):
        raise TypeError(f"inc_subtensor/set_subtensor: the first argument must be an indexing "
                        f"such as a[idx], got {_label(x)}"
                        + (f" computed by {x.owner.op}" if x.owner is not None else ""))
    op = x.owner.op.inc_op(set_instead_of_inc, inplace)
    return op(x.owner.inputs[0], y, *x.owner.inputs[1:])


def set_subtensor(x, y, inplace: bool = False,
                  tolerate_inplace_aliasing: bool = False) -> TensorVariable:
    """The tensor indexed by `x` (an indexing `a[idx]`) with a[idx] = y."""
    return inc_subtensor(x, y, inplace, set_instead_of_inc=True)


def getitem(x, idx) -> TensorVariable:
    """x[idx] with numpy semantics: ints, slices (constant or symbolic bounds), None, Ellipsis,
    integer arrays and boolean masks."""
    x = as_tensor_variable(x)
    entries = [_entry(x, e) for e in (idx if isinstance(idx, tuple) else (idx,))]
    if sum(e is Ellipsis for e in entries) > 1:
        raise IndexError(f"an index of {_label(x)} can only have a single ellipsis ('...')")
    used = sum(e.ndim if isinstance(e, Variable) and e.dtype == "bool" else 1
               for e in entries if e is not None and e is not Ellipsis)
    if used > x.ndim:
        raise IndexError(f"too many indices for {_label(x)}: {used} given for a {x.ndim}-d "
                         f"tensor ({x.type})")
    k = next((k for k, e in enumerate(entries) if e is Ellipsis), None)
    if k is not None:
        entries[k:k + 1] = [slice(None)] * (x.ndim - used)
    arrays = [e for e in entries if isinstance(e, Variable) and (e.ndim or e.dtype == "bool")]
    if not arrays:
        core = [e for e in entries if e is not None]
        idx_list = [slice(*map(_slot, _parts(e))) if isinstance(e, slice) else _slot(e)
                    for e in core]
        ins = [p for e in core for p in _parts(e) if isinstance(p, Variable)]
        out = Subtensor(idx_list)(x, *ins)
        return out if len(core) == len(entries) else out.dimshuffle(_newaxis_pattern(entries, x))
    if any(e is None for e in entries):
        raise IndexError(f"indexing {_label(x)}: None (np.newaxis) mixed with array indices is "
                         f"not supported; index first, then dimshuffle")
    first = entries[0]
    if (first is arrays[0] and first.ndim == 1 and first.dtype != "bool"
            and all(isinstance(e, slice) and e == slice(None) for e in entries[1:])):
        return advanced_subtensor1(x, first)
    idx_list = [slice(*map(_slot, _parts(e))) if isinstance(e, slice) else _slot(e)
                for e in entries]
    ins = [p for e in entries for p in _parts(e) if isinstance(p, Variable)]
    return AdvancedSubtensor(idx_list)(x, *ins)


def _slot(p):
    return Slot(p.dtype, p.ndim) if isinstance(p, Variable) else p


def _newaxis_pattern(entries, x) -> list:
    pattern, d = [], 0
    for e in entries:
        if e is None:
            pattern.append("x")
        elif isinstance(e, slice):
            pattern.append(d)
            d += 1
    n_out = d + x.ndim - sum(1 for e in entries if e is not None)
    return pattern + list(range(d, n_out))


def _entry(x: Variable, e: Any):
    """One index entry as an int, a slice (of ints/None/scalar variables), None, Ellipsis,
    or an index Variable; a clear error for anything else."""
    if e is None or e is Ellipsis:
        return e
    if isinstance(e, slice):
        if e.step is not None and _static(_scalar(x, e.step, "slice step")) == 0:
            raise ValueError(f"indexing {_label(x)}: slice step cannot be zero")
        return slice(*(None if p is None else _scalar(x, p, "slice bound") for p in _parts(e)))
    if isinstance(e, (bool, np.bool_)):
        raise TypeError(f"cannot index {_label(x)} with the boolean {e!r}; use a boolean array")
    if isinstance(e, (int, np.integer)):
        return int(e)
    if isinstance(e, (list, tuple)) and any(isinstance(p, Variable) for p in e):
        e = as_tensor_variable(e)  # a list of symbolic scalars is stacked into a vector
    elif isinstance(e, (list, tuple, np.ndarray)):
        arr = np.asarray(e)
        if arr.size == 0 and arr.dtype.kind == "f":
            arr = arr.astype("int64")
        if arr.dtype.kind not in "biu":
            raise TypeError(f"cannot index {_label(x)} with an array of dtype {arr.dtype}; "
                            f"indices must be integers or booleans")
        e = int(arr) if arr.ndim == 0 and arr.dtype.kind != "b" else constant(arr)
        if isinstance(e, int):
            return e
    if isinstance(e, Variable):
        e = as_tensor_variable(e)
        if e.dtype == "bool" and e.ndim == 0:
            raise TypeError(f"cannot index {_label(x)} with the 0-d boolean {_label(e)}")
        if e.dtype != "bool" and not e.dtype.startswith(("int", "uint")):
            raise TypeError(f"index {_label(e)} into {_label(x)} has dtype {e.dtype}; indices "
                            f"must be integers (T.cast(i, 'int64')) or boolean masks")
        return _static(e) if e.ndim == 0 and _static(e) is not None else e
    raise TypeError(f"cannot index {_label(x)} with {type(e).__name__} {e!r}; expected ints, "
                    f"slices, None, Ellipsis, integer arrays or boolean masks")


def _scalar(x: Variable, p: Any, what: str):
    """A slice bound as an int or an integer scalar variable."""
    if isinstance(p, (int, np.integer)) and not isinstance(p, (bool, np.bool_)):
        return int(p)
    if isinstance(p, Variable) and p.ndim == 0 and p.dtype.startswith(("int", "uint")):
        return _static(p) if _static(p) is not None else p
    raise TypeError(f"indexing {_label(x)}: {what} {p!r} must be an integer, an integer scalar "
                    f"variable or None")
