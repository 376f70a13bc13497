"""Printing of graphs and compiled functions: debugprint, pp, pydotprint."""
from .debugprint import debugprint
from .pp import pp
from .pydot import pydot_graph, pydotprint

__all__ = ["debugprint", "pp", "pydot_graph", "pydotprint"]
