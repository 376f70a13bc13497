"""Copying graphs: clone a graph, optionally substituting variables (`replace`)."""
from __future__ import annotations

from typing import Mapping, Sequence

from .basic import Variable
from .traversal import toposort


def clone_get_equiv(inputs: Sequence[Variable], outputs: Sequence[Variable],
                    replace: Mapping[Variable, Variable] | None = None,
                    copy_inputs: bool = False, share_unchanged: bool = True
                    ) -> dict[Variable, Variable]:
    """Map every variable between `inputs` and `outputs` to its copy.

    Variables in `replace` map to their replacement (which is not itself cloned); root
    variables map to themselves unless `copy_inputs`. Nodes whose inputs are all unchanged
    are reused unless `share_unchanged` is False.
    """
    equiv: dict[Variable, Variable] = dict(replace or {})
    for v in inputs:
        if v not in equiv:
            equiv[v] = v.clone() if copy_inputs else v
    for node in toposort(outputs, blockers=list(equiv)):
        for v in node.inputs:
            if v not in equiv:
                equiv[v] = v.clone() if (copy_inputs and v.owner is None) else v
        new_inputs = [equiv[v] for v in node.inputs]
        if share_unchanged and all(a is b for a, b in zip(new_inputs, node.inputs)):
            for o in node.outputs:
                equiv.setdefault(o, o)
            continue
        new_node = node.clone_with_new_inputs(new_inputs)
        for o_old, o_new in zip(node.outputs, new_node.outputs):
            equiv[o_old] = o_new
    for v in outputs:
        equiv.setdefault(v, v)
    return equiv


def clone_replace(outputs, replace: Mapping[Variable, Variable] | None = None):
    """Outputs rebuilt with each key of `replace` substituted by its value.

    Nodes that do not depend on a replaced variable are shared, not copied. Replacements are
    simultaneous (a replacement expression is not itself rewritten).
    """
    single = isinstance(outputs, Variable)
    outs = [outputs] if single else list(outputs)
    replace = dict(replace or {})
    fixed = {}
    for k, v in replace.items():
        if hasattr(k.type, "convert_variable"):
            v2 = k.type.convert_variable(v)
            if v2 is None:
                raise TypeError(f"replace: cannot substitute {k} of type {k.type} by {v} of "
                                f"type {v.type}")
            v = v2
        fixed[k] = v
    equiv = clone_get_equiv([], outs, fixed)
    res = [equiv[o] for o in outs]
    return res[0] if single else res
