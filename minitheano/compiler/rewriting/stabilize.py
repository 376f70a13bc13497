"""Numerically stable forms: values and gradients that stay finite where the naive formula
overflows or rounds to 0 (log of a saturated sigmoid or softmax, log(1 + tiny), exp(x) - 1)."""
from __future__ import annotations

import numpy as np

from ...ops.basic import constant
from ...ops.elemwise import (Elemwise, expm1, log1p, mul, neg, softplus, sub, true_div)
from .algebra import factors
from .framework import node_rewriter, register
from .helpers import as_type, const, ew, scalar_value

try:  # the nnet ops are optional: their rules register only when the module exists
    from ...ops import nnet
except ImportError:  # pragma: no cover
    nnet = None


def _one_minus(v):
    """x when v is 1 - x (a sub from the constant 1), else None."""
    node = ew(v, "sub")
    if node is not None and scalar_value(node.inputs[0]) == 1:
        return node.inputs[1]
    return None


def _sigmoid_arg(v):
    node = ew(v, "sigmoid")
    return node.inputs[0] if node is not None else None


@register("stabilize", "specialize", tags=("fast_compile",))
@node_rewriter("log")
def local_log_sigmoid(fgraph, node):
    """log(sigmoid(x)) -> -softplus(-x); log(1 - sigmoid(x)) -> -softplus(x)"""
    v, out = node.inputs[0], node.outputs[0]
    x = _sigmoid_arg(v)
    if x is not None:
        return [as_type(neg(softplus(neg(x))), out)]
    s = _one_minus(v)
    x = _sigmoid_arg(s) if s is not None else None
    if x is not None and v.broadcastable == s.broadcastable:
        return [as_type(neg(softplus(x)), out)]
    return None


@register("stabilize", "specialize", tags=("fast_compile",))
@node_rewriter("log1p")
def local_log1p_neg_sigmoid(fgraph, node):
    """log1p(-sigmoid(x)) -> -softplus(x)"""
    n = ew(node.inputs[0], "neg")
    x = _sigmoid_arg(n.inputs[0]) if n is not None else None
    return [as_type(neg(softplus(x)), node.outputs[0])] if x is not None else None


@register("stabilize", "specialize", tags=("fast_compile",))
@node_rewriter("log")
def local_log1p(fgraph, node):
    """log(1 + x) -> log1p(x); log(1 - x) -> log1p(-x)"""
    v, out = node.inputs[0], node.outputs[0]
    add = ew(v, "add")
    if add is not None:
        ones = [k for k, i in enumerate(add.inputs) if scalar_value(i) == 1]
        if not ones:
            return None
        rest = [i for k, i in enumerate(add.inputs) if k != ones[0]]
        x = rest[0] if len(rest) == 1 else Elemwise(add.op.scalar_op)(*rest)
    else:
        x = _one_minus(v)
        if x is None or not x.dtype.startswith("float"):
            return None
        x = neg(x)
    if x.broadcastable != v.broadcastable:
        return None
    return [as_type(log1p(as_type(x, v)), out)]


@register("stabilize", "specialize", tags=("fast_compile",))
@node_rewriter("log")
def local_log_exp(fgraph, node):
    """log(exp(x)) -> x"""
    e = ew(node.inputs[0], "exp")
    if e is None or e.inputs[0].dtype != node.outputs[0].dtype:
        return None
    return [e.inputs[0]]


@register("stabilize", "specialize", tags=("fast_compile",))
@node_rewriter("sub")
def local_expm1(fgraph, node):
    """exp(x) - 1 -> expm1(x)"""
    e, one = node.inputs
    if scalar_value(one) != 1 or ew(e, "exp") is None or \
            e.broadcastable != node.outputs[0].broadcastable:
        return None
    return [as_type(expm1(e.owner.inputs[0]), node.outputs[0])]


if nnet is not None:
    @register("stabilize", "specialize", tags=("fast_compile",))
    @node_rewriter("log")
    def local_log_softmax(fgraph, node):
        """log(softmax(x)) -> log_softmax(x)"""
        sm = node.inputs[0]
        if sm.owner is None or not isinstance(sm.owner.op, nnet.Softmax):
            return None
        return [nnet.LogSoftmax(sm.owner.op.axis)(sm.owner.inputs[0])]

    def _divides_by(d, sm, num) -> bool:
        """Whether dividing by `d` equals dividing by `sm` wherever the numerator is nonzero."""
        if d is sm:
            return True
        sw = ew(d, "switch")
        if sw is None or sw.inputs[1] is not sm or scalar_value(sw.inputs[2]) is None:
            return False
        cond = sw.inputs[0]  # numerator must vanish where the switch does not pick sm
        for f in num:
            c = ew(f)
            if f is cond or (c is not None and len(c.inputs) == 1 and c.inputs[0] is cond and
                             c.op.scalar_op.name.startswith("Cast")):
                return True
        return False

    @register("stabilize", "specialize", tags=("fast_compile",))
    @node_rewriter(nnet.SoftmaxGrad)
    def local_softmax_grad_of_div(fgraph, node):
        """softmax_grad(u / sm, sm) -> u - sm * sum(u) (the log-softmax gradient: no 0/0)"""
        dy, sm = node.inputs
        out = node.outputs[0]
        if dy.dtype != out.dtype or sm.type != out.type:
            return None
        sign, num, den = factors(fgraph, dy, dy.dtype, True)
        hit = next((k for k, d in enumerate(den) if _divides_by(d, sm, num)), None)
        if hit is None:
            return None
        u = mul(*num) if len(num) > 1 else (num[0] if num else const(1, dy.dtype, dy.ndim))
        rest = den[:hit] + den[hit + 1:]
        if rest:
            u = true_div(u, mul(*rest) if len(rest) > 1 else rest[0])
        if sign < 0:
            u = neg(u)
        axis = node.op.axis % sm.ndim
        res = sub(u, sm * u.sum(axis=axis, keepdims=True))
        return [res] if res.type == out.type else None

    @register("stabilize", "specialize", tags=("fast_compile",))
    @node_rewriter(nnet.CrossentropyCategorical1Hot)
    def local_crossentropy_of_softmax(fgraph, node):
        """crossentropy_1hot(softmax(x), y) -> crossentropy_softmax_1hot(x, y) (from logits)"""
        p, y = node.inputs
        if p.owner is None or not isinstance(p.owner.op, nnet.Softmax) or \
                p.owner.op.axis not in (-1, 1):
            return None
        x = p.owner.inputs[0]
        from ...ops.alloc import alloc
        from ...ops.shape import shape_i
        zeros = alloc(constant(np.zeros((), x.dtype)), shape_i(x, 1))
        return [nnet.crossentropy_softmax_argmax_1hot_with_bias(x, zeros, y)[0]]
