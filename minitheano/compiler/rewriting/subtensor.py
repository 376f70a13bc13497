"""Rewrites of increments into parts of an array (IncSubtensor family)."""
from __future__ import annotations

from ...ops.alloc import Alloc
from ...ops.elemwise import Elemwise, add
from ...ops.inc_subtensor import AdvancedIncSubtensor, AdvancedIncSubtensor1, IncSubtensor
from .framework import node_rewriter, register
from .helpers import only_client, scalar_value

CANON = ("canonicalize", "stabilize", "specialize")
INCREMENTS = (IncSubtensor, AdvancedIncSubtensor1, AdvancedIncSubtensor)


@register(*CANON, tags=("subtensor",))
@node_rewriter(Elemwise)
def local_inc_subtensor_serialize(fgraph, node):
    """add(x, inc(z1, a, i), inc(z2, b, j)) -> inc(inc(add(x, z1, z2), a, i), b, j); bases
    that are allocs of 0 drop out of the sum. The gradient of a concatenation or of gate
    slices is a sum of increments of zeros: one buffer incremented in turn, not one copy and
    one array per part and a sum of them."""
    if node.op.scalar_op.name != "add" or node.op.inplace_pattern:
        return None
    out = node.outputs[0]
    incs, rest = [], []
    for v in node.inputs:
        inc = v.owner
        if inc is not None and isinstance(inc.op, INCREMENTS) and not inc.op.set_instead_of_inc \
                and not inc.op.inplace and v.type == out.type and only_client(fgraph, v, node):
            incs.append(inc)
        else:
            rest.append(v)
    if len(incs) < 2:
        return None
    bases = [i.inputs[0] for i in incs]
    keep = [b for b in bases if not _is_zeros(b)]
    terms = rest + keep
    if not terms:
        terms = bases[:1]
    res = terms[0] if len(terms) == 1 else add(*terms)
    if res.type != out.type:
        return None
    for inc in incs:
        res = inc.op(res, *inc.inputs[1:])
    return [res] if res.type == out.type else None


def _is_zeros(v) -> bool:
    return v.owner is not None and isinstance(v.owner.op, Alloc) and \
        scalar_value(v.owner.inputs[0]) == 0
