"""Joining tensors: Join (concatenate, join) and stack."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..graphlib import Apply, Op
from .basic import as_tensor_variable, constant
from .shape import MakeVector, patternbroadcast, shape_i
from .type import TensorType, TensorVariable


# -- joining ------------------------------------------------------------------------------------
class Join(Op):
    """Concatenate tensors along a (constant) axis."""

    __props__ = ("axis",)

    def __init__(self, axis: int):
        self.axis = int(axis)

    def __str__(self) -> str:
        return f"Join{{axis={self.axis}}}"

    def make_node(self, *tensors) -> Apply:
        tensors = [as_tensor_variable(t) for t in tensors]
        if not tensors:
            raise ValueError("join: nothing to join")
        ndim = tensors[0].ndim
        if any(t.ndim != ndim for t in tensors):
            raise TypeError(f"join: tensors of different ranks {[t.ndim for t in tensors]}")
        if not 0 <= self.axis < ndim:
            raise ValueError(f"join: axis {self.axis} out of range for {ndim}-d tensors")
        from .scalar import upcast
        dtype = upcast(*[t.dtype for t in tensors])
        from .elemwise import cast
        tensors = [cast(t, dtype) for t in tensors]
        bc = [all(t.broadcastable[d] for t in tensors) for d in range(ndim)]
        bc[self.axis] = len(tensors) == 1 and tensors[0].broadcastable[self.axis]
        return Apply(self, tensors, [TensorVariable(TensorType(dtype, bc))])

    def perform(self, node, inputs, out) -> None:
        try:
            out[0][0] = np.concatenate(inputs, axis=self.axis)
        except ValueError as e:
            shapes = [x.shape for x in inputs]
            raise ValueError(f"join along axis {self.axis}: incompatible shapes {shapes}") from e

    def grad(self, inputs, output_grads):
        from .subtensor import getitem
        g = output_grads[0]
        res, start = [], constant(np.int64(0))
        for t in inputs:
            stop = start + shape_i(t, self.axis)
            idx = [slice(None)] * t.ndim
            idx[self.axis] = slice(start, stop)
            gt = patternbroadcast(getitem(g, tuple(idx)), t.broadcastable)
            res.append(gt if t.dtype.startswith("float") else None)
            start = stop
        return res

    def infer_shape(self, node, input_shapes):
        s0 = list(input_shapes[0])
        total = s0[self.axis]
        for s in input_shapes[1:]:
            total = total + s[self.axis]
        s0[self.axis] = total
        return [tuple(s0)]


def concatenate(tensors: Sequence, axis: int = 0) -> TensorVariable:
    """Join tensors along an existing axis (numpy.concatenate)."""
    tensors = [as_tensor_variable(t) for t in tensors]
    if axis < 0:
        axis += tensors[0].ndim
    return Join(axis)(*tensors)


def join(axis: int, *tensors) -> TensorVariable:
    """Theano's argument order: join(axis, *tensors)."""
    return concatenate(tensors, axis)


def stack(tensors: Sequence, axis: int = 0) -> TensorVariable:
    """Join tensors along a new axis (numpy.stack)."""
    tensors = [as_tensor_variable(t) for t in tensors]
    nd = tensors[0].ndim
    if axis < 0:
        axis += nd + 1
    if nd == 0 and axis == 0:
        from .scalar import upcast
        return MakeVector(upcast(*[t.dtype for t in tensors]))(*tensors)
    expanded = [t.dimshuffle(*(list(range(axis)) + ["x"] + list(range(axis, nd)))) for t in tensors]
    return concatenate(expanded, axis)
