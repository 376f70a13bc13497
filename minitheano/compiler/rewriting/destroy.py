"""Which buffers an op may overwrite: alias analysis over view_map/destroy_map, the safety
rule used by the inplace phase, and the destroy check run after every phase in tests.

A node N may destroy its input v (root r: the buffer v views) when
- r is not a constant, not an input the user passed, and not a shared value unless N's
  result becomes that shared variable's update;
- no alias of r (a variable viewing the same buffer) is an output of the function;
- every other node reading an alias of r is an ancestor of N, so any execution order runs
  it before N (no ordering constraints beyond data dependencies are needed);
- N reads no other alias of r (an elementwise op may read v itself twice).
"""
from __future__ import annotations

from ...graphlib import Apply, Constant, FunctionGraph, Variable
from ...ops.elemwise import Elemwise


def source(v: Variable) -> Variable | None:
    """The input variable whose buffer `v` views or overwrites, or None (v owns its buffer)."""
    node = v.owner
    if node is None:
        return None
    op = node.op
    src = op.view_map.get(v.index) or op.destroy_map.get(v.index)
    return node.inputs[src[0]] if src else None


def root(v: Variable) -> Variable:
    """The variable owning the buffer that `v` views (v itself when it owns one)."""
    while True:
        s = source(v)
        if s is None:
            return v
        v = s


def alias_groups(fgraph: FunctionGraph) -> dict[Variable, list[Variable]]:
    """root -> the variables of the graph sharing its buffer (the root included)."""
    groups: dict[Variable, list[Variable]] = {}
    for v in fgraph.variables:
        groups.setdefault(root(v), []).append(v)
    return groups


def ancestors_of(node: Apply) -> set:
    """The nodes whose results `node` needs, directly or not."""
    seen, stack = set(), [i.owner for i in node.inputs if i.owner is not None]
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        stack.extend(i.owner for i in n.inputs if i.owner is not None)
    return seen


def _update_of(fgraph: FunctionGraph, shared: Variable) -> Variable | None:
    targets = getattr(fgraph, "update_targets", [])
    n_out = getattr(fgraph, "n_outputs", len(fgraph.outputs) - len(targets))
    for k, t in enumerate(targets):
        if t is shared:
            return fgraph.outputs[n_out + k]
    return None


def _views_back_to(v: Variable, target: Variable) -> bool:
    """Whether v is `target` or a view of it (following view/destroy maps)."""
    while v is not None:
        if v is target:
            return True
        v = source(v)
    return False


def destroy_problem(fgraph: FunctionGraph, node: Apply, out: int, i: int,
                    aliases: list[Variable], anc: set | None = None) -> str | None:
    """Why `node` may not overwrite its input i with output `out` (None: it may).

    `aliases` are the variables sharing the buffer of input i from before `node`'s write.
    """
    v = node.inputs[i]
    r = root(v)
    if isinstance(r, Constant):
        return f"{v} is a constant"
    if r in fgraph.inputs:
        k = fgraph.inputs.index(r)
        if k < getattr(fgraph, "n_explicit", len(fgraph.inputs)):
            return f"{v} is (a view of) the input {r} the user passed"
        upd = _update_of(fgraph, r)
        if upd is None or not _views_back_to(upd, node.outputs[out]):
            return f"{v} is (a view of) shared {r}, whose update is not this result"
    outputs = set(fgraph.outputs)
    for a in aliases:
        if a in outputs:
            return f"{a}, a view of the same buffer, is an output of the function"
    for j, w in enumerate(node.inputs):
        if j != i and w in aliases and not (w is v and isinstance(node.op, Elemwise)):
            return f"{node} also reads {w}, a view of the same buffer"
    readers = {c for a in aliases for c, _ in fgraph.clients.get(a, ()) if c is not node}
    if readers:
        anc = ancestors_of(node) if anc is None else anc
        late = [c for c in readers if c not in anc]
        if late:
            return f"{late[0]} reads {v}'s buffer and need not run before {node}"
    return None


def forward_views(fgraph: FunctionGraph, v: Variable) -> set:
    """v and the variables that view or overwrite it, transitively."""
    seen, stack = set(), [v]
    while stack:
        w = stack.pop()
        if w in seen:
            continue
        seen.add(w)
        for c, j in fgraph.clients.get(w, ()):
            if c == "output":
                continue
            for o in c.outputs:
                if source(o) is w:
                    stack.append(o)
    return seen


def destroy_problems(fgraph: FunctionGraph) -> list[str]:
    """Every overwrite in the graph that breaks the rule above (empty when all are safe)."""
    groups = alias_groups(fgraph)
    problems = []
    roots_written: dict = {}
    for node in fgraph.toposort():
        for out, ins in node.op.destroy_map.items():
            i = ins[0]
            r = root(node.inputs[i])
            after = forward_views(fgraph, node.outputs[out])
            before = [a for a in groups.get(r, []) if a not in after]
            why = destroy_problem(fgraph, node, out, i, before)
            if why:
                problems.append(f"{node} overwrites input {i}: {why}")
            if (node, r) in roots_written:
                problems.append(f"{node} overwrites {r}'s buffer twice")
            roots_written[(node, r)] = True
    return problems
