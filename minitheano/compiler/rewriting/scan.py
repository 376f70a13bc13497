"""Scan rewrites: move loop-invariant and per-step-independent work out of the loop, keep only
the last step of outputs read only there, drop unused and duplicate outputs and unused inputs,
and rewrite the step graph with the pipeline itself."""
from __future__ import annotations

from dataclasses import replace

from ...graphlib import Constant, FunctionGraph, Variable, ancestors, toposort
from ...ops.shape import Shape_i, patternbroadcast, reshape, shape_i
from ...ops.alloc import Alloc
from ...ops.blas import Dot, dot
from ...ops.elemwise import DimShuffle, Elemwise
from ...ops.scan import Scan
from ...ops.scan.rebuild import NitPart, ScanParts, SeqPart
from ...ops.scan.utils import graph_key
from ...ops.subtensor import Subtensor
from .framework import graph_rewriter, node_rewriter, register
from .helpers import ew, scalar_value

CANON = ("canonicalize", "stabilize", "specialize")


@register("merge", "canonicalize", tags=("scan", "fast_compile"))
@graph_rewriter
def scan_merge_extended(fgraph) -> int:
    """for(step) and for(step with extra outputs) on the same inputs -> the second one (the
    gradient's forward loop also returns the intermediates the backward loop reads)."""
    changes = 0
    nodes = [n for n in fgraph.toposort() if isinstance(n.op, Scan)]
    for a in nodes:
        for b in nodes:
            if a is not b and a in fgraph.apply_nodes and b in fgraph.apply_nodes and \
                    _extends(b, a):
                for old, new in zip(a.outputs, b.outputs):
                    if old in fgraph.variables:
                        fgraph.replace(old, new, reason="scan_merge_extended")
                changes += 1
    return changes


def _extends(b, a) -> bool:
    """Whether Scan node b computes all of a's outputs (first) from the same inputs."""
    ia, ib = a.op.info, b.op.info
    if len(b.outputs) <= len(a.outputs) or len(a.inputs) != len(b.inputs) or \
            any(x is not y for x, y in zip(a.inputs, b.inputs)):
        return False
    if ia.n_rec != ib.n_rec or a.op.inner_rewritten != b.op.inner_rewritten or \
            replace(ib, n_nit_sot=ia.n_nit_sot, keep_last=ib.keep_last[:ia.n_outs]) != ia:
        return False
    return graph_key(b.op.inner_inputs, b.op.inner_outputs[:ia.n_outs]) == a.op.graph_key


@register(*CANON, tags=("scan", "fast_compile"))
@node_rewriter(Scan)
def scan_remove_unused(fgraph, node):
    """Scan outputs nobody reads -> gone (with the inputs only they needed); an outer value
    passed twice -> passed once."""
    used = {k for k, o in enumerate(node.outputs) if fgraph.clients.get(o)}
    parts = ScanParts.from_node(node)
    before = _layout(parts)
    parts.merge_inputs()
    parts.prune(keep=used)
    if _layout(parts) == before:
        return None
    return parts.apply(node)


def _layout(parts: ScanParts) -> tuple:
    return (tuple(len(s.taps) for s in parts.seqs), len(parts.recs), len(parts.nits),
            len(parts.non_seqs))


@register(*CANON, tags=("scan",))
@node_rewriter(Scan)
def scan_keep_last(fgraph, node):
    """for(...)[-1] -> for(...) storing only the last step (no history buffer)."""
    info = node.op.info
    last = 0 if info.reverse else -1
    ks = []
    for k, out in enumerate(node.outputs):
        clients = fgraph.clients.get(out, [])
        if info.keep_last[k] or not clients:
            continue
        if all(c != "output" and isinstance(c.op, Subtensor) and c.op.idx_list == (last,)
               and len(c.inputs) == 1 for c, _ in clients):
            ks.append(k)
    if not ks:
        return None
    keep = tuple(b or k in ks for k, b in enumerate(info.keep_last))
    new = node.op.with_info(keep_last=keep)(*node.inputs)
    new = new if isinstance(new, list) else [new]
    res = {}
    for k, out in enumerate(node.outputs):
        if k in ks:
            res.update({c.outputs[0]: new[k] for c, _ in fgraph.clients[out]})
        else:
            res[out] = new[k]
    return res


