"""Specialisation to BLAS: dot -> Gemv/Gemm writing into an AllocEmpty (beta = 0), then scalar
factors and added terms fold into alpha, beta and the accumulator; outer-product updates of
a matrix become Ger. Transposed operands are DimShuffle views, never copies."""
from __future__ import annotations

import numpy as np

from ...graphlib import Variable
from ...ops.blas import Dot
from ...ops.elemwise import DimShuffle, Elemwise, cast, mul, transpose
from ...ops.gemm import Gemm, Gemv, gemm_no_inplace, gemv_no_inplace, ger
from ...ops.rewrite_ops import AllocEmpty
from ...ops.shape import shape_i
from .framework import node_rewriter, register
from .helpers import const, ew, n_clients, scalar_value, unbroadcast_scalar

FLOATS = ("float32", "float64")


def _T(m: Variable) -> Variable:
    """The transpose of matrix m as a view (undoing a transpose rather than stacking one)."""
    if m.owner is not None and isinstance(m.owner.op, DimShuffle) and m.owner.op.new_order == (1, 0):
        return m.owner.inputs[0]
    return transpose(m)


def _smul(a, b, dtype: str):
    """The product of two scalars (Python numbers or 0-d variables), folded when constant."""
    a = scalar_value(a) if isinstance(a, Variable) and scalar_value(a) is not None else a
    b = scalar_value(b) if isinstance(b, Variable) and scalar_value(b) is not None else b
    if not isinstance(a, Variable) and not isinstance(b, Variable):
        return const(np.asarray(a, dtype) * np.asarray(b, dtype), dtype)
    if not isinstance(a, Variable) and a == 1:
        return _scalar(b, dtype)
    if not isinstance(b, Variable) and b == 1:
        return _scalar(a, dtype)
    return mul(_scalar(a, dtype), _scalar(b, dtype))


def _scalar(v, dtype: str) -> Variable:
    if not isinstance(v, Variable):
        return const(v, dtype)
    return cast(v, dtype) if v.dtype != dtype else v


@register("specialize")
@node_rewriter(Dot)
def local_dot_to_blas(fgraph, node):
    """dot(A, x) -> gemv(empty, 1, A, x, 0); dot(x, W) -> gemv(empty, 1, W.T, x, 0);
    dot(X, Y) -> gemm(empty, 1, X, Y, 0)"""
    x, y = node.inputs
    dt = node.outputs[0].dtype
    if x.dtype != dt or y.dtype != dt or dt not in FLOATS:
        return None
    one, zero = const(1, dt), const(0, dt)
    if x.ndim == 2 and y.ndim == 1:
        return [gemv_no_inplace(AllocEmpty(dt)(shape_i(x, 0)), one, x, y, zero)]
    if x.ndim == 1 and y.ndim == 2:
        return [gemv_no_inplace(AllocEmpty(dt)(shape_i(y, 1)), one, _T(y), x, zero)]
    if x.ndim == 2 and y.ndim == 2:
        return [gemm_no_inplace(AllocEmpty(dt)(shape_i(x, 0), shape_i(y, 1)), one, x, y, zero)]
    return None


def _fresh_blas(fgraph, v: Variable):
    """The Gemv/Gemm node computing v with beta = 0 (its y unread), when only one node reads v."""
    node = v.owner
    if node is None or not isinstance(node.op, (Gemv, Gemm)) or node.op.inplace:
        return None
    if scalar_value(node.inputs[4]) != 0 or n_clients(fgraph, v) != 1 or v in fgraph.outputs:
        return None
    return node


def _term(fgraph, v: Variable, sign: int):
    """(coefficient, variable) with v = coefficient * variable, the coefficient a scalar
    (number or 0-d variable) taken from a neg or a mul by broadcast scalars read only here."""
    node = ew(v, "neg", "mul")
    if node is None or n_clients(fgraph, v) != 1 or v in fgraph.outputs:
        return sign, v
    if node.op.scalar_op.name == "neg":
        return -sign, node.inputs[0]
    scalars = [i for i in node.inputs if all(i.broadcastable)]
    rest = [i for i in node.inputs if not all(i.broadcastable)]
    if len(rest) != 1 or rest[0].type != v.type:
        return sign, v
    coef = sign
    for s in scalars:
        coef = _smul(coef, unbroadcast_scalar(s), v.dtype)
    return coef, rest[0]


def _terms(fgraph, node):
    name = node.op.scalar_op.name
    signs = [1] * len(node.inputs) if name == "add" else [1, -1]
    return [_term(fgraph, i, s) for i, s in zip(node.inputs, signs)]


