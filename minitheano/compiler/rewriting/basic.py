"""Merge (common subexpressions and equal constants) and constant folding."""
from __future__ import annotations

import numpy as np

from ...graphlib import Constant, FunctionGraph
from ...ops.alloc import Alloc
from ...ops.rewrite_ops import AllocEmpty
from ...ops.type import TensorConstant
from .framework import graph_rewriter, node_rewriter, register

# Alloc results stay computed so inplace ops may overwrite them (a folded Alloc would be a
# read-only constant); the largest folded result keeps constants small.
NO_FOLD = (Alloc, AllocEmpty)
MAX_FOLD_SIZE = 1 << 16


@register("merge", "canonicalize", "stabilize", "specialize", "fusion", tags=("fast_compile",))
@graph_rewriter
def merge(fgraph: FunctionGraph) -> int:
    """Equal constants -> one constant; nodes of equal ops on the same inputs -> one node."""
    changes = 0
    seen_const: dict = {}
    for v in list(fgraph.variables):
        if isinstance(v, Constant) and v in fgraph.variables and fgraph.clients.get(v):
            key = v.signature()
            first = seen_const.setdefault(key, v)
            if first is not v:
                fgraph.replace(v, first, reason="merge")
                changes += 1
    seen: dict = {}
    for node in fgraph.toposort():
        if node not in fgraph.apply_nodes or node.op.destroy_map:
            continue
        key = (node.op, tuple(node.inputs))
        first = seen.setdefault(key, node)
        if first is node or first not in fgraph.apply_nodes:
            seen[key] = node
            continue
        for old, new in zip(node.outputs, first.outputs):
            if old in fgraph.variables:
                fgraph.replace(old, new, reason="merge")
        changes += 1
    return changes


@register("canonicalize", "stabilize", "specialize", "fusion", tags=("fast_compile",))
@node_rewriter()
def constant_folding(fgraph, node):
    """op(c1, c2, ...) -> the constant it computes (all inputs constant)."""
    if not node.inputs or not all(isinstance(i, Constant) for i in node.inputs):
        return None
    if isinstance(node.op, NO_FOLD) or node.op.destroy_map:
        return None
    cells = [[None] for _ in node.outputs]
    try:
        node.op.perform(node, [np.array(i.data) for i in node.inputs], cells)
    except Exception:  # noqa: BLE001 - an error is left for run time, where it names the node
        return None
    out = []
    for o, (val,) in zip(node.outputs, cells):
        val = np.asarray(val)
        if val.size > MAX_FOLD_SIZE:
            return None
        val = np.array(val, dtype=o.dtype, copy=True)
        val.setflags(write=False)
        out.append(TensorConstant(o.type, val))
    return out
