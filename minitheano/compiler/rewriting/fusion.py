"""Elementwise fusion: maximal groups of elementwise nodes become one
`Elemwise(Composite(...))`, a single loop over the output with scalar temporaries.

Broadcasting DimShuffles between elementwise nodes are first lifted towards the inputs
(an elementwise op commutes with any DimShuffle), so groups grow through them. A member
whose value is also read outside the group becomes an extra output of the fused node when
it has the group's shape and no outside path leads back into the group.
"""
from __future__ import annotations

from ...config import config
from ...ops import scalar as S
from ...ops.elemwise import DimShuffle, Elemwise
from .framework import graph_rewriter, node_rewriter, register
from .helpers import only_client


def _fusable(node) -> bool:
    op = node.op
    return isinstance(op, Elemwise) and not op.inplace_pattern


@register("fusion", tags=("fusion",))
@node_rewriter(DimShuffle)
def local_dimshuffle_lift(fgraph, node):
    """DimShuffle(f(a, b)) -> f(DimShuffle(a), DimShuffle(b)) for an elementwise f read only
    by this DimShuffle"""
    x = node.inputs[0]
    inner = x.owner
    if inner is None or not _fusable(inner) or len(inner.outputs) != 1 or \
            not only_client(fgraph, x, node):
        return None
    order = node.op.new_order
    ins = [DimShuffle(i.broadcastable, order)(i) for i in inner.inputs]
    return [Elemwise(inner.op.scalar_op)(*ins)]


def _reaches(fgraph, start, group: set, limit_pos: int, pos: dict) -> bool:
    """Whether a path leads from node `start` to a node of `group` (nodes past `limit_pos`
    in the topological order cannot)."""
    stack, seen = [start], set()
    while stack:
        n = stack.pop()
        if n in group:
            return True
        if n in seen or n == "output" or pos.get(n, limit_pos + 1) > limit_pos:
            continue
        seen.add(n)
        for o in n.outputs:
            stack.extend(c for c, _ in fgraph.clients.get(o, ()))
    return False


def _grow(fgraph, root, pos: dict, taken: set) -> list:
    """The members of root's fusion group, in topological order."""
    group = {root}
    bc = root.outputs[0].broadcastable
    frontier = list(root.inputs)
    while frontier:
        p = frontier.pop().owner
        if p is None or p in group or p in taken or not _fusable(p) or \
                p.outputs[0].ndim != len(bc):
            continue
        outside = [c for o in p.outputs for c, _ in fgraph.clients.get(o, ()) if c not in group]
        if outside:
            if any(o.broadcastable != bc for o in p.outputs):
                continue
            top = max(pos[n] for n in group)
            if any(c != "output" and _reaches(fgraph, c, group, top, pos) for c in outside):
                continue
        group.add(p)
        frontier.extend(p.inputs)
    return sorted(group, key=pos.__getitem__)


# Composite names spell each output as a tree, which grows exponentially with shared
# subexpressions (y * tanh(y), repeated): groups whose formula would exceed this are trimmed.
MAX_FORMULA = 20000


def _formula_size(members: list) -> int:
    """The length of the longest output formula of the fused group (an estimate)."""
    size: dict = {}
    for n in members:
        ins = [size.get(i, 3) for i in n.inputs]
        sop = n.op.scalar_op
        steps = sop.graph if isinstance(sop, S.Composite) else [(sop, range(len(ins)), None)]
        local = list(ins)
        for op, idx, _ in steps:
            local.append(len(op.name) + 2 + sum(local[j] + 2 for j in idx))
        outs = [local[k] for k in sop.outputs] if isinstance(sop, S.Composite) else local[-1:]
        size.update(zip(n.outputs, outs))
    return max(size.values())


def _trim(members: list) -> list:
    """Drop the most upstream members until the formula is small enough (what remains is
    still a valid group: nothing in it reads the dropped node's result through a member)."""
    while len(members) > 1 and _formula_size(members) > MAX_FORMULA:
        members = members[1:]
    return members


def _composite(fgraph, members: list):
    """(inputs, Composite, replaced variables) for the group `members` (topological order)."""
    inside = {o for n in members for o in n.outputs}
    inputs, index, graph = [], {}, []
    for n in members:
        for i in n.inputs:
            if i not in inside and i not in index:
                index[i] = len(inputs)
                inputs.append(i)
    nin = len(inputs)
    for n in members:
        args = [index[i] for i in n.inputs]
        sop = n.op.scalar_op
        if isinstance(sop, S.Composite):  # inline an earlier fused graph
            local = list(args)
            for op, idx, dt in sop.graph:
                graph.append((op, tuple(local[j] for j in idx), dt))
                local.append(nin + len(graph) - 1)
            for o, k in zip(n.outputs, sop.outputs):
                index[o] = local[k]
        else:
            graph.append((sop, tuple(args), n.outputs[0].dtype))
            index[n.outputs[0]] = nin + len(graph) - 1
    group = set(members)
    exposed = [o for n in members for o in n.outputs
               if any(c == "output" or c not in group for c, _ in fgraph.clients.get(o, ()))]
    comp = S.Composite(nin, tuple(i.dtype for i in inputs), tuple(graph),
                       tuple(index[o] for o in exposed))
    return inputs, comp, exposed


@register("fusion", tags=("fusion",))
@graph_rewriter
def fuse_elemwise(fgraph) -> int:
    """f(g(x), h(y)) (elementwise) -> Composite{f(g(i0), h(i1))}(x, y)"""
    taken: set = set()
    changes = 0
    restart = True
    while restart:
        restart = False
        order = fgraph.toposort()
        pos = {n: k for k, n in enumerate(order)}
        for root in reversed(order):
            if root in taken or not _fusable(root):
                continue
            members = _trim(_grow(fgraph, root, pos, taken))
            taken.update(members)
            if len(members) < 2:
                continue
            inputs, comp, exposed = _composite(fgraph, members)
            new = Elemwise(comp).make_node(*inputs)
            new.tag.trace = getattr(root.tag, "trace", [])  # errors point at the user's line
            if config.optimizer_verbose:
                print(f"rewriting: rewrite fuse_elemwise fuses {len(members)} nodes into {comp}")
            for old, nv in zip(exposed, new.outputs):
                fgraph.replace(old, nv, reason="fuse_elemwise")
            changes += 1  # the fused node stays open: a later group may absorb it
            restart = True
            break
    return changes
