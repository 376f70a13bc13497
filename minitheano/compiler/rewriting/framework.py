"""Rewriter framework: local rewriters (one node -> replacements), whole-graph rewriters, the
registry by phase and tag, and the drivers that apply them through `FunctionGraph.replace`."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterable

from ...config import config
from ...graphlib import Apply, FunctionGraph, Variable
from ...graphlib.fg import InconsistencyError


@dataclass(eq=False)
class NodeRewriter:
    """A local rewrite: `fn(fgraph, node)` returns None (no change), a list with one
    replacement per node output (None keeps that output), or a dict {old_var: new_var}.

    `tracks` holds Op classes, or scalar-op names (str) meaning `Elemwise` of that scalar op.
    """

    fn: Callable
    tracks: tuple
    name: str
    tags: frozenset = frozenset()

    def __call__(self, fgraph: FunctionGraph, node: Apply):
        return self.fn(fgraph, node)


@dataclass(eq=False)
class GraphRewriter:
    """A whole-graph rewrite: `fn(fgraph)` changes the graph and returns how many changes."""

    fn: Callable[[FunctionGraph], int]
    name: str
    tags: frozenset = frozenset()

    def __call__(self, fgraph: FunctionGraph) -> int:
        return self.fn(fgraph)


def node_rewriter(*tracks) -> Callable[[Callable], NodeRewriter]:
    """Decorate `fn(fgraph, node)` as a NodeRewriter tracking these op classes / scalar names."""
    def deco(fn: Callable) -> NodeRewriter:
        return NodeRewriter(fn, tuple(tracks), fn.__name__)
    return deco


def graph_rewriter(fn: Callable[[FunctionGraph], int]) -> GraphRewriter:
    """Decorate `fn(fgraph) -> n_changes` as a GraphRewriter."""
    return GraphRewriter(fn, fn.__name__)


# -- registry ---------------------------------------------------------------------------------
REGISTRY: list = []


def register(*phases: str, tags: tuple = (), default: bool = True):
    """Add a rewriter to `phases` (the first is its home). Its tags: the home phase, `tags`
    and, when `default`, 'fast_run' (else it runs only when included by name or tag)."""
    def deco(rw):
        rw.phases = frozenset(phases)
        rw.tags = frozenset({phases[0], *tags, *(("fast_run",) if default else ())})
        REGISTRY.append(rw)
        return rw
    return deco


def selected(rw, optimizer: str | None, include: Iterable[str], exclude: Iterable[str]) -> bool:
    """Whether `rw` runs under this optimizer name and include/exclude lists (names or tags)."""
    keys = {rw.name, *rw.tags}
    if keys & set(exclude):
        return False
    return (optimizer is not None and optimizer in rw.tags) or bool(keys & set(include))


# -- applying replacements --------------------------------------------------------------------
class RewriteError(Exception):
    """A rewriter returned a replacement of the wrong kind (a bug in the rewriter)."""


def _fit(old: Variable, new: Variable, name: str) -> Variable:
    """`new` with exactly `old`'s type; broadcastable flags may be re-declared, nothing else."""
    if new.type == old.type:
        return new
    ot, nt = old.type, new.type
    if getattr(nt, "dtype", None) != getattr(ot, "dtype", None) or nt.ndim != ot.ndim:
        raise RewriteError(f"rewrite {name} replaces {old} ({ot}) by {new} ({nt})")
    from ...ops.shape import patternbroadcast
    return patternbroadcast(new, ot.broadcastable)


def _copy_trace(fgraph: FunctionGraph, old: Variable, new: Variable) -> None:
    """Nodes a rewrite creates point to where the user built the node they replace."""
    trace = getattr(getattr(old.owner, "tag", None), "trace", None)
    if not trace:
        return
    stack = [new.owner]
    while stack:
        node = stack.pop()
        if node is None or node in fgraph.apply_nodes or getattr(node.tag, "rewritten", False):
            continue
        node.tag.trace, node.tag.rewritten = trace, True
        stack.extend(i.owner for i in node.inputs)


