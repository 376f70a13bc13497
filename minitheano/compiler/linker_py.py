"""The reference linker: run each node's numpy `perform` in topological order."""
from __future__ import annotations

from typing import Callable

from ..graphlib import Constant, FunctionGraph


class PyLinker:
    """Turns a FunctionGraph into a Python callable `thunk(*input_values) -> output values`."""

    name = "py"

    def make_thunk(self, fgraph: FunctionGraph) -> Callable:
        order = fgraph.toposort()
        index = {}
        for v in fgraph.inputs:
            index.setdefault(v, len(index))
        for node in order:
            for v in node.inputs:
                if isinstance(v, Constant) and v not in index:
                    index[v] = len(index)
            for v in node.outputs:
                index[v] = len(index)
        for v in fgraph.outputs:
            if v not in index:  # an output that is a constant
                index[v] = len(index)
        consts = [(index[v], v.data) for v in index if isinstance(v, Constant)]
        n_in = len(fgraph.inputs)
        steps = [(node, node.op.perform, [index[v] for v in node.inputs],
                  [index[v] for v in node.outputs]) for node in order]
        out_idx = [index[v] for v in fgraph.outputs]
        size = len(index)

        def thunk(*values):
            store = [None] * size
            store[:n_in] = values
            for i, data in consts:
                store[i] = data
            for node, perform, ins, outs in steps:
                cells = [[None] for _ in outs]
                try:
                    perform(node, [store[i] for i in ins], cells)
                except Exception as e:
                    raise _node_error(e, node) from e
                for i, c in zip(outs, cells):
                    store[i] = c[0]
            return [store[i] for i in out_idx]

        thunk.order = order
        return thunk


def _node_error(e: Exception, node) -> Exception:
    """The error `e` with the failing node and where the user built it appended."""
    if getattr(e, "_minitheano_node", False):
        return e
    trace = getattr(node.tag, "trace", None)
    where = ""
    if trace:
        f = trace[-1]
        where = f"\n  built at {f.filename}:{f.lineno}: {f.line}"
    inputs = ", ".join(f"{v}" for v in node.inputs)
    msg = f"{e}\n  in node {node.op}({inputs}){where}"
    try:
        new = type(e)(msg)
    except Exception:  # noqa: BLE001
        new = RuntimeError(msg)
    new._minitheano_node = True
    return new
