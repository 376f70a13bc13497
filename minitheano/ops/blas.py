"""Linear algebra: `dot` for every 1-d/2-d combination, and `outer`.

The compiler's specialisation phase turns products into Gemv/Gemm/Ger (see
`minitheano.compiler.rewrites.blas`); this module holds the plain, unfused op.
"""
from __future__ import annotations

import numpy as np

from ..graphlib import Apply, Op
from .basic import as_tensor_variable
from .scalar import upcast
from .type import TensorType, TensorVariable


class Dot(Op):
    """numpy.dot of a 1-d or 2-d tensor by a 1-d or 2-d tensor (scalars multiply)."""

    def __str__(self) -> str:
        return "dot"

    def make_node(self, x, y) -> Apply:
        x, y = as_tensor_variable(x), as_tensor_variable(y)
        if x.ndim not in (1, 2) or y.ndim not in (1, 2):
            raise TypeError(f"dot: inputs must be 1-d or 2-d, got {_d(x)} and {_d(y)}; use "
                            f"tensordot/batched_dot or * for scalars")
        bc = x.broadcastable[:-1] + y.broadcastable[1:] if y.ndim == 2 else x.broadcastable[:-1]
        return Apply(self, [x, y], [TensorVariable(TensorType(upcast(x.dtype, y.dtype), bc))])

    def perform(self, node, inputs, out) -> None:
        x, y = inputs
        if x.shape[-1] != y.shape[0]:
            raise ValueError(f"dot: shapes {x.shape} ({_name(node.inputs[0])}) and {y.shape} "
                             f"({_name(node.inputs[1])}) are not aligned: {x.shape[-1]} != "
                             f"{y.shape[0]}")
        out[0][0] = np.asarray(np.dot(x, y), dtype=node.outputs[0].dtype)

    def grad(self, inputs, output_grads):
        (x, y), (g,) = inputs, output_grads
        if x.ndim == 1 and y.ndim == 1:      # g scalar
            gx, gy = g * y, g * x
        elif x.ndim == 1:                    # x (k,), y (k, n), g (n,)
            gx, gy = dot(y, g), outer(x, g)
        elif y.ndim == 1:                    # x (m, k), y (k,), g (m,)
            gx, gy = outer(g, y), dot(x.T, g)
        else:
            gx, gy = dot(g, y.T), dot(x.T, g)
        from .elemwise import reduce_to_input
        return [reduce_to_input(gx, x), reduce_to_input(gy, y)]

    def infer_shape(self, node, input_shapes):
        xs, ys = input_shapes
        return [tuple(xs[:-1]) + tuple(ys[1:])]


def _d(v) -> str:
    return f"{v} ({v.type})"


def _name(v) -> str:
    return f"'{v.name}'" if v.name else str(v.type)


_dot = Dot()


def dot(x, y) -> TensorVariable:
    """Matrix/vector product; with a scalar operand, elementwise multiplication."""
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    if x.ndim == 0 or y.ndim == 0:
        return x * y
    if x.ndim > 2 or y.ndim > 2:
        return tensordot(x, y, axes=[[x.ndim - 1], [max(y.ndim - 2, 0)]])
    return _dot(x, y)


def outer(x, y) -> TensorVariable:
    """Outer product of two vectors."""
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    return x.dimshuffle(0, "x") * y.dimshuffle("x", 0)


def tensordot(a, b, axes=2) -> TensorVariable:
    """numpy.tensordot via reshapes around one matrix product."""
    from .shape import reshape, shape_i
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if isinstance(axes, int):
        a_axes, b_axes = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        a_axes, b_axes = [list(ax) if isinstance(ax, (list, tuple)) else [ax] for ax in axes]
    a_axes = [x % a.ndim for x in a_axes]
    b_axes = [x % b.ndim for x in b_axes]
    a_free = [d for d in range(a.ndim) if d not in a_axes]
    b_free = [d for d in range(b.ndim) if d not in b_axes]
    at = a.transpose(*(a_free + a_axes)) if a.ndim > 1 else a
    bt = b.transpose(*(b_axes + b_free)) if b.ndim > 1 else b
    one = 1
    m = [shape_i(a, d) for d in a_free]
    k = [shape_i(a, d) for d in a_axes]
    n = [shape_i(b, d) for d in b_free]

    def _prod(xs):
        out = one
        for x in xs:
            out = out * x
        return out
    a2 = reshape(at, [_prod(m), _prod(k)])
    b2 = reshape(bt, [_prod(k), _prod(n)])
    res = _dot(a2, b2)
    return reshape(res, m + n) if (m or n) else reshape(res, [])
