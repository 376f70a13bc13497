"""`pydotprint`: draw a graph or a compiled function with graphviz (Theano's picture).

Apply nodes are boxes coloured by kind (BLAS blue, elementwise green, inplace with a red
border); variables are ellipses (inputs green, shared variables gold cylinders, outputs blue,
constants grey). Edges into a destroyed input are red, into a view dashed; a dashed "update"
edge leads from each update value to the shared variable it overwrites.
"""
from __future__ import annotations

import os
from typing import Any

from ..graphlib import Apply, Constant, Variable
from .debugprint import _targets

INSTALL_HINT = ("pydotprint needs the graphviz 'dot' program, which was not found on PATH; "
                "install it with `apt-get install graphviz` (Debian/Ubuntu), `brew install "
                "graphviz` (macOS) or `conda install graphviz`")

BLAS_OPS = ("dot", "Dot", "Gemv", "Gemm", "Ger", "Dot22")
STYLE = {  # node attributes by role
    "input": dict(shape="ellipse", style="filled", fillcolor="palegreen"),
    "shared": dict(shape="cylinder", style="filled", fillcolor="gold"),
    "output": dict(shape="ellipse", style="filled", fillcolor="lightskyblue"),
    "constant": dict(shape="ellipse", style="filled", fillcolor="lightgrey"),
    "variable": dict(shape="ellipse"),
}


def _apply_attrs(node: Apply) -> dict:
    """Box attributes of an Apply node: fill colour by kind, red border when inplace."""
    op = node.op
    kind = type(op).__name__
    attrs = dict(shape="box", style="filled", fillcolor="white")
    if kind in BLAS_OPS or any(str(op).startswith(b) for b in BLAS_OPS):
        attrs["fillcolor"] = "#A0C4FF"  # blue-ish: matrix products
    elif hasattr(op, "scalar_op"):
        attrs["fillcolor"] = "#B9F6CA"  # green: elementwise
    elif getattr(op, "inner_outputs", None) is not None:
        attrs["fillcolor"] = "#FFF59D"  # yellow: ops with an inner graph (Scan)
    if op.destroy_map:
        attrs.update(color="red", penwidth="2")
    return attrs


class _Builder:
    """Collects graphviz nodes and edges for one picture."""

    def __init__(self, outputs, order, updates, compact, with_ids, simple):
        import graphviz
        self.g = graphviz.Digraph("minitheano", graph_attr=dict(ordering="in"))
        self.compact, self.with_ids, self.simple = compact, with_ids, simple
        self.outputs, self.updates, self.order = list(outputs), list(updates), order
        self.shown = {id(v) for v in self.outputs} | {id(v) for _, v in self.updates}
        self.names: dict[Any, str] = {}
        self.added: set[str] = set()

    def name(self, obj: Any, prefix: str) -> str:
        if obj not in self.names:
            self.names[obj] = f"{prefix}{len(self.names)}"
        return self.names[obj]

    def role(self, var: Variable) -> str:
        from ..ops.sharedvar import SharedVariable
        if isinstance(var, SharedVariable):
            return "shared"
        if isinstance(var, Constant):
            return "constant"
        if id(var) in self.shown:
            return "output"
        if var.owner is None:
            return "input"
        return "variable"

    def drawn(self, var: Variable) -> bool:
        """Whether `var` gets its own ellipse (compact mode hides unnamed intermediates)."""
        return not self.compact or self.role(var) != "variable" or var.name is not None

    def var_label(self, var: Variable) -> str:
        if isinstance(var, Constant) and var.name is None:
            text = str(var)
        elif var.name is not None:
            text = var.name if self.simple else f"{var.name} {var.type}"
        else:
            text = str(var.type)
        return text

    def add_var(self, var: Variable) -> str:
        key = self.name(var, "v")
        if key not in self.added:
            self.added.add(key)
            self.g.node(key, self.var_label(var), **STYLE[self.role(var)])
        return key

    def add_apply(self, node: Apply, pos: int) -> str:
        key = self.name(node, "n")
        label = str(node.op) + (f" id={pos}" if self.with_ids else "")
        self.g.node(key, label, **_apply_attrs(node))
        return key

    def edge_attrs(self, node: Apply, i: int, var: Variable, show_type: bool) -> dict:
        attrs = {}
        destroyed = {j for js in node.op.destroy_map.values() for j in js}
        viewed = {j for js in node.op.view_map.values() for j in js}
        if i in destroyed:
            attrs["color"] = "red"
        elif i in viewed:
            attrs["style"] = "dashed"
        label = (str(var.type) if show_type else "")
        if len(node.inputs) > 1:
            label = f"{i} {label}".strip()
        if label:
            attrs["label"] = label
        return attrs

    def build(self):
        for pos, node in enumerate(self.order):
            nkey = self.add_apply(node, pos)
            for i, inp in enumerate(node.inputs):
                if self.drawn(inp):
                    src, typed = self.add_var(inp), False
                else:  # compact: edge straight from the producing node, labelled with the type
                    src, typed = self.name(inp.owner, "n"), True
                self.g.edge(src, nkey, **self.edge_attrs(node, i, inp, typed))
            for out in node.outputs:
                if self.drawn(out):
                    self.g.edge(nkey, self.add_var(out))
        for var in self.outputs + [v for _, v in self.updates]:
            self.add_var(var)  # outputs that are inputs or constants have no producer
        for target, value in self.updates:
            self.g.edge(self.add_var(value), self.add_var(target), label="update",
                        style="dashed", constraint="false")
        return self.g


def pydot_graph(fn_or_var: Any, compact: bool = True, with_ids: bool = False,
                var_with_name_simple: bool = False):
    """The `graphviz.Digraph` that `pydotprint` renders (for inspection or inline display)."""
    from ..graphlib.traversal import toposort
    outputs, order, updates, fgraph = _targets(fn_or_var)
    if fgraph is None:
        order = toposort(outputs)
    return _Builder(outputs, order, updates, compact, with_ids,
                    var_with_name_simple).build()


def pydotprint(fn_or_var: Any, outfile: str | None = None, format: str = "png",
               compact: bool = True, with_ids: bool = False, return_image: bool = False,
               print_output_file: bool = True, var_with_name_simple: bool = False):
    """Draw `fn_or_var` (a compiled function, variable or list) to `outfile` (default
    `pydotprint.<format>` in the working directory); `return_image=True` returns an IPython
    Image (SVG for format='svg') instead of writing a file. format='dot' writes the source."""
    g = pydot_graph(fn_or_var, compact, with_ids, var_with_name_simple)
    if format == "dot":
        data = g.source.encode()
    else:
        data = _render(g, format)
    if return_image:  # inline display in Jupyter
        from IPython.display import SVG, Image
        return SVG(data=data) if format == "svg" else Image(data=data)
    if outfile is None:
        outfile = os.path.join(os.getcwd(), f"pydotprint.{format}")
    with open(outfile, "wb") as fh:
        fh.write(data)
    if print_output_file:
        print(f"The output file is available at {outfile}")
    return None


def _render(g, format: str) -> bytes:
    """Run graphviz's `dot`; a missing program raises a RuntimeError saying how to install it."""
    import graphviz
    try:
        return g.pipe(format=format)
    except graphviz.ExecutableNotFound as e:
        raise RuntimeError(INSTALL_HINT) from e