@register("canonicalize", tags=("scan",))
@node_rewriter(Scan)
def scan_pushout_non_seqs(fgraph, node):
    """for(step using f(W)) -> for(step using W2) with W2 = f(W) computed once before it.
    An Alloc of a constant (the zeros a gradient of slices starts from) stays in the step:
    moved out it would be an opaque input there, and `zeros + g` or an increment of a fresh
    buffer could no longer be simplified when the step is rewritten."""
    if node.op.inner_rewritten:  # buffers of inplace steps must stay per step
        return None
    parts = ScanParts.from_node(node)
    outer = {ph: v for v, ph in parts.non_seqs}
    moved = set()
    for n in _inner_order(parts):
        if n.op.destroy_map or all(isinstance(i, Constant) for i in n.inputs):
            continue
        if isinstance(n.op, Alloc) and isinstance(n.inputs[0], Constant):
            continue  # a filled buffer stays: the step's rewrites must see its value
        if all(i in outer or isinstance(i, Constant) for i in n.inputs):
            new = n.clone_with_new_inputs([outer.get(i, i) for i in n.inputs])
            outer.update(zip(n.outputs, new.outputs))
            moved.update(n.outputs)
    return _replace_moved(parts, node, moved,
                          lambda ph, v: parts.non_seqs.append((outer[v], ph)))


@register("canonicalize", tags=("scan",))
@node_rewriter(Scan)
def scan_seq_shapes_outside(fgraph, node):
    """Shape_i{d}(x[t]) in the step -> a non-sequence Shape_i{d+1}(x) taken before the loop.
    A sequence the step reads only for its shape (the zeros a gradient starts from) is then
    not read at all, and the loop that computed it need not store it."""
    if node.op.inner_rewritten:
        return None
    parts = ScanParts.from_node(node)
    outer_of = {ph: s.outer for s in parts.seqs for _, ph in s.taps}
    mapping, placeholder = {}, {}
    for n in _inner_order(parts):
        if isinstance(n.op, Shape_i) and n.inputs[0] in outer_of:
            key = (outer_of[n.inputs[0]], n.op.i)
            if key not in placeholder:
                v = n.outputs[0]
                placeholder[key] = v.type(v.name)
                parts.non_seqs.append((shape_i(key[0], key[1] + 1), placeholder[key]))
            mapping[n.outputs[0]] = placeholder[key]
    if not mapping:
        return None
    parts.replace_inner(mapping)
    parts.prune()
    return parts.apply(node)


@register(*CANON, tags=("scan",))
@node_rewriter(Scan)
def scan_merge_outputs(fgraph, node):
    """Two per-step outputs of one inner value -> one, read by both outer readers (BPTT
    stores the gate gradients once for the sequence's gradient and once for the hoisted
    weight gradient)."""
    first, res = {}, {}
    for m in ScanParts.from_node(node).nits:
        key = (m.out, m.keep_last)
        if key not in first:
            first[key] = node.outputs[m.source]
        elif fgraph.clients.get(node.outputs[m.source]):
            res[node.outputs[m.source]] = first[key]
    return res or None


@register("canonicalize", tags=("scan",))
@node_rewriter(Scan)
def scan_pushout_seqs(fgraph, node):
    """for(step using x[t]·W) -> for(step using Y[t]) with Y = X·W, one product before the
    loop (with the elementwise ops and dimshuffles of one sequence and invariants it reads)."""
    if node.op.inner_rewritten:
        return None
    parts = ScanParts.from_node(node)
    invariant = {ph: v for v, ph in parts.non_seqs}
    seq = {}  # inner var -> (whole-sequence outer expression, (sequence, offset))
    for s in parts.seqs:
        # only the entries the loop reads: work on later ones is waste, or could fail
        top = max(o for o, _ in s.taps)
        used = s.outer if _exact_length(parts.n_steps, s.outer, top) else \
            s.outer[:parts.n_steps + top]
        for o, ph in s.taps:
            seq[ph] = (used, (s.outer, o))
    moved, producer = set(), {}
    for n in _inner_order(parts):
        if n.op.destroy_map:
            continue
        keys = {seq[i][1] for i in n.inputs if i in seq}
        if len(keys) != 1 or not all(i in seq or i in invariant or isinstance(i, Constant)
                                     for i in n.inputs):
            continue
        outs = _batched(n, {i: seq[i][0] if i in seq else invariant.get(i, i)
                            for i in n.inputs}, seq)
        if outs is None:
            continue
        (key,) = keys
        for o, w in zip(n.outputs, outs):
            seq[o] = (w, key)
            producer[o] = n
            moved.add(o)
    moved = _feeding_products(moved, producer)

    def add(ph, v):
        w, (_, off) = seq[v]
        parts.seqs.append(SeqPart(_fit_seq(w, ph), [(off, ph)]))

    return _replace_moved(parts, node, moved, add)


