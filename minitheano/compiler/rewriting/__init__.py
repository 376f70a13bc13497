"""Graph rewrites: the framework (`framework`), the phases in order (`pipeline.PHASES`) and
the rewrite modules: basic (merge, constant folding), canonicalize, algebra, shape,
stabilize, blas, subtensor, fusion, inplace (with `destroy`, the overwrite-safety rule)."""
from .framework import GraphRewriter, NodeRewriter, graph_rewriter, node_rewriter, register
from .pipeline import PHASES, check_graph, rewrite_graph

__all__ = ["GraphRewriter", "NodeRewriter", "graph_rewriter", "node_rewriter", "register",
           "PHASES", "check_graph", "rewrite_graph"]