def apply_result(fgraph: FunctionGraph, node: Apply, result, name: str) -> list[Variable]:
    """Perform the replacements a node rewriter returned; the new variables (empty: no change)."""
    if result is None or result is False:
        return []
    pairs = result.items() if isinstance(result, dict) else zip(node.outputs, result)
    done = []
    for old, new in pairs:
        if new is None or new is old or old not in fgraph.variables:
            continue
        new = _fit(old, new, name)
        _copy_trace(fgraph, old, new)
        try:
            fgraph.replace(old, new, reason=name)
        except InconsistencyError as e:  # e.g. a cycle: replace checks before changing
            if config.optimizer_verbose:
                print(f"rewriting: rewrite {name} skipped: {e}")
            continue
        if config.optimizer_verbose:
            print(f"rewriting: rewrite {name} replaces {old} of {old.owner} with {new} of "
                  f"{new.owner}")
        done.append(new)
    return done


def _new_nodes(fgraph: FunctionGraph, new_vars: list[Variable], known: set) -> list[Apply]:
    """Nodes of the graph above `new_vars` not yet in `known`, inputs first."""
    out, stack = [], [(v.owner, False) for v in new_vars if v.owner is not None]
    while stack:
        node, expanded = stack.pop()
        if node in known or node not in fgraph.apply_nodes:
            continue
        if expanded:
            known.add(node)
            out.append(node)
            continue
        stack.append((node, True))
        stack.extend((i.owner, False) for i in node.inputs
                     if i.owner is not None and i.owner not in known)
    return out


class Dispatch:
    """Node rewriters indexed by what they track, in registration order."""

    def __init__(self, rewriters: list[NodeRewriter]):
        self.by_class: dict[type, list] = {}
        self.by_scalar: dict[str, list] = {}
        self.everything: list = []
        for rw in rewriters:
            if not rw.tracks:
                self.everything.append(rw)
            for t in rw.tracks:
                if isinstance(t, str):
                    self.by_scalar.setdefault(t, []).append(rw)
                else:
                    self.by_class.setdefault(t, []).append(rw)
        self._cache: dict = {}

    def __call__(self, node: Apply) -> list[NodeRewriter]:
        op = node.op
        sname = getattr(getattr(op, "scalar_op", None), "name", None)
        key = (type(op), sname)
        rws = self._cache.get(key)
        if rws is None:
            rws = [rw for cls in type(op).__mro__ for rw in self.by_class.get(cls, ())]
            rws += self.by_scalar.get(sname, []) if sname is not None else []
            rws += self.everything
            self._cache[key] = rws
        return rws


def equilibrium(fgraph: FunctionGraph, local: list[NodeRewriter],
                global_: list[GraphRewriter] = (), max_passes: int = 50) -> int:
    """Apply the rewriters until none changes the graph; returns the number of changes.

    Each pass runs the graph rewriters, then visits nodes inputs-first; nodes created by a
    replacement are visited at once, so chains of local rewrites settle in one pass.
    """
    dispatch = Dispatch(local)
    total = 0
    for _ in range(max_passes):
        changed = sum(g(fgraph) for g in global_)
        order = fgraph.toposort()
        known = set(order)
        queue = deque(order)
        budget = 20 * len(order) + 1000  # a rewrite that keeps rebuilding its own result
        while queue:
            node = queue.popleft()
            if node not in fgraph.apply_nodes:
                continue
            for rw in dispatch(node):
                new = apply_result(fgraph, node, rw(fgraph, node), rw.name)
                if new:
                    changed += 1
                    budget -= 1
                    if budget < 0:
                        raise RewriteError(f"rewrite {rw.name} keeps changing {node}")
                    queue.extendleft(reversed(_new_nodes(fgraph, new, known)))
                    break
        total += changed
        if not changed:
            return total
    raise RewriteError(f"rewrites did not settle after {max_passes} passes "
                       f"({[rw.name for rw in local]})")


def in_order(fgraph: FunctionGraph, local: list[NodeRewriter], reverse: bool = False) -> int:
    """One pass of the node rewriters over the nodes (outputs first when `reverse`)."""
    dispatch = Dispatch(local)
    changed = 0
    order = fgraph.toposort()
    for node in (reversed(order) if reverse else order):
        if node not in fgraph.apply_nodes:
            continue
        for rw in dispatch(node):
            if apply_result(fgraph, node, rw(fgraph, node), rw.name):
                changed += 1
                break
    return changed

