"""Tensor-agnostic graph core: Variables, Apply nodes, Ops, traversal, cloning, FunctionGraph."""
from .basic import Apply, Constant, Op, Type, Variable
from .fg import FunctionGraph, InconsistencyError
from .replace import clone_get_equiv, clone_replace
from .traversal import ancestors, graph_inputs, io_toposort, toposort

__all__ = ["Apply", "Constant", "Op", "Type", "Variable", "FunctionGraph", "InconsistencyError",
           "clone_get_equiv", "clone_replace", "ancestors", "graph_inputs", "io_toposort",
           "toposort"]
