"""Indexing: basic (`Subtensor`, a view), integer vector on axis 0 (`AdvancedSubtensor1`),
numpy-style advanced (`AdvancedSubtensor`), and `getitem` (x[idx]). The index encoding
(`idx_list`, `Slot`) is in ops/indexing.py; the set/inc counterparts in ops/inc_subtensor.py.
"""
from __future__ import annotations

import numpy as np

from ..graphlib import Apply, Op, Variable
from .basic import as_tensor_variable
from .elemwise import cast, zeros_like
from .indexing import (Slot, _IndexOp, advanced_layout, as_slot, broadcast_index_shape, entry_str,
                       fill_slots, label, newaxis_pattern, parse_entry, slice_length, slice_parts,
                       static_slice_len)
from .type import TensorType, TensorVariable


class _ReadOp(Op):
    """An indexing op: `perform` is x[numpy_index], the gradient goes through `inc_op`."""

    def perform(self, node, inputs, out) -> None:
        x, idx = inputs[0], self.numpy_index(inputs[1:])
        try:
            out[0][0] = np.asarray(x[idx])
        except IndexError as e:
            raise IndexError(f"{self}: cannot index {label(node.inputs[0])} of shape "
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
        return "Subtensor{" + ", ".join(map(entry_str, self.idx_list)) + "}"

    def make_node(self, x, *index) -> Apply:
        x, index = as_tensor_variable(x), self._index_inputs(index)
        if len(self.idx_list) > x.ndim:
            raise IndexError(f"too many indices for {label(x)}: {len(self.idx_list)} given for "
                             f"a {x.ndim}-d tensor")
        bc = []
        for d, (b, e) in enumerate(zip(x.broadcastable, self.idx_list)):
            if isinstance(e, slice):
                bc.append(b and static_slice_len(e, 1) == 1)
            elif isinstance(e, Slot) and e.ndim != 0:
                raise TypeError(f"{self}: array indices need AdvancedSubtensor")
            elif b and isinstance(e, int) and e not in (0, -1):
                raise IndexError(f"index {e} is out of bounds for dimension {d} of {label(x)}, "
                                 f"which has length 1 ({x.type})")
        bc += x.broadcastable[len(self.idx_list):]
        return Apply(self, [x, *index], [TensorVariable(TensorType(x.dtype, bc))])

    def numpy_index(self, values) -> tuple:
        # a trailing ... keeps 0-d results views
        return fill_slots(self.idx_list, values) + (Ellipsis,)

    def inc_op(self, set_instead_of_inc: bool = False, inplace: bool = False) -> "IncSubtensor":
        from .inc_subtensor import IncSubtensor  # the set/inc ops build on these
        return IncSubtensor(self.idx_list, set_instead_of_inc, inplace)

    def infer_shape(self, node, input_shapes):
        x_shape = input_shapes[0]
        idx = fill_slots(self.idx_list, node.inputs[1:], scalar=lambda v: v)
        out = [slice_length(e, n) for e, n in zip(idx, x_shape) if isinstance(e, slice)]
        return [tuple(out) + tuple(x_shape[len(idx):])]


# -- integer-vector indexing on the first axis -----------------------------------------------------
class AdvancedSubtensor1(_ReadOp):
    """x[idx] for an integer vector idx: out[k] = x[idx[k]] (the embedding lookup); a copy."""

    def make_node(self, x, idx) -> Apply:
        x, idx = as_tensor_variable(x), as_tensor_variable(idx)
        if x.ndim == 0:
            raise IndexError(f"cannot index the scalar {label(x)} with an integer vector")
        if idx.ndim != 1 or not idx.dtype.startswith(("int", "uint")):
            raise TypeError(f"AdvancedSubtensor1: index {label(idx)} must be an integer vector, "
                            f"got {idx.type}")
        bc = idx.broadcastable + x.broadcastable[1:]
        return Apply(self, [x, idx], [TensorVariable(TensorType(x.dtype, bc))])

    def numpy_index(self, values) -> tuple:
        return (values[0],)

    def inc_op(self, set_instead_of_inc: bool = False, inplace: bool = False):
        from .inc_subtensor import AdvancedIncSubtensor1  # the set/inc ops build on these
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
        return "AdvancedSubtensor{" + ", ".join(map(entry_str, self.idx_list)) + "}"

    def make_node(self, x, *index) -> Apply:
        x, index = as_tensor_variable(x), self._index_inputs(index)
        idx = fill_slots(self.idx_list, index, scalar=lambda v: v)
        bc = advanced_layout(x, idx, x.broadcastable, lambda v, _: v.broadcastable,
                              lambda e, b: b and static_slice_len(e, 1) == 1)
        return Apply(self, [x, *index], [TensorVariable(TensorType(x.dtype, bc))])

    def numpy_index(self, values) -> tuple:
        return fill_slots(self.idx_list, values)

    def inc_op(self, set_instead_of_inc: bool = False, inplace: bool = False):
        from .inc_subtensor import AdvancedIncSubtensor  # the set/inc ops build on these
        return AdvancedIncSubtensor(self.idx_list, set_instead_of_inc, inplace)

    def infer_shape(self, node, input_shapes):
        from .reduction import sum as tsum
        shapes = dict(zip(node.inputs[1:], input_shapes[1:]))
        idx = fill_slots(self.idx_list, node.inputs[1:], scalar=lambda v: v)

        def index_shape(v, b):  # a mask selects sum(mask) entries
            return (tsum(cast(v, "int64")),) if v.dtype == "bool" else shapes[v]
        return [tuple(advanced_layout(node.inputs[0], idx, input_shapes[0], index_shape,
                                       slice_length, broadcast=broadcast_index_shape))]


advanced_subtensor1 = AdvancedSubtensor1()


def getitem(x, idx) -> TensorVariable:
    """x[idx] with numpy semantics: ints, slices (constant or symbolic bounds), None, Ellipsis,
    integer arrays and boolean masks."""
    x = as_tensor_variable(x)
    entries = [parse_entry(x, e) for e in (idx if isinstance(idx, tuple) else (idx,))]
    if sum(e is Ellipsis for e in entries) > 1:
        raise IndexError(f"an index of {label(x)} can only have a single ellipsis ('...')")
    used = sum(e.ndim if isinstance(e, Variable) and e.dtype == "bool" else 1
               for e in entries if e is not None and e is not Ellipsis)
    if used > x.ndim:
        raise IndexError(f"too many indices for {label(x)}: {used} given for a {x.ndim}-d "
                         f"tensor ({x.type})")
    k = next((k for k, e in enumerate(entries) if e is Ellipsis), None)
    if k is not None:
        entries[k:k + 1] = [slice(None)] * (x.ndim - used)
    arrays = [e for e in entries if isinstance(e, Variable) and (e.ndim or e.dtype == "bool")]
    if not arrays:
        core = [e for e in entries if e is not None]
        idx_list = [slice(*map(as_slot, slice_parts(e))) if isinstance(e, slice) else as_slot(e)
                    for e in core]
        ins = [p for e in core for p in slice_parts(e) if isinstance(p, Variable)]
        out = Subtensor(idx_list)(x, *ins)
        return out if len(core) == len(entries) else out.dimshuffle(newaxis_pattern(entries, x))
    if any(e is None for e in entries):
        raise IndexError(f"indexing {label(x)}: None (np.newaxis) mixed with array indices is "
                         f"not supported; index first, then dimshuffle")
    first = entries[0]
    if (first is arrays[0] and first.ndim == 1 and first.dtype != "bool"
            and all(isinstance(e, slice) and e == slice(None) for e in entries[1:])):
        return advanced_subtensor1(x, first)
    idx_list = [slice(*map(as_slot, slice_parts(e))) if isinstance(e, slice) else as_slot(e)
                for e in entries]
    ins = [p for e in entries for p in slice_parts(e) if isinstance(p, Variable)]
    return AdvancedSubtensor(idx_list)(x, *ins)

