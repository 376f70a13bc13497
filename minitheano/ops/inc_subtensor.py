"""Set / increment through an index: IncSubtensor, AdvancedIncSubtensor1, AdvancedIncSubtensor
(the counterparts of the ops in ops/subtensor.py), `inc_subtensor` and `set_subtensor`."""
from __future__ import annotations

import numpy as np

from ..graphlib import Apply, Op, Variable
from .basic import as_tensor_variable, constant
from .elemwise import cast, reduce_to_input
from .indexing import _IndexOp, entry_str, label
from .subtensor import (AdvancedSubtensor, AdvancedSubtensor1, Subtensor, _ReadOp,
                        advanced_subtensor1)
from .type import TensorVariable


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
            raise IndexError(f"{self}: cannot index {label(node.inputs[0])} of shape "
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
        return f"IncSubtensor{{{kind};{', '.join(map(entry_str, self.idx_list))}}}"

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
                f"{', '.join(map(entry_str, self.idx_list))}}}")

    def read_op(self) -> AdvancedSubtensor:
        return AdvancedSubtensor(self.idx_list)

    def _with_set(self) -> tuple:
        return self.idx_list, True


advanced_inc_subtensor1 = AdvancedIncSubtensor1()
advanced_set_subtensor1 = AdvancedIncSubtensor1(set_instead_of_inc=True)


def _as_value(y, x: Variable, target: Variable, op) -> Variable:
    """`y` as a tensor that can be stored into `target` (an indexing of x) without loss."""
    from .elemwise import _weak_constant
    if isinstance(y, (int, float, bool, np.number)) and not isinstance(y, Variable):
        y = _weak_constant(y, x.dtype)
    y = as_tensor_variable(y)
    if y.ndim > target.ndim:
        raise TypeError(f"{op}: the value {label(y)} is {y.ndim}-d but the indexed part of "
                        f"{label(x)} is {target.ndim}-d")
    if y.dtype != x.dtype:
        if not np.can_cast(y.dtype, x.dtype, "safe"):
            raise TypeError(f"{op}: the value {label(y)} has dtype {y.dtype}, which cannot be "
                            f"stored in {label(x)} ({x.dtype}) without loss; cast it first")
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
            raise ValueError(f"{op}: the value {label(y_var)} has shape {y.shape}, the indexed "
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
                        f"such as a[idx], got {label(x)}"
                        + (f" computed by {x.owner.op}" if x.owner is not None else ""))
    op = x.owner.op.inc_op(set_instead_of_inc, inplace)
    return op(x.owner.inputs[0], y, *x.owner.inputs[1:])


def set_subtensor(x, y, inplace: bool = False,
                  tolerate_inplace_aliasing: bool = False) -> TensorVariable:
    """The tensor indexed by `x` (an indexing `a[idx]`) with a[idx] = y."""
    return inc_subtensor(x, y, inplace, set_instead_of_inc=True)

