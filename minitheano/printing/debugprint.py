"""`debugprint`: the `|`-indented text tree of a graph or a compiled function, as in Theano.

Each line is `op [id A] 'name' position` for a computed variable and `name [id B]` for a leaf.
Ids are short letters given in order of first appearance, so the output is deterministic.
"""
from __future__ import annotations

import io
import sys
from typing import Any, TextIO

from ..graphlib import Apply, Constant, Variable

ID_STYLES = ("CHAR", "int", "")


def char_from_number(number: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'BA' (Theano's base-26 short ids)."""
    out = ""
    while True:
        number, rem = divmod(number, 26)
        out = chr(ord("A") + rem) + out
        if number == 0:
            return out


def inner_graph(op: Any) -> tuple[list, list] | list[str] | None:
    """An op's inner graph: `(inner_inputs, inner_outputs)` (Scan-like ops), a list of formula
    strings (an Elemwise of a Composite scalar graph), or None when the op has none."""
    for holder in (op, getattr(op, "scalar_op", None)):
        if holder is not None and hasattr(holder, "inner_outputs"):
            return list(getattr(holder, "inner_inputs", [])), list(holder.inner_outputs)
    formula = getattr(getattr(op, "scalar_op", None), "formula", None)
    if callable(formula):
        return list(formula())
    return None


class _Printer:
    """Writes tree lines for one debugprint call; `done` maps Apply/leaf -> id string."""

    def __init__(self, out: TextIO, ids: str, done: dict, print_type: bool, order: list,
                 stop_on_name: bool, print_destroy_map: bool, print_view_map: bool):
        self.out, self.ids, self.done = out, ids, done
        self.print_type, self.stop_on_name = print_type, stop_on_name
        self.print_destroy_map, self.print_view_map = print_destroy_map, print_view_map
        self.position = {node: k for k, node in enumerate(order)}
        self.inner: list[Apply] = []  # nodes whose inner graph is listed at the end

    def id_str(self, obj: Any) -> str:
        if obj not in self.done:
            n = len(self.done)
            self.done[obj] = {"CHAR": f"[id {char_from_number(n)}]", "int": f"[id {n}]",
                              "": ""}[self.ids]
        return self.done[obj]

    def type_str(self, var: Variable) -> str:
        return f" <{var.type}>" if self.print_type else ""

    def node_line(self, var: Variable, with_position: bool = True) -> str:
        """`op[.index] [id X] <type> 'name' position` for a computed variable."""
        node = var.owner
        idx = f".{var.index}" if len(node.outputs) > 1 else ""
        words = [f"{node.op}{idx}", self.id_str(node)]
        line = " ".join(w for w in words if w) + self.type_str(var) + f" '{var.name or ''}'"
        if self.print_destroy_map and node.op.destroy_map:
            line += f" d={dict(node.op.destroy_map)}"
        if self.print_view_map and node.op.view_map:
            line += f" v={dict(node.op.view_map)}"
        if with_position and node in self.position:
            line += f" {self.position[node]}"
        return line

    def leaf_line(self, var: Variable) -> str:
        return " ".join(w for w in (str(var), self.id_str(var)) if w) + self.type_str(var)

    def tree(self, var: Variable, prefix: str = "", child_prefix: str = "",
             depth: int = -1, first: str | None = None) -> None:
        """Print `var` and, unless already printed or `depth` runs out, its inputs below it.

        `first` replaces the start of the top line (used for "W [id C] <- ..." updates)."""
        if depth == 0:
            return
        lead = prefix if first is None else first
        node = var.owner
        if node is None:
            self.out.write(lead + self.leaf_line(var) + "\n")
            return
        already = node in self.done
        self.out.write(lead + self.node_line(var) + "\n")
        if already:
            return
        if inner_graph(node.op) is not None:
            self.inner.append(node)
        if self.stop_on_name and var.name is not None:
            return
        last = len(node.inputs) - 1
        for i, inp in enumerate(node.inputs):
            # the subtree of the last input hangs under blank space, the others under a bar
            below = child_prefix + ("  " if i == last else " |")
            self.tree(inp, child_prefix + " |", below, depth - 1)

    def inner_graphs(self) -> None:
        """The "Inner graphs:" section: each listed node's formula or inner output trees."""
        if not self.inner:
            return
        self.out.write("\nInner graphs:\n")
        k = 0
        while k < len(self.inner):  # inner graphs may list further nodes while printed
            node = self.inner[k]
            k += 1
            self.out.write("\n" + self.node_line(node.outputs[0], with_position=False) + "\n")
            graph = inner_graph(node.op)
            if isinstance(graph, list):
                for j, formula in enumerate(graph):
                    label = f"o{j} = " if len(graph) > 1 else ""
                    self.out.write(f" >{label}{formula}\n")
                continue
            saved, self.position = self.position, {}
            for out in graph[1]:
                self.tree(out, " >", " >")
            self.position = saved


def _targets(obj: Any) -> tuple[list[Variable], list[Apply], list, Any]:
    """(outputs to print, execution order, update targets, fgraph) for any printable object."""
    from ..compiler.function import Function
    from ..graphlib import FunctionGraph
    if isinstance(obj, Function):
        obj = obj.fgraph
    if isinstance(obj, FunctionGraph):
        n = getattr(obj, "n_outputs", len(obj.outputs))
        return list(obj.outputs[:n]), obj.toposort(), _updates(obj), obj
    if isinstance(obj, Apply):
        return list(obj.outputs), [], [], None
    if isinstance(obj, Variable):
        return [obj], [], [], None
    if isinstance(obj, (list, tuple)):
        outs = []
        for k, o in enumerate(obj):
            sub = _targets(o)
            if sub[1]:
                raise TypeError(f"debugprint: item {k} of the list is a compiled function; "
                                f"print functions one at a time")
            outs.extend(sub[0])
        return outs, [], [], None
    raise TypeError(f"debugprint: expected a Variable, an Apply, a list of variables or a "
                    f"compiled function, got {type(obj).__name__}")


def _updates(fgraph) -> list[tuple[Variable, Variable]]:
    """(shared variable, update value) pairs of a compiled function's graph."""
    targets = getattr(fgraph, "update_targets", [])
    n = getattr(fgraph, "n_outputs", len(fgraph.outputs))
    return list(zip(targets, fgraph.outputs[n:]))


def debugprint(obj: Any, file: TextIO | str | None = None, print_type: bool = False,
               ids: str = "CHAR", depth: int = -1, done: dict | None = None,
               stop_on_name: bool = False, print_destroy_map: bool = False,
               print_view_map: bool = False) -> str | TextIO | None:
    """Print the graph of `obj` (a variable, list of variables, Apply or compiled Function) as
    an indented tree; `file="str"` returns the text, a file object receives it, None prints.

    For a function, lines carry each node's position in the execution order and the update
    of each shared variable follows the outputs (`W [id C] <- ...`)."""
    if ids not in ID_STYLES:
        raise ValueError(f"debugprint: ids must be one of {ID_STYLES}, got {ids!r}")
    if not isinstance(depth, int):
        raise TypeError(f"debugprint: depth must be an int (-1 for unlimited), got {depth!r}")
    outputs, order, updates, _ = _targets(obj)
    buf = io.StringIO()
    p = _Printer(buf, ids, {} if done is None else done, print_type, order, stop_on_name,
                 print_destroy_map, print_view_map)
    for out in outputs:
        p.tree(out, depth=depth)
    if updates:
        buf.write("\nUpdates:\n")
        for target, value in updates:
            p.tree(value, depth=depth, first=f"{p.leaf_line(target)} <- ")
    p.inner_graphs()
    text = buf.getvalue()
    if file == "str":
        return text
    if file is None:
        sys.stdout.write(text)
        return None
    file.write(text)
    return file