@register("specialize")
@node_rewriter("mul")
def local_blas_scale(fgraph, node):
    """a * gemv(empty, alpha, A, x, 0) -> gemv(empty, a * alpha, A, x, 0); gemm likewise"""
    out = node.outputs[0]
    blas = [i for i in node.inputs if _fresh_blas(fgraph, i) is not None]
    if len(blas) != 1 or blas[0].type != out.type:
        return None
    others = [i for i in node.inputs if i is not blas[0]]
    if not all(all(i.broadcastable) and i.dtype == out.dtype for i in others):
        return None
    b = blas[0].owner
    alpha = b.inputs[1]
    for s in others:
        alpha = _smul(alpha, unbroadcast_scalar(s), out.dtype)
    return [b.op(b.inputs[0], alpha, b.inputs[2], b.inputs[3], b.inputs[4])]


@register("specialize")
@node_rewriter("add", "sub")
def local_blas_accumulate(fgraph, node):
    """b*z + a*gemv(empty, alpha, A, x, 0) -> gemv(z, a*alpha, A, x, b); gemm likewise"""
    out = node.outputs[0]
    if out.dtype not in FLOATS:
        return None
    terms = _terms(fgraph, node)
    dots = [k for k, (_, v) in enumerate(terms) if _fresh_blas(fgraph, v) is not None and
            v.type == out.type]
    if not dots:
        return None
    k = dots[0]
    cands = [j for j, (_, v) in enumerate(terms) if j != k and v.type == out.type]
    if not cands:
        return None
    cands.sort(key=lambda j: j in dots)  # prefer an accumulator that is not itself a dot
    j = cands[0]
    (ca, g), (cz, z) = terms[k], terms[j]
    b = g.owner
    alpha = _smul(b.inputs[1], ca, out.dtype)
    new = b.op(z, alpha, b.inputs[2], b.inputs[3], _smul(cz, 1, out.dtype))
    rest = [_signed_term(t) for i, t in enumerate(terms) if i not in (j, k)]
    if not rest:
        return [new]
    return [Elemwise(_add_op())(new, *rest)]


def _add_op():
    from ...ops.scalar import SCALAR_OPS
    return SCALAR_OPS["add"]


def _signed_term(t) -> Variable:
    coef, v = t
    if not isinstance(coef, Variable) and coef == 1:
        return v
    return mul(DimShuffle((), ["x"] * v.ndim)(_scalar(coef, v.dtype)), v)


def _outer_parts(fgraph, v: Variable):
    """(scalar factors, column factors, row factors) of a matrix product of broadcast
    vectors read only here, else None."""
    node = ew(v, "mul")
    if node is None or v.ndim != 2 or n_clients(fgraph, v) != 1 or v in fgraph.outputs:
        return None
    parts = {(True, True): [], (False, True): [], (True, False): []}
    for i in node.inputs:
        if i.broadcastable not in parts or i.dtype != v.dtype:
            return None
        parts[i.broadcastable].append(i)
    if not parts[(False, True)] or not parts[(True, False)]:
        return None
    return parts[(True, True)], parts[(False, True)], parts[(True, False)]


@register("specialize")
@node_rewriter("add", "sub")
def local_ger(fgraph, node):
    """A + a * outer(x, y) -> ger(A, a, x, y) (outer(x, y) = x[:, None] * y[None, :])"""
    out = node.outputs[0]
    if out.dtype not in FLOATS or out.broadcastable != (False, False):
        return None
    terms = _terms(fgraph, node)
    for k, (coef, v) in enumerate(terms):
        parts = _outer_parts(fgraph, v)
        if parts is None:
            continue
        acc = [j for j, (c, a) in enumerate(terms) if j != k and a.type == out.type and
               not isinstance(c, Variable) and c == 1]
        if not acc:
            continue
        scalars, cols, rows = parts
        alpha = coef
        for s in scalars:
            alpha = _smul(alpha, unbroadcast_scalar(s), out.dtype)
        x = _vector(cols, 0)
        y = _vector(rows, 1)
        new = ger(terms[acc[0]][1], _smul(alpha, 1, out.dtype), x, y)
        rest = [_signed_term(t) for i, t in enumerate(terms) if i not in (k, acc[0])]
        return [new if not rest else Elemwise(_add_op())(new, *rest)]
    return None


def _vector(factors: list[Variable], keep: int) -> Variable:
    """The product of broadcast vectors as one 1-d vector (dimension `keep` kept)."""
    vs = [DimShuffle(f.broadcastable, [keep])(f) for f in factors]
    return vs[0] if len(vs) == 1 else mul(*vs)