def _feeding_products(moved: set, producer: dict) -> set:
    """The movable products and the movable work they read. Elementwise work on a sequence
    alone stays in the step: there the fused loop does it on the way, moved out it is one more
    pass over the sequence and one more array."""
    keep: set = set()
    stack = [v for v in moved if isinstance(producer[v].op, Dot)]
    while stack:
        n = producer[stack.pop()]
        if n.outputs[0] not in keep:
            keep.update(n.outputs)
            stack.extend(i for i in n.inputs if i in moved)
    return keep


def _exact_length(n: Variable, x: Variable, top: int) -> bool:
    """Whether n_steps is len(x) - top, so the loop reads all of x (scan's own n_steps)."""
    if top:
        if ew(n, "sub") is not None and scalar_value(n.owner.inputs[1]) == top:
            n = n.owner.inputs[0]
        elif ew(n, "add") is not None and len(n.owner.inputs) == 2 and \
                scalar_value(n.owner.inputs[1]) == -top:
            n = n.owner.inputs[0]
        else:
            return False
    node = n.owner
    return node is not None and isinstance(node.op, Shape_i) and node.op.i == 0 and \
        node.inputs[0] is x


@register("canonicalize", tags=("scan",))
@node_rewriter(Scan)
def scan_hoist_accumulation(fgraph, node):
    """for(A <- A + dot(x[t]^T, q[t])) -> A0 + dot(X^T, Q) after the loop, q stored per step:
    one large product instead of one small product per step (weight gradients of BPTT)."""
    if node.op.inner_rewritten:
        return None
    parts = ScanParts.from_node(node)
    tap_of = {ph: (s, o) for s in parts.seqs for o, ph in s.taps}
    others = [p.out for p in parts.recs + parts.nits]
    for r in parts.recs:
        if not (r.keep_last and r.init_is_state and len(r.taps) == 1):
            continue
        (_, acc), out = r.taps[0], r.out
        term = _added_to(out, acc)
        if term is None or term.owner is None or not isinstance(term.owner.op, Dot):
            continue
        left, right = term.owner.inputs
        steps, flip = _steps_of(left, tap_of, parts.n_steps)
        if steps is None or left.ndim != 2 or right.ndim != 2 or \
                any(acc in ancestors([o]) for o in others if o is not out):
            continue
        if acc in ancestors([right]):
            continue
        parts.recs = [q for q in parts.recs if q is not r]
        parts.nits.append(NitPart(right, False, None))
        parts.prune()
        outs: list = []
        res = parts.apply(node, outs)
        Q = outs[-1]  # the stored q[t], (n, b, out)
        rows = shape_i(Q, 0) * shape_i(Q, 1)
        if flip:  # sum_t x[t]^T q[t] = X^T Q, X the steps' rows stacked (a view, no copy)
            Xt = reshape(steps, [rows, shape_i(steps, 2)]).T
        else:  # sum_t x[t] q[t]: x[t] side by side
            Xt = reshape(steps.dimshuffle(1, 0, 2), [shape_i(steps, 1), rows])
        res[node.outputs[r.source]] = r.init + dot(Xt, reshape(Q, [rows, shape_i(Q, 2)]))
        return res
    return None


def _added_to(out: Variable, acc: Variable) -> Variable | None:
    """x when `out` is acc + x (acc read nowhere else in the sum), else None."""
    node = ew(out, "add")
    if node is None or len(node.inputs) != 2 or acc not in node.inputs:
        return None
    term = node.inputs[1] if node.inputs[0] is acc else node.inputs[0]
    return None if term is acc or acc in ancestors([term]) else term


def _steps_of(v: Variable, tap_of: dict, n: Variable) -> tuple[Variable | None, bool]:
    """(X, flip): X the stack over the loop's steps of the sequence entry x[t] that the step
    value `v` is (flip False) or the transpose of (flip True); (None, False) otherwise. (Order
    does not matter: it is summed over the steps.)"""
    flip = False
    if v.owner is not None and isinstance(v.owner.op, DimShuffle) and \
            v.owner.op.new_order == (1, 0):
        v, flip = v.owner.inputs[0], True
    if v not in tap_of:
        return None, False
    s, o = tap_of[v]
    return (s.outer if o == 0 and _exact_length(n, s.outer, 0) else s.outer[o:o + n]), flip


def _inner_order(parts: ScanParts):
    phs = ([ph for s in parts.seqs for _, ph in s.taps] +
           [ph for r in parts.recs for _, ph in r.taps] + [ph for _, ph in parts.non_seqs])
    return toposort(parts.inner_outputs(), blockers=phs)


