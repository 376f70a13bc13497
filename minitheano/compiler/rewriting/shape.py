"""Shape inference as rewrites: `x.shape` of a computed `x` becomes an expression of the
shapes of the graph inputs (each op's `infer_shape`), so shapes are known without computing
`x` and buffers can be allocated up front. Also removes reshapes/allocs that change nothing."""
from __future__ import annotations

import numpy as np

from ...graphlib import Constant, Variable
from ...ops.alloc import Alloc, alloc_op
from ...ops.basic import constant
from ...ops.elemwise import DimShuffle, Elemwise, add, cast, mul
from ...ops.join import Join
from ...ops.reduction import CAReduce
from ...ops.rewrite_ops import AllocEmpty
from ...ops.shape import MakeVector, Reshape, Shape, Shape_i, shape_i
from .framework import node_rewriter, register
from .helpers import only_client, scalar_value

CANON = ("canonicalize", "stabilize", "specialize")


def _as_int64(s) -> Variable:
    if isinstance(s, (int, np.integer)):
        return constant(np.int64(s))
    return cast(s, "int64") if s.dtype != "int64" else s


def _shape_vars(v: Variable, memo: dict | None) -> tuple | None:
    """(shape_i(v, 0), shape_i(v, 1), ...), built once per variable when `memo` is given."""
    if not hasattr(v, "ndim"):
        return None
    if memo is None:
        return tuple(shape_i(v, k) for k in range(v.ndim))
    if v not in memo:
        memo[v] = tuple(shape_i(v, k) for k in range(v.ndim))
    return memo[v]


def inferred_length(x: Variable, d: int, memo: dict | None = None) -> Variable | None:
    """Length of dimension d of the computed `x` from its op's infer_shape (one level: in
    terms of `Shape_i` of the op's inputs), or None when the op cannot say."""
    node = x.owner
    if node is None or not hasattr(node.op, "infer_shape"):
        return None
    shapes = memo.get(node) if memo is not None else None
    try:
        if shapes is None:  # once per node (a scan's walks its step graph)
            shapes = node.op.infer_shape(node, [_shape_vars(i, memo) for i in node.inputs])
            if memo is not None:
                memo[node] = shapes
        return _as_int64(shapes[x.index][d])
    except Exception:  # noqa: BLE001 - an op without (working) shape inference keeps Shape_i
        return None


@register(*CANON, tags=("fast_compile", "shape"))
@node_rewriter(Shape)
def local_shape_to_shape_i(fgraph, node):
    """shape(x) -> [shape_i(x, 0), shape_i(x, 1), ...]"""
    x = node.inputs[0]
    if x.ndim == 0:
        return [constant(np.zeros(0, "int64"))]
    return [MakeVector("int64")(*[shape_i(x, d) for d in range(x.ndim)])]


@register(*CANON, tags=("fast_compile", "shape"))
@node_rewriter(Shape_i)
def local_shape_i_inferred(fgraph, node):
    """shape_i(f(a, b), d) -> f's inferred length, in terms of shape_i(a), shape_i(b); 1 on a
    broadcastable dimension"""
    x, d = node.inputs[0], node.op.i
    if x.broadcastable[d]:
        return [constant(np.int64(1))]
    if x.owner is None or isinstance(x, Constant):
        return [constant(np.int64(x.data.shape[d]))] if isinstance(x, Constant) else None
    # one Shape_i per (variable, dimension) while x is in the graph: merge has less to do
    memo = fgraph.__dict__.setdefault("_shape_i_memo", {})
    res = inferred_length(x, d, memo)
    return None if res is None or res is node.outputs[0] else [res]


def length_matches(e: Variable, x: Variable, d: int, depth: int = 0) -> bool:
    """Whether the scalar `e` is certainly the length of dimension d of `x`."""
    o = e.owner
    if o is not None and isinstance(o.op, Shape_i) and o.op.i == d and o.inputs[0] is x:
        return True
    if x.broadcastable[d]:
        return scalar_value(e) == 1
    if isinstance(x, Constant):
        return scalar_value(e) == x.data.shape[d]
    if depth > 6:
        return False
    s = inferred_length(x, d)
    return s is not None and _same(e, s, depth + 1)


def _same(a: Variable, b: Variable, depth: int) -> bool:
    """Structural equality of two small integer expressions (Shape_i resolved by inference)."""
    if a is b:
        return True
    if isinstance(a, Constant) or isinstance(b, Constant):
        va, vb = scalar_value(a), scalar_value(b)
        return va is not None and va == vb
    if b.owner is not None and isinstance(b.owner.op, Shape_i):
        return length_matches(a, b.owner.inputs[0], b.owner.op.i, depth)
    if a.owner is None or b.owner is None or a.owner.op != b.owner.op or \
            len(a.owner.inputs) != len(b.owner.inputs) or a.index != b.index:
        return False
    return all(_same(p, q, depth) for p, q in zip(a.owner.inputs, b.owner.inputs))


@register(*CANON, tags=("shape",))
@node_rewriter(Reshape)
def local_useless_reshape(fgraph, node):
    """reshape(x, x.shape) -> x; reshape(reshape(x, s1), s2) -> reshape(x, s2)"""
    x, shp = node.inputs
    out = node.outputs[0]
    inner = x.owner
    if inner is not None and isinstance(inner.op, Reshape) and only_client(fgraph, x, node):
        return [Reshape(node.op.ndim)(inner.inputs[0], shp)]
    if out.ndim != x.ndim or x.ndim == 0:
        return None
    if shp.owner is not None and isinstance(shp.owner.op, MakeVector):
        entries = shp.owner.inputs
    elif isinstance(shp, Constant):
        entries = [constant(np.int64(s)) for s in shp.data]
    else:
        return None
    if x.ndim == 1 and scalar_value(entries[0]) == -1:
        return [x]
    if all(length_matches(e, x, d) for d, e in enumerate(entries)):
        return [x]
    return None


