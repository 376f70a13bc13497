"""Helpers of the scan package: the structural key of an inner graph (what makes two Scan ops
equal), type conversion of inner outputs, and recognising symbolic zeros."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ...graphlib import Constant, Variable, toposort
from ..type import TensorType


def graph_key(inputs: Sequence[Variable], outputs: Sequence[Variable]) -> tuple:
    """A hashable description of the graph from `inputs` to `outputs`, equal for graphs that
    compute the same thing the same way (variables by position, ops and constants by value)."""
    pos: dict[Variable, tuple] = {v: ("in", i) for i, v in enumerate(inputs)}

    def ref(v: Variable) -> tuple:
        if v in pos:
            return pos[v]
        if isinstance(v, Constant):
            return ("const", v.signature())
        raise ValueError(f"scan inner graph: {v} ({v.type}) is neither an inner input nor a "
                         f"constant")

    entries = []
    for n, node in enumerate(toposort(outputs, blockers=inputs)):
        entries.append((node.op, tuple(ref(v) for v in node.inputs)))
        for k, o in enumerate(node.outputs):
            pos[o] = ("node", n, k, o.type)
    return (tuple(v.type for v in inputs), tuple(entries), tuple(ref(o) for o in outputs))


def free_variables(outputs: Sequence[Variable], bound: Sequence[Variable]) -> list[Variable]:
    """Root variables of `outputs` that are neither in `bound` nor constants, in graph order."""
    from ...graphlib import graph_inputs
    bound_set = set(bound)
    return [v for v in graph_inputs(outputs, blockers=bound)
            if v not in bound_set and not isinstance(v, Constant)]


def drop_time(t: TensorType) -> TensorType:
    """The type of one entry `x[t]` of a sequence of type `t`."""
    if t.ndim == 0:
        raise TypeError(f"a sequence must have at least one dimension, got {t}")
    return TensorType(t.dtype, t.broadcastable[1:])


def add_time(t: TensorType) -> TensorType:
    """The type of a history of values of type `t` (the time axis is never broadcastable)."""
    return TensorType(t.dtype, (False,) + t.broadcastable)


def as_type(v: Variable, t: TensorType) -> Variable:
    """`v` declared with type `t`: same dtype and ndim required; the pattern is converted."""
    from ..shape import patternbroadcast
    if v.type == t:
        return v
    if v.dtype != t.dtype or v.ndim != t.ndim:
        raise TypeError(f"{v} has type {v.type}, expected {t}")
    return patternbroadcast(v, t.broadcastable)


def is_zero(v: Variable) -> bool:
    """True when `v` is known to be all zeros (a zero constant or an Alloc of zero)."""
    from ..alloc import Alloc
    if isinstance(v, Constant):
        return bool(np.all(np.asarray(v.data) == 0))
    if v.owner is not None and isinstance(v.owner.op, Alloc):
        return is_zero(v.owner.inputs[0])
    return False


def label(v: Variable) -> str:
    """How errors name a variable: its name in quotes, else its type."""
    return f"'{v.name}'" if v.name else str(v.type)


def merge_duplicates(outputs: Sequence[Variable], inputs: Sequence[Variable] = ()
                     ) -> list[Variable]:
    """`outputs` rebuilt so that equal ops applied to the same inputs appear once.

    The gradient of a step recomputes parts of the step (`tanh` for its own derivative);
    merging first lets the backward loop reuse the forward values instead.
    """
    canon: dict[Variable, Variable] = {}
    seen: dict[tuple, list[Variable]] = {}
    consts: dict[tuple, Variable] = {}

    def get(v: Variable) -> Variable:
        if v in canon:
            return canon[v]
        if isinstance(v, Constant):
            return consts.setdefault(v.signature(), v)
        return v

    for node in toposort(outputs, blockers=inputs):
        ins = [get(v) for v in node.inputs]
        key = (node.op, tuple(map(id, ins)))
        if key in seen:
            for o, o2 in zip(node.outputs, seen[key]):
                canon[o] = o2
            continue
        new = node if all(a is b for a, b in zip(ins, node.inputs)) else \
            node.clone_with_new_inputs(ins)
        seen[key] = new.outputs
        for o, o2 in zip(node.outputs, new.outputs):
            canon[o] = o2
    return [get(o) for o in outputs]


def evaluator(inputs: Sequence[Variable], outputs: Sequence[Variable]):
    """A function of the input values returning the output values, running each node's
    numpy `perform` in topological order (the reference semantics of the step graph)."""
    order = toposort(outputs, blockers=inputs)
    n_in = len(inputs)

    def run(*values):
        env: dict[Variable, object] = dict(zip(inputs, values))
        if len(env) != n_in or len(values) != n_in:
            raise ValueError(f"step graph: expected {n_in} input values, got {len(values)}")
        for node in order:
            ins = [v.data if isinstance(v, Constant) else env[v] for v in node.inputs]
            cells = [[None] for _ in node.outputs]
            try:
                node.op.perform(node, ins, cells)
            except Exception as e:
                if not _rewrappable(e):
                    raise
                raise type(e)(f"{e}\n  in the step node {node}") from e
            env.update(zip(node.outputs, (c[0] for c in cells)))
        return [o.data if isinstance(o, Constant) else env[o] for o in outputs]

    return run


def _rewrappable(e: Exception) -> bool:
    try:
        type(e)("x")
        return True
    except Exception:  # noqa: BLE001
        return False
