"""Allocation ops: Alloc (zeros, ones, fill), ARange, Eye."""
from __future__ import annotations

import numpy as np

from ..config import config
from ..graphlib import Apply, Op
from .basic import _const_int, as_tensor_variable, constant
from .shape import as_shape_scalars, patternbroadcast, shape_i
from .type import TensorType, TensorVariable


# -- allocation -------------------------------------------------------------------------------
class Alloc(Op):
    """An array of the given shape filled with (a broadcast of) `value`."""

    def make_node(self, value, *shape) -> Apply:
        value = as_tensor_variable(value)
        shape = [as_tensor_variable(s) for s in shape]
        if len(shape) < value.ndim:
            raise TypeError(f"Alloc: {len(shape)} dimensions given for a {value.ndim}-d value")
        for s in shape:
            if s.ndim != 0 or not s.dtype.startswith(("int", "uint")):
                raise TypeError(f"Alloc: shape entries must be integer scalars, got {s.type}")
        bc = tuple(_const_int(s) == 1 for s in shape)
        return Apply(self, [value] + shape, [TensorVariable(TensorType(value.dtype, bc))])

    def perform(self, node, inputs, out) -> None:
        value, shape = inputs[0], tuple(int(s) for s in inputs[1:])
        res = np.empty(shape, dtype=node.outputs[0].dtype)
        try:
            res[...] = value
        except ValueError as e:
            raise ValueError(f"Alloc: a value of shape {np.shape(value)} cannot fill shape "
                             f"{shape}") from e
        out[0][0] = res

    def grad(self, inputs, output_grads):
        from .reduction import sum as tsum
        value, g = inputs[0], output_grads[0]
        nlead = g.ndim - value.ndim
        axes = list(range(nlead)) + [nlead + d for d in range(value.ndim)
                                     if value.broadcastable[d] and not g.broadcastable[nlead + d]]
        gv = tsum(g, axis=axes, keepdims=True) if axes else g
        if nlead:
            gv = gv.dimshuffle(*range(nlead, gv.ndim))
        gv = patternbroadcast(gv, value.broadcastable) if gv.broadcastable != value.broadcastable else gv
        return [gv if value.dtype.startswith("float") else None] + [None] * (len(inputs) - 1)

    def infer_shape(self, node, input_shapes):
        from .elemwise import cast
        return [tuple(cast(s, "int64") for s in node.inputs[1:])]


alloc_op = Alloc()


def alloc(value, *shape, like=None) -> TensorVariable:
    """An array of shape `shape` filled with `value` (Theano's T.alloc)."""
    if like is not None:
        shape = [shape_i(like, i) for i in range(like.ndim)]
    return alloc_op(value, *[constant(np.int64(s)) if isinstance(s, (int, np.integer)) else s
                             for s in shape])


def _filled(value, shape, dtype):
    dtype = config.floatX if dtype is None else dtype
    return alloc(constant(np.asarray(value, dtype=dtype)), *as_shape_scalars(shape))


def zeros(shape, dtype: str | None = None) -> TensorVariable:
    """Zeros of the given shape (default dtype config.floatX)."""
    return _filled(0, shape, dtype)


def ones(shape, dtype: str | None = None) -> TensorVariable:
    """Ones of the given shape (default dtype config.floatX)."""
    return _filled(1, shape, dtype)


def fill(model, value) -> TensorVariable:
    """`value` broadcast to the shape of `model`."""
    model = as_tensor_variable(model)
    return alloc(value, like=model)

# -- ranges ---------------------------------------------------------------------------------
class ARange(Op):
    """numpy.arange(start, stop, step) of a given dtype."""

    __props__ = ("dtype",)

    def __init__(self, dtype: str):
        self.dtype = dtype

    def make_node(self, start, stop, step) -> Apply:
        ins = [as_tensor_variable(v) for v in (start, stop, step)]
        return Apply(self, ins, [TensorVariable(TensorType(self.dtype, (False,)))])

    def perform(self, node, inputs, out) -> None:
        out[0][0] = np.arange(*[v.item() for v in inputs], dtype=self.dtype)

    def grad(self, inputs, output_grads):
        return [None, None, None]

    def infer_shape(self, node, input_shapes):
        from .elemwise import ceil, maximum, cast
        start, stop, step = node.inputs
        n = cast(maximum(ceil((stop - start) / step), 0), "int64")
        return [(n,)]


def arange(start, stop=None, step=1, dtype: str | None = None) -> TensorVariable:
    """Symbolic numpy.arange."""
    if stop is None:
        start, stop = 0, start
    ins = [as_tensor_variable(v) for v in (start, stop, step)]
    if dtype is None:
        from .scalar import upcast
        dtype = upcast(*[v.dtype for v in ins])
        if dtype.startswith(("int", "uint")):
            dtype = "int64"
    return ARange(dtype)(*ins)


class Eye(Op):
    """numpy.eye(n, m, k)."""

    __props__ = ("dtype",)

    def __init__(self, dtype: str):
        self.dtype = dtype

    def make_node(self, n, m, k) -> Apply:
        ins = [as_tensor_variable(v) for v in (n, m, k)]
        return Apply(self, ins, [TensorVariable(TensorType(self.dtype, (False, False)))])

    def perform(self, node, inputs, out) -> None:
        n, m, k = (int(v) for v in inputs)
        out[0][0] = np.eye(n, m, k, dtype=self.dtype)

    def grad(self, inputs, output_grads):
        return [None, None, None]

    def infer_shape(self, node, input_shapes):
        from .elemwise import cast
        return [(cast(node.inputs[0], "int64"), cast(node.inputs[1], "int64"))]


def eye(n, m=None, k: int = 0, dtype: str | None = None) -> TensorVariable:
    """Identity-like matrix (numpy.eye)."""
    m = n if m is None else m
    return Eye(dtype or config.floatX)(n, m, k)


def identity_like(x) -> TensorVariable:
    """An identity matrix shaped like the matrix `x`."""
    x = as_tensor_variable(x)
    return eye(shape_i(x, 0), shape_i(x, 1), 0, dtype=x.dtype)
