"""Inplace: elementwise ops write their result into an input buffer, and ops with an
`inplace` parameter (Gemv, Gemm, Ger, IncSubtensor, ...) switch to their destructive
variant, wherever `destroy.destroy_problem` finds it safe."""
from __future__ import annotations

from ...config import config
from ...ops.elemwise import Elemwise
from .destroy import alias_groups, ancestors_of, destroy_problem, forward_views, root
from .framework import graph_rewriter, register


def _elemwise_pattern(fgraph, node, groups) -> dict:
    """{output: input} for the outputs of an elementwise node that can overwrite an input."""
    pattern, used_roots, anc = {}, set(), None
    for o, out in enumerate(node.outputs):
        for i, v in enumerate(node.inputs):
            if i in pattern.values() or v.type != out.type:
                continue
            r = root(v)
            if r in used_roots:
                continue
            if anc is None:
                anc = ancestors_of(node)
            if destroy_problem(fgraph, node, o, i, groups.get(r, [v]), anc) is None:
                pattern[o] = i
                used_roots.add(r)
                break
    return pattern


def _destructive_variant(op):
    """The same op with inplace=True, when its parameters include `inplace`."""
    props = getattr(op, "__props__", ())
    if "inplace" not in props or op.inplace:
        return None
    new = type(op)(**{p: (True if p == "inplace" else getattr(op, p)) for p in props})
    return new if new.destroy_map else None


@register("inplace", tags=("inplace",))
@graph_rewriter
def insert_inplace(fgraph) -> int:
    """f(x) -> f(x) writing into x's buffer, when nothing else needs that buffer"""
    changes = 0
    groups = alias_groups(fgraph)
    for node in reversed(fgraph.toposort()):
        if node not in fgraph.apply_nodes or node.op.destroy_map:
            continue
        if isinstance(node.op, Elemwise):
            pattern = _elemwise_pattern(fgraph, node, groups)
            if not pattern:
                continue
            new = Elemwise(node.op.scalar_op, pattern).make_node(*node.inputs)
        else:
            op = _destructive_variant(node.op)
            if op is None:
                continue
            ((o, (i,)),) = op.destroy_map.items()
            v = node.inputs[i]
            if destroy_problem(fgraph, node, o, i, groups.get(root(v), [v])) is not None:
                continue
            new = op.make_node(*node.inputs)
        new.tag.trace = getattr(node.tag, "trace", [])
        if config.optimizer_verbose:
            print(f"rewriting: rewrite insert_inplace replaces {node} with {new}")
        for old, nv in zip(node.outputs, new.outputs):
            fgraph.replace(old, nv, reason="insert_inplace")
        changes += 1
        for o, ins in new.op.destroy_map.items():  # the results join the buffers they write
            r = root(new.inputs[ins[0]])
            groups.setdefault(r, []).extend(forward_views(fgraph, new.outputs[o]))
    return changes
