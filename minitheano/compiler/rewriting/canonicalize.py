"""Canonical forms: algebraic identities of elementwise ops, flattening of add/mul chains,
nested/identity DimShuffles, useless casts, broadcast declarations and reductions."""
from __future__ import annotations

import numpy as np

from ...ops import scalar as S
from ...ops.alloc import alloc_op
from ...ops.basic import constant
from ...ops.elemwise import DimShuffle, Elemwise, cast, neg, sqr, sqrt, true_div
from ...ops.reduction import CAReduce
from ...ops.shape import SpecifyBroadcastable, shape_i
from .framework import node_rewriter, register
from .helpers import (as_type, compose_dimshuffle, const, ew, only_client, scalar_value,
                      zeros_shaped_like)

CANON = ("canonicalize", "stabilize", "specialize")
_SIGNED = ("float", "int", "complex")


def _signed(dtype: str) -> bool:
    return dtype.startswith(_SIGNED)


@register(*CANON, tags=("fast_compile",))
@node_rewriter("add", "mul")
def local_flatten_add_mul(fgraph, node):
    """add(add(a, b), c) -> add(a, b, c); mul likewise (the inner node read only here)."""
    name, dtype = node.op.scalar_op.name, node.outputs[0].dtype
    new, changed = [], False
    for i in node.inputs:
        inner = ew(i, name)
        if inner is not None and i.dtype == dtype and only_client(fgraph, i, node):
            new.extend(inner.inputs)
            changed = True
        else:
            new.append(i)
    return [Elemwise(node.op.scalar_op)(*new)] if changed else None


@register(*CANON, tags=("fast_compile",))
@node_rewriter("add", "mul")
def local_add_mul_constants(fgraph, node):
    """x + 0 -> x, x * 1 -> x, x * -1 -> -x; several scalar constants -> one."""
    out = node.outputs[0]
    if out.dtype == "bool":
        return None
    is_add = node.op.scalar_op.name == "add"
    vals = [scalar_value(i) for i in node.inputs]
    others = [i for i, v in zip(node.inputs, vals) if v is None]
    consts = [v for v in vals if v is not None]
    if not consts or not others:
        return None
    arr = np.asarray(consts).astype(out.dtype)
    combined = (np.sum(arr) if is_add else np.prod(arr)).astype(out.dtype)
    neutral = combined == (0 if is_add else 1)
    minus = not is_add and combined == -1 and _signed(out.dtype)
    if len(consts) == 1 and not neutral and not minus:
        return None
    if neutral or minus:
        rest = others[0] if len(others) == 1 else Elemwise(node.op.scalar_op)(*others)
        rest = as_type(rest, out)
        return [neg(rest) if minus else rest]
    c = const(combined, out.dtype, out.ndim)
    return [as_type(Elemwise(node.op.scalar_op)(*others, c), out)]


@register(*CANON, tags=("fast_compile",))
@node_rewriter("mul")
def local_mul_to_sqr(fgraph, node):
    """x * x -> sqr(x)"""
    if len(node.inputs) == 2 and node.inputs[0] is node.inputs[1]:
        return [sqr(node.inputs[0])]
    return None


@register(*CANON, tags=("fast_compile",))
@node_rewriter("neg")
def local_neg_neg(fgraph, node):
    """--x -> x"""
    inner = ew(node.inputs[0], "neg")
    return [inner.inputs[0]] if inner is not None else None


@register(*CANON, tags=("fast_compile",))
@node_rewriter("sub")
def local_sub_special(fgraph, node):
    """x - 0 -> x; 0 - x -> -x; x - x -> 0; x - (-y) -> x + y"""
    x, y = node.inputs
    out = node.outputs[0]
    if x is y:
        return [zeros_shaped_like(x, out.dtype)]
    if scalar_value(y) == 0:
        return [as_type(x, out)] if x.broadcastable == out.broadcastable else None
    if scalar_value(x) == 0 and _signed(out.dtype) and y.broadcastable == out.broadcastable:
        return [neg(as_type(y, out))]
    inner = ew(y, "neg")
    if inner is not None:
        return [as_type(x + inner.inputs[0], out)]
    return None


@register(*CANON, tags=("fast_compile",))
@node_rewriter("add")
def local_add_neg_to_sub(fgraph, node):
    """a + (-b) -> a - b"""
    if len(node.inputs) != 2:
        return None
    a, b = node.inputs
    if ew(a, "neg") is not None and ew(b, "neg") is None:
        a, b = b, a
    inner = ew(b, "neg")
    if inner is None:
        return None
    return [as_type(a - inner.inputs[0], node.outputs[0])]


