"""FunctionGraph: a mutable view of a graph with client lists; rewrites change it via `replace`."""
from __future__ import annotations

from typing import Callable, Sequence

from .basic import Apply, Constant, Variable
from .replace import clone_get_equiv
from .traversal import toposort


class InconsistencyError(Exception):
    """A graph change would break an invariant (type, cycle, destroyed value read later)."""


class FunctionGraph:
    """Inputs, outputs, the Apply nodes between them and each variable's clients.

    `clients[v]` lists `(node, i)` pairs (node reads v as its i-th input), or `("output", i)`
    when v is the i-th output.
    """

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable], clone: bool = True):
        if clone:
            equiv = clone_get_equiv(inputs, outputs, copy_inputs=False, share_unchanged=False)
            outputs = [equiv[o] for o in outputs]
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.apply_nodes: set[Apply] = set()
        self.variables: set[Variable] = set()
        self.clients: dict[Variable, list] = {}
        self.listeners: list[Callable] = []
        for v in self.inputs:
            self.clients.setdefault(v, [])
            self.variables.add(v)
        for node in toposort(self.outputs, blockers=self.inputs):
            self._add_node(node)
        for i, o in enumerate(self.outputs):
            self.clients.setdefault(o, []).append(("output", i))
            self.variables.add(o)

    # -- bookkeeping -------------------------------------------------------------------------
    def _import_node(self, node: Apply) -> None:
        """Add `node` and the nodes it needs that are not in the graph yet, inputs first
        (iteratively: a replacement may bring in a chain thousands of nodes deep)."""
        inputs = set(self.inputs)
        done: set[Apply] = set()
        stack = [(node, False)]
        while stack:
            n, expanded = stack.pop()
            if n in self.apply_nodes or n in done:
                continue
            if expanded:
                done.add(n)
                self._add_node(n)
                continue
            stack.append((n, True))
            for inp in reversed(n.inputs):
                if inp.owner is not None and inp not in inputs:
                    stack.append((inp.owner, False))

    def _add_node(self, node: Apply) -> None:
        self.apply_nodes.add(node)
        for i, inp in enumerate(node.inputs):
            self.clients.setdefault(inp, []).append((node, i))
            self.variables.add(inp)
        for o in node.outputs:
            self.clients.setdefault(o, [])
            self.variables.add(o)

    def _prune(self, var: Variable) -> None:
        """Drop var's owner, and in turn the owners of its inputs, once nothing reads them."""
        stack = [var]
        while stack:
            v = stack.pop()
            node = v.owner
            if node is None or node not in self.apply_nodes or v in self.inputs:
                continue
            if any(self.clients.get(o) for o in node.outputs):
                continue
            self.apply_nodes.discard(node)
            for o in node.outputs:
                self.clients.pop(o, None)
                self.variables.discard(o)
            for i, inp in enumerate(node.inputs):
                cl = self.clients.get(inp, [])
                if (node, i) in cl:
                    cl.remove((node, i))
                if cl:
                    continue
                if inp.owner is not None:
                    stack.append(inp)
                elif inp not in self.inputs:  # a constant nobody reads any more
                    self.clients.pop(inp, None)
                    self.variables.discard(inp)

    # -- changes -----------------------------------------------------------------------------
    def change_input(self, node, i: int, new: Variable, reason: str = "") -> None:
        """Make `node` read `new` as its i-th input (node may be "output")."""
        if node == "output":
            old = self.outputs[i]
            self.outputs[i] = new
        else:
            old = node.inputs[i]
            node.inputs[i] = new
        if old is new:
            return
        if new.owner is not None:
            self._import_node(new.owner)
        self.clients.setdefault(new, []).append((node, i))
        self.variables.add(new)
        self.clients[old].remove((node, i))
        for listener in self.listeners:
            listener(self, node, i, old, new, reason)
        if not self.clients[old]:
            self._prune(old)

    def replace(self, var: Variable, new: Variable, reason: str = "") -> None:
        """Replace every use of `var` by `new` (same type required)."""
        if var.type != new.type:
            conv = getattr(var.type, "convert_variable", None)
            new2 = conv(new) if conv else None
            if new2 is None or new2.type != var.type:
                raise InconsistencyError(f"replace {var} ({var.type}) by {new} ({new.type}): "
                                         f"types differ ({reason})")
            new = new2
        if var is new:
            return
        if self._is_ancestor(var, new):
            raise InconsistencyError(f"replacing {var} by {new} would create a cycle")
        for node, i in list(self.clients.get(var, [])):
            self.change_input(node, i, new, reason)

    def replace_all(self, pairs, reason: str = "") -> None:
        for var, new in pairs:
            self.replace(var, new, reason)

    @staticmethod
    def _is_ancestor(var: Variable, new: Variable) -> bool:
        """Whether `var` is above `new` (also through nodes not yet in the graph). The walk
        stops at var's ancestors up to three levels up: var cannot be above them."""
        above, level = set(), [var]
        for _ in range(3):
            level = [i for v in level if v.owner is not None for i in v.owner.inputs]
            above.update(level)
        seen, stack = set(), [new]
        while stack:
            v = stack.pop()
            if v is var:
                return True
            if v in seen or v in above or v.owner is None:
                continue
            seen.add(v)
            stack.extend(v.owner.inputs)
        return False

    def _descendants_set(self, var: Variable) -> set:
        seen, stack = set(), [var]
        while stack:
            v = stack.pop()
            for node, _ in self.clients.get(v, []):
                if node == "output":
                    continue
                for o in node.outputs:
                    if o not in seen:
                        seen.add(o)
                        stack.append(o)
        return seen

    # -- views -------------------------------------------------------------------------------
    def toposort(self) -> list[Apply]:
        """The nodes in an execution order (inputs before their clients)."""
        return toposort(self.outputs, blockers=self.inputs)

    def check(self) -> None:
        """Verify the invariants: clients consistent, no cycle, node outputs re-inferable."""
        order = self.toposort()
        if set(order) != self.apply_nodes:
            raise InconsistencyError("apply_nodes differ from the nodes reachable from outputs")
        inputs = set(self.inputs)
        for node in order:
            for i, inp in enumerate(node.inputs):
                if (node, i) not in self.clients.get(inp, []):
                    raise InconsistencyError(f"missing client entry for {node} input {i}")
                if inp.owner is None and inp not in inputs and not isinstance(inp, Constant):
                    raise InconsistencyError(f"{node} reads {inp}, which is neither an input "
                                             f"of the graph nor a constant")
            try:
                redo = node.op.make_node(*node.inputs)
            except Exception as e:  # noqa: BLE001
                raise InconsistencyError(f"{node}: make_node fails on its own inputs: {e}") from e
            for a, b in zip(node.outputs, redo.outputs):
                if a.type != b.type:
                    raise InconsistencyError(f"{node}: output type {a.type} but re-inferred {b.type}")
        for i, o in enumerate(self.outputs):
            if ("output", i) not in self.clients.get(o, []):
                raise InconsistencyError(f"output {i} client entry missing")

    def __str__(self) -> str:
        return f"FunctionGraph({', '.join(str(o) for o in self.outputs)})"