def _replace_moved(parts: ScanParts, node, moved: set, add):
    """Give each moved variable still read inside the loop a new inner input (`add(ph, v)`
    records its outer value); rebuild the node."""
    if not moved:
        return None
    readers = [i for n in _inner_order(parts) if not set(n.outputs) & moved for i in n.inputs]
    boundary = [v for v in dict.fromkeys(readers + parts.inner_outputs()) if v in moved]
    if not boundary:
        return None
    mapping = {}
    for v in boundary:
        ph = v.type(v.name)
        add(ph, v)
        mapping[v] = ph
    parts.replace_inner(mapping)
    parts.prune()
    return parts.apply(node)


def _fit_seq(w: Variable, ph: Variable) -> Variable:
    """The whole-sequence expression `w` typed to be read as `ph` (length-1 dims declared)."""
    want = (False,) + ph.broadcastable
    if all(a or not b for a, b in zip(w.broadcastable, want)):
        return w
    return patternbroadcast(w, [a or b for a, b in zip(w.broadcastable, want)])


def _batched(n, args: dict, seq: dict) -> list | None:
    """Node `n` applied to whole sequences at once (time is axis 0), or None if unsupported."""
    op = n.op
    ins = [args[i] for i in n.inputs]
    if isinstance(op, Elemwise):
        out = Elemwise(op.scalar_op)(*ins)
        return out if isinstance(out, list) else [out]
    if isinstance(op, DimShuffle):
        order = [0] + ["x" if d == "x" else d + 1 for d in op.new_order]
        return [ins[0].dimshuffle(*order)]
    if isinstance(op, Dot):
        x, y = n.inputs
        if x in seq and y not in seq and y.ndim <= 2:
            return [_dot_rows(ins[0], x.ndim, ins[1])]
        if y in seq and x not in seq and x.ndim == 2 and y.ndim in (1, 2):
            if y.ndim == 1:  # W·x_t = (x_t·W^T) for all t
                return [dot(ins[1], ins[0].T)]
            Y = ins[1].dimshuffle(0, 2, 1)  # (T, b, in)
            return [_dot_rows(Y, 2, ins[0].T).dimshuffle(0, 2, 1)]
    return None


def _dot_rows(X: Variable, step_ndim: int, W: Variable) -> Variable:
    """dot(x_t, W) for every t of X (time first): one matrix product over all rows."""
    if step_ndim == 1:
        return dot(X, W)
    T, b = shape_i(X, 0), shape_i(X, 1)
    flat = reshape(X, [T * b, shape_i(X, 2)])
    res = dot(flat, W)
    return reshape(res, [T, b] + [shape_i(W, d) for d in range(1, W.ndim)])


@register("specialize", tags=("scan",))
@graph_rewriter
def scan_rewrite_inner(fgraph) -> int:
    """for(step) -> for(rewritten step): the step graph goes through the pipeline. Its inputs
    are protected from inplace ops like a function's inputs, except the oldest state of an
    output kept in a ring of L rows: its row is the one this step's value replaces, so the
    step may compute the new state in it (like a shared variable's update)."""
    from .pipeline import rewrite_graph
    changes = 0
    for node in fgraph.toposort():
        op = node.op
        if not isinstance(op, Scan) or op.inner_rewritten:
            continue
        info = op.info
        upd = [(idx[info.out_taps[j].index(-info.lookback(j))], j)
               for j, idx in enumerate(info.inner_state_indices()) if info.keep_last[j]]
        upd_in, upd_out = [i for i, _ in upd], [j for _, j in upd]
        in_order = [i for i in range(len(op.inner_inputs)) if i not in upd_in] + upd_in
        out_order = [k for k in range(info.n_outs) if k not in upd_out] + upd_out
        inner = FunctionGraph([op.inner_inputs[i] for i in in_order],
                              [op.inner_outputs[k] for k in out_order])
        inner.n_explicit = len(in_order) - len(upd)
        inner.n_outputs = info.n_outs - len(upd)
        inner.update_targets = [op.inner_inputs[i] for i in upd_in]
        rewrite_graph(inner, "fast_run")
        outs = [None] * info.n_outs
        for k, o in zip(out_order, inner.outputs):
            outs[k] = o
        new_op = Scan(op.inner_inputs, outs, info, op.name, op.output_names)
        new_op.inner_rewritten = True
        new = new_op.make_node(*node.inputs)
        new.tag.trace = getattr(node.tag, "trace", [])
        for old, nv in zip(node.outputs, new.outputs):
            if old in fgraph.variables:
                fgraph.replace(old, nv, reason="scan_rewrite_inner")
        changes += 1
    return changes
