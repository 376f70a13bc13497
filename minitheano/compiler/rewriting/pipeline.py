"""The rewrite pipeline, declared once: phases in order, each a named set of rewriters.

`rewrite_graph` is what `Mode.rewrite` calls. Set `CHECK_PHASES` (or the environment
variable MINITHEANO_CHECK_REWRITES=1) to run `fgraph.check()` and the destroy check after
every phase, as the tests do.
"""
from __future__ import annotations

import os
from typing import Iterable

from ...graphlib import FunctionGraph
from ...graphlib.fg import InconsistencyError
from . import (algebra, basic, blas, canonicalize, fusion, inplace, scan, shape, stabilize,  # noqa: F401
               subtensor)
from .destroy import destroy_problems
from .framework import REGISTRY, GraphRewriter, NodeRewriter, equilibrium, selected

# (phase, driver): "equilibrium" repeats graph and node rewriters until nothing changes;
# "sequence" settles the node rewriters, then runs each graph rewriter once.
PHASES = [
    ("merge", "sequence"),
    ("canonicalize", "equilibrium"),
    ("stabilize", "equilibrium"),
    ("specialize", "equilibrium"),
    ("fusion", "sequence"),
    ("inplace", "sequence"),
]

CHECK_PHASES = os.environ.get("MINITHEANO_CHECK_REWRITES", "") not in ("", "0")


def rewriters_for(phase: str, optimizer: str | None, include: Iterable[str] = (),
                  exclude: Iterable[str] = ()) -> list:
    """The rewriters that run in `phase` under this selection, in registration order."""
    return [rw for rw in REGISTRY
            if phase in rw.phases and selected(rw, optimizer, include, exclude)]


def check_graph(fgraph: FunctionGraph, after: str = "") -> None:
    """Raise InconsistencyError when the graph breaks an invariant or an unsafe overwrite."""
    fgraph.check()
    problems = destroy_problems(fgraph)
    if problems:
        raise InconsistencyError(f"after phase {after}: " + "; ".join(problems))


def rewrite_graph(fgraph: FunctionGraph, optimizer: str | None = "fast_run",
                  include: Iterable[str] = (), exclude: Iterable[str] = (),
                  check: bool | None = None) -> FunctionGraph:
    """Run the PHASES over `fgraph` in place with the rewriters selected by `optimizer`
    ('fast_run', 'fast_compile' or None) plus `include` minus `exclude` (names or tags)."""
    include, exclude = tuple(include), tuple(exclude)
    check = CHECK_PHASES if check is None else check
    for phase, driver in PHASES:
        rws = rewriters_for(phase, optimizer, include, exclude)
        local = [r for r in rws if isinstance(r, NodeRewriter)]
        whole = [r for r in rws if isinstance(r, GraphRewriter)]
        if driver == "equilibrium":
            if local or whole:
                equilibrium(fgraph, local, whole)
        else:
            if local:
                equilibrium(fgraph, local, [])
            for g in whole:
                g(fgraph)
        if check:
            check_graph(fgraph, phase)
    return fgraph