@register(*CANON, tags=("shape",))
@node_rewriter(Alloc)
def local_useless_alloc(fgraph, node):
    """alloc(x, *x.shape) -> x; alloc(alloc(v, s1), s2) -> alloc(v, s2)"""
    v, shape = node.inputs[0], node.inputs[1:]
    out = node.outputs[0]
    inner = v.owner
    if inner is not None and isinstance(inner.op, Alloc) and only_client(fgraph, v, node):
        return [alloc_op(inner.inputs[0], *shape)]
    if v.type != out.type:
        return None
    if all(length_matches(e, v, d) for d, e in enumerate(shape)):
        return [v]
    return None


@register(*CANON, tags=("shape",))
@node_rewriter(CAReduce)
def local_reduce_of_make_vector(fgraph, node):
    """prod([a, b, c]) -> a * b * c; sum([a, b, c]) -> a + b + c (the element counts of
    reshape gradients: scalar arithmetic instead of a vector and a loop)"""
    v = node.inputs[0]
    if node.op.kind not in ("sum", "prod") or v.owner is None or \
            not isinstance(v.owner.op, MakeVector) or not v.owner.inputs:
        return None
    ins = v.owner.inputs
    res = ins[0] if len(ins) == 1 else (mul if node.op.kind == "prod" else add)(*ins)
    res = cast(res, node.outputs[0].dtype)
    if node.op.keepdims:
        res = DimShuffle((), ["x"])(res)
    return [res] if res.type == node.outputs[0].type else None


@register(*CANON, tags=("shape",))
@node_rewriter(Elemwise)
def local_elemwise_alloc(fgraph, node):
    """f(alloc(v, shape), y) -> f(v, y) when y alone fixes the output shape (v broadcasts)"""
    ins = node.inputs
    allocs = [k for k, i in enumerate(ins) if i.owner is not None and isinstance(i.owner.op, Alloc)]
    if not allocs or len(allocs) == len(ins):
        return None
    fixed = [i for k, i in enumerate(ins) if k not in allocs]
    new = list(ins)
    for k in allocs:
        a = ins[k]
        if not all(a.broadcastable[d] or any(not f.broadcastable[d] for f in fixed)
                   for d in range(a.ndim)):
            continue
        v = a.owner.inputs[0]
        pad = a.ndim - v.ndim
        new[k] = DimShuffle(v.broadcastable, ["x"] * pad + list(range(v.ndim)))(v) if pad else v
    if new == list(ins):
        return None
    res = Elemwise(node.op.scalar_op, node.op.inplace_pattern)(*new)
    res = res if isinstance(res, list) else [res]
    if any(r.type != o.type for r, o in zip(res, node.outputs)):
        return None
    return res


@register(*CANON, tags=("shape",))
@node_rewriter(Reshape, Alloc, AllocEmpty)
def local_refine_broadcastable(fgraph, node):
    """reshape(x, [n, 1]) typed (False, False) -> the same node typed (False, True), declared
    (False, False) for its readers: these ops read broadcastable flags off constant shape
    entries, so a shape entry that became the constant 1 makes them more precise"""
    redo = node.op.make_node(*node.inputs)
    if all(a.type == b.type for a, b in zip(node.outputs, redo.outputs)):
        return None
    return redo.outputs


try:
    from ...ops.subtensor import Subtensor
except ImportError:  # pragma: no cover
    Subtensor = None

if Subtensor is not None:
    @register(*CANON, tags=("fast_compile", "shape"))
    @node_rewriter(Subtensor)
    def local_subtensor_of_make_vector(fgraph, node):
        """[a, b, c][1] -> b (so x.shape[1] is shape_i(x, 1))"""
        v = node.inputs[0]
        idx = node.op.idx_list
        if len(idx) != 1 or not isinstance(idx[0], int) or v.owner is None:
            return None
        if isinstance(v.owner.op, Shape):
            x = v.owner.inputs[0]
            return [shape_i(x, idx[0] % x.ndim)] if -x.ndim <= idx[0] < x.ndim else None
        if isinstance(v.owner.op, MakeVector):
            elems = v.owner.inputs
            return [elems[idx[0]]] if -len(elems) <= idx[0] < len(elems) else None
        return None


@register(*CANON, tags=("shape",))
@node_rewriter(Join)
def local_join_drop_empty(fgraph, node):
    """join(axis, x, zeros(0, ...)) -> x: a part known to have length 0 along the axis adds
    nothing (the gradient of a loop's sequence joins the zeros of the rows the loop did not
    read, none when the loop reads them all: W3 copied 6.5 MB per call for it)."""
    ax = node.op.axis
    keep = [x for x in node.inputs
            if (n := _length(x, ax)) is None or scalar_value(n) != 0]
    if len(keep) == len(node.inputs) or not keep:
        return None
    return [keep[0] if len(keep) == 1 else Join(ax)(*keep)]


def _length(x: Variable, d: int) -> Variable | None:
    """The length of dimension d of x as a graph, when the op that made x says."""
    if x.owner is not None and isinstance(x.owner.op, Alloc):
        return x.owner.inputs[1 + d]
    return inferred_length(x, d)
