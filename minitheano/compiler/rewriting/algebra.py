"""Products and quotients in canonical form: a tree of mul, true_div and neg is read as
sign * prod(numerators) / prod(denominators), and a factor found on both sides cancels.

This is what keeps gradients finite: d log(sigmoid(x)) is built as (g / s) * s * (1 - s),
which is nan where s underflows to 0; cancelled it is g * (1 - s).
"""
from __future__ import annotations

from ...ops.elemwise import Elemwise, add, mul, neg, sub, true_div
from .framework import node_rewriter, register
from .helpers import const, ew, n_clients

CANON = ("canonicalize", "stabilize", "specialize")


def factors(fgraph, v, dtype: str, top: bool):
    """(sign, numerators, denominators) of `v`, expanding mul/true_div/neg nodes of `dtype`
    whose result is read only by the tree (the top node always)."""
    node = ew(v, "mul", "true_div", "neg")
    if node is None or v.dtype != dtype or any(i.dtype != dtype for i in node.inputs) or \
            (not top and n_clients(fgraph, v) != 1):
        return 1, [v], []
    name = node.op.scalar_op.name
    parts = [factors(fgraph, i, dtype, False) for i in node.inputs]
    if name == "neg":
        s, n, d = parts[0]
        return -s, n, d
    if name == "mul":
        sign, num, den = 1, [], []
        for s, n, d in parts:
            sign, num, den = sign * s, num + n, den + d
        return sign, num, den
    (s1, n1, d1), (s2, n2, d2) = parts
    return s1 * s2, n1 + d2, d1 + n2


def _product(vs, dtype: str, ndim: int):
    if not vs:
        return const(1, dtype, ndim)
    return vs[0] if len(vs) == 1 else mul(*vs)


@register(*CANON, tags=("fast_compile",))
@node_rewriter("mul", "true_div")
def local_mul_div_cancel(fgraph, node):
    """(a / b) * b * c -> a * c: a factor in numerator and denominator cancels"""
    out = node.outputs[0]
    if not out.dtype.startswith("float"):
        return None
    sign, num, den = factors(fgraph, out, out.dtype, True)
    if not den:
        return None
    num, rest_den, cancelled = list(num), [], False
    for d in den:
        hit = next((k for k, n in enumerate(num) if n is d), None)
        if hit is None:
            rest_den.append(d)
        else:
            del num[hit]
            cancelled = True
    if not cancelled:
        return None
    res = _product(num, out.dtype, out.ndim)
    if rest_den:
        res = true_div(res, _product(rest_den, out.dtype, out.ndim))
    if sign < 0:
        res = neg(res)
    # a cancelled factor may have carried the shape: keep only results that still do
    if res.dtype != out.dtype or res.broadcastable != out.broadcastable:
        return None
    return [res]


@register(*CANON)
@node_rewriter("mul")
def local_mul_neg(fgraph, node):
    """a * (-b) -> -(a * b): signs gather at the top, where neg(neg) and sub rules see them"""
    ins = node.inputs
    negs = [k for k, i in enumerate(ins) if ew(i, "neg") is not None and
            n_clients(fgraph, i) == 1]
    if not negs or not node.outputs[0].dtype.startswith(("float", "int")):
        return None
    new = [ew(i, "neg").inputs[0] if k in negs else i for k, i in enumerate(ins)]
    res = Elemwise(node.op.scalar_op)(*new)
    if res.dtype != node.outputs[0].dtype:
        return None
    return [neg(res) if len(negs) % 2 else res]


@register(*CANON, tags=("fast_compile",))
@node_rewriter("mul")
def local_mul_distribute_to_cancel(fgraph, node):
    """(a / s + b / t) * s * t -> a * t + b * s: distribute a sum over the other factors when a
    term's denominator is one of them (the gradient of log(s) + log(1 - s) through a sigmoid)"""
    out = node.outputs[0]
    if not out.dtype.startswith("float"):
        return None
    for k, v in enumerate(node.inputs):
        s = ew(v, "add", "sub")
        if s is None or n_clients(fgraph, v) != 1 or v.dtype != out.dtype or len(s.inputs) > 4:
            continue
        others = node.inputs[:k] + node.inputs[k + 1:]
        dens = [factors(fgraph, t, out.dtype, True)[2] for t in s.inputs]
        if not any(d is o for den in dens for d in den for o in others):
            continue
        terms = [mul(t, *others) for t in s.inputs]
        res = add(*terms) if s.op.scalar_op.name == "add" else sub(*terms)
        return [res] if res.type == out.type else None
    return None
