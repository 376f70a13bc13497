"""Small pattern helpers shared by the rewrite modules: recognising elementwise nodes and
scalar constants, building typed constants, client counts."""
from __future__ import annotations

import numpy as np

from ...graphlib import Apply, Constant, FunctionGraph, Variable
from ...ops.alloc import alloc_op
from ...ops.basic import constant
from ...ops.elemwise import DimShuffle, Elemwise, cast
from ...ops.shape import shape_i


def ew(var_or_node, *names: str) -> Apply | None:
    """The node computing `var` when it is a non-inplace Elemwise of one of `names` (any name
    when none given), else None."""
    node = var_or_node if isinstance(var_or_node, Apply) else var_or_node.owner
    if node is None or not isinstance(node.op, Elemwise) or node.op.inplace_pattern:
        return None
    if names and node.op.scalar_op.name not in names:
        return None
    return node


def scalar_value(v: Variable):
    """The number a size-1 constant holds (through broadcasting DimShuffles), else None."""
    while v.owner is not None and isinstance(v.owner.op, DimShuffle) and \
            all(b for b in v.broadcastable):
        v = v.owner.inputs[0]
    if isinstance(v, Constant) and np.size(v.data) == 1:
        return np.asarray(v.data).reshape(()).item()
    return None


def is_scalar_const(v: Variable, value) -> bool:
    """Whether `v` is a size-1 constant equal to `value`."""
    s = scalar_value(v)
    return s is not None and s == value


def unbroadcast_scalar(v: Variable) -> Variable | None:
    """The 0-d variable `v` is a broadcast of (v all-broadcastable), else None."""
    if not all(v.broadcastable):
        return None
    while v.ndim and v.owner is not None and isinstance(v.owner.op, DimShuffle):
        v = v.owner.inputs[0]
    if v.ndim == 0:
        return v
    return DimShuffle(v.broadcastable, [])(v)


def const(value, dtype: str, ndim: int = 0) -> Variable:
    """A constant `value` of `dtype`, padded to `ndim` broadcastable dimensions."""
    c = constant(np.asarray(value, dtype=dtype))
    return DimShuffle((), ["x"] * ndim)(c) if ndim else c


def as_type(new: Variable, like: Variable) -> Variable:
    """`new` cast to `like`'s dtype (broadcastable flags are fitted by the framework)."""
    return cast(new, like.dtype) if new.dtype != like.dtype else new


def n_clients(fgraph: FunctionGraph, v: Variable) -> int:
    """How many places read `v` (fgraph outputs count)."""
    return len(fgraph.clients.get(v, ()))


def only_client(fgraph: FunctionGraph, v: Variable, node: Apply) -> bool:
    """Whether `node` is the only reader of `v` (and v is not an fgraph output)."""
    cl = fgraph.clients.get(v, ())
    return bool(cl) and all(c is node for c, _ in cl)


def zeros_shaped_like(x: Variable, dtype: str | None = None) -> Variable:
    """An Alloc of zeros with x's shape and broadcastable flags."""
    dtype = dtype or x.dtype
    return alloc_op(constant(np.zeros((), dtype)), *[shape_i(x, d) for d in range(x.ndim)])


def compose_dimshuffle(inner: tuple, outer: tuple) -> tuple:
    """The new_order of DimShuffle(outer)(DimShuffle(inner)(x)) as one DimShuffle of x."""
    return tuple("x" if o == "x" else inner[o] for o in outer)
