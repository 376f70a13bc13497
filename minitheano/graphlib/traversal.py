"""Graph traversal: ancestors, graph inputs, topological order of Apply nodes."""
from __future__ import annotations

from typing import Iterable, Sequence

from .basic import Apply, Variable


def ancestors(outputs: Iterable[Variable], blockers: Iterable[Variable] = ()) -> list[Variable]:
    """All variables that `outputs` depend on (including themselves), stopping at blockers."""
    blocked = set(blockers)
    seen: set[int] = set()
    result: list[Variable] = []
    stack = list(outputs)[::-1]
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        result.append(v)
        if v.owner is not None and v not in blocked:
            stack.extend(reversed(v.owner.inputs))
    return result


def graph_inputs(outputs: Iterable[Variable], blockers: Iterable[Variable] = ()) -> list[Variable]:
    """The root variables (no owner, or blocked) that `outputs` depend on."""
    blocked = set(blockers)
    return [v for v in ancestors(outputs, blocked) if v.owner is None or v in blocked]


def toposort(outputs: Sequence[Variable], blockers: Iterable[Variable] = ()) -> list[Apply]:
    """Apply nodes needed for `outputs`, each after the nodes computing its inputs."""
    blocked = set(blockers)
    order: list[Apply] = []
    done: set[int] = set()
    for out in outputs:
        stack = [(out, False)]
        while stack:
            v, expanded = stack.pop()
            node = v.owner
            if node is None or v in blocked or id(node) in done:
                continue
            if expanded:
                done.add(id(node))
                order.append(node)
                continue
            stack.append((v, True))
            for inp in reversed(node.inputs):
                if inp.owner is not None and id(inp.owner) not in done:
                    stack.append((inp, False))
    return order


def io_toposort(inputs: Sequence[Variable], outputs: Sequence[Variable]) -> list[Apply]:
    """Topological order of the nodes between `inputs` and `outputs`."""
    return toposort(outputs, blockers=inputs)