@register(*CANON, tags=("fast_compile",))
@node_rewriter("true_div")
def local_div_one(fgraph, node):
    """x / 1 -> x"""
    x, y = node.inputs
    if scalar_value(y) == 1 and x.broadcastable == node.outputs[0].broadcastable:
        return [as_type(x, node.outputs[0])]
    return None


@register(*CANON, tags=("fast_compile",))
@node_rewriter("pow")
def local_pow_special(fgraph, node):
    """x**0 -> 1, x**1 -> x, x**2 -> sqr(x), x**0.5 -> sqrt(x), x**-1 -> 1/x"""
    x, y = node.inputs
    out = node.outputs[0]
    p = scalar_value(y)
    if p is None or x.broadcastable != out.broadcastable:
        return None
    xo = as_type(x, out)  # compute in the output dtype: sqr(int8) would wrap
    if p == 0:
        return [alloc_op(constant(np.ones((), out.dtype)), *[shape_i(x, d) for d in range(x.ndim)])]
    if p == 1:
        return [xo]
    if p == 2:
        return [sqr(xo)]
    if p == 0.5 and out.dtype.startswith("float"):
        return [as_type(sqrt(xo), out)]
    if p == -1 and out.dtype.startswith("float"):
        return [true_div(const(1, out.dtype, out.ndim), xo)]
    return None


@register(*CANON, "fusion", tags=("fast_compile",))
@node_rewriter(DimShuffle)
def local_dimshuffle_merge(fgraph, node):
    """DimShuffle(DimShuffle(x)) -> DimShuffle(x); identity DimShuffle(x) -> x"""
    x = node.inputs[0]
    order = node.op.new_order
    inner = x.owner
    if inner is not None and isinstance(inner.op, DimShuffle):
        x = inner.inputs[0]
        order = compose_dimshuffle(inner.op.new_order, order)
    if order == tuple(range(x.ndim)) and x.broadcastable == node.outputs[0].broadcastable:
        return [x]
    if x is node.inputs[0]:
        return None
    return [DimShuffle(x.broadcastable, order)(x)]


@register(*CANON, tags=("fast_compile",))
@node_rewriter(SpecifyBroadcastable)
def local_useless_specify_broadcastable(fgraph, node):
    """SpecifyBroadcastable(x) -> x when x has the pattern already; nested -> one"""
    x = node.inputs[0]
    pattern = node.op.broadcastable
    if x.broadcastable == pattern:
        return [x]
    inner = x.owner
    if inner is not None and isinstance(inner.op, SpecifyBroadcastable) and \
            all(b or not a for a, b in zip(inner.op.broadcastable, pattern)):
        return [SpecifyBroadcastable(pattern)(inner.inputs[0])]
    return None


@register(*CANON, tags=("fast_compile",))
@node_rewriter(Elemwise)
def local_useless_cast(fgraph, node):
    """cast(x, x.dtype) -> x; cast(cast(x, wider), d) -> cast(x, d)"""
    if not isinstance(node.op.scalar_op, S.Cast) or node.op.inplace_pattern:
        return None
    x, out = node.inputs[0], node.outputs[0]
    if x.dtype == out.dtype:
        return [x]
    inner = ew(x)
    if inner is not None and isinstance(inner.op.scalar_op, S.Cast):
        src = inner.inputs[0]
        if np.can_cast(src.dtype, x.dtype, "safe"):
            return [cast(src, out.dtype)]
    return None


@register(*CANON)
@node_rewriter(CAReduce)
def local_useless_reduce(fgraph, node):
    """sum/prod/max/... over no axis or only length-1 axes -> x (those axes dropped)"""
    x, out = node.inputs[0], node.outputs[0]
    if not all(x.broadcastable[a] for a in node.op.axis):
        return None
    if node.op.keepdims or not node.op.axis:
        res = x
    else:
        res = DimShuffle(x.broadcastable, [d for d in range(x.ndim) if d not in node.op.axis])(x)
    return [cast(res, out.dtype)]


@register(*CANON)
@node_rewriter(DimShuffle)
def local_reduce_keepdims_drop(fgraph, node):
    """sum(x, axis, keepdims=True) with those axes dropped -> sum(x, axis)"""
    x = node.inputs[0]
    red = x.owner
    if red is None or not isinstance(red.op, CAReduce) or not red.op.keepdims or \
            not only_client(fgraph, x, node):
        return None
    kept = [d for d in range(x.ndim) if d not in red.op.axis]
    if node.op.new_order != tuple(kept):
        return None
    return [CAReduce(red.op.kind, red.op.axis, False)(red.inputs[0])]
