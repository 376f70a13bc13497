"""DebugMode: every call runs the graph with both linkers (Numba and the numpy reference) and
raises `DebugModeError` naming the first node whose values differ.

Localising a difference: a second Numba function returns a copy of every intermediate value,
taken as each node computes it (before any inplace op overwrites it); each node's numpy
`perform` is then re-run on the Numba values of its inputs and compared with the Numba values
of its outputs, in execution order.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..graphlib import Apply, Constant, FunctionGraph
from .linker_py import PyLinker
from .mode import Mode

TOLERANCES = {"float16": (1e-2, 1e-3), "float32": (1e-4, 1e-6), "float64": (1e-6, 1e-9),
              "complex64": (1e-4, 1e-6), "complex128": (1e-6, 1e-9)}


class DebugModeError(AssertionError):
    """The Numba and reference linkers disagree."""


class DebugMode(Mode):
    """Rewrites as FAST_RUN, then checks the Numba linker against the py linker on every call."""

    def __init__(self, optimizer: str | None = "fast_run", include=(), exclude=()):
        super().__init__("debug", optimizer, include, exclude)

    def including(self, *names: str) -> "DebugMode":
        return DebugMode(self.optimizer, self.include + names, self.exclude)

    def excluding(self, *names: str) -> "DebugMode":
        return DebugMode(self.optimizer, self.include, self.exclude + names)

    def make_linker(self) -> "DebugLinker":
        return DebugLinker()


def close(a, b) -> bool:
    """Equal values (NaN equals NaN), within the dtype's tolerance for inexact dtypes."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind in "fc":
        rtol, atol = TOLERANCES.get(str(a.dtype), (1e-6, 1e-9))
        return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))
    return bool(np.array_equal(a, b))


def _describe(node: Apply) -> str:
    trace = getattr(node.tag, "trace", None)
    where = f"\n  built at {trace[-1].filename}:{trace[-1].lineno}: {trace[-1].line}" if trace else ""
    return f"{node.op}({', '.join(map(str, node.inputs))}){where}"


def _diff(a, b) -> str:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return f"numba gives {a.dtype}{a.shape}, reference {b.dtype}{b.shape}"
    if a.dtype.kind in "fciu":
        err = np.abs(a.astype(complex if a.dtype.kind == "c" else float) - b)
        k = np.unravel_index(np.nanargmax(err), err.shape) if err.size else ()
        return f"largest difference {err[k]:.3g} at {k}: numba {a[k]!r}, reference {b[k]!r}"
    return f"numba {a!r}, reference {b!r}"


class DebugLinker:
    """Makes a thunk that runs both linkers and compares their results."""

    name = "debug"

    def make_thunk(self, fgraph: FunctionGraph) -> Callable:
        from .numba.linker import NumbaLinker
        fast = NumbaLinker().make_thunk(fgraph)
        ref = PyLinker().make_thunk(fgraph)
        state: dict = {}

        def thunk(*values):
            try:
                expected = ref(*[_copy(v) for v in values])
            except Exception as e:  # noqa: BLE001
                expected = e
            try:
                got = fast(*[_copy(v) for v in values])
            except Exception as e:  # noqa: BLE001
                if isinstance(expected, Exception):
                    raise  # both fail: the user's error
                raise DebugModeError(f"the Numba function raised {type(e).__name__}: {e}\n"
                                     f"but the reference did not") from e
            if isinstance(expected, Exception):
                raise DebugModeError(f"the reference raised {type(expected).__name__}: "
                                     f"{expected}\nbut the Numba function did not") from expected
            for k, (g, x) in enumerate(zip(got, expected)):
                if not close(g, x):
                    raise DebugModeError(_localise(fgraph, values, state) or
                                         f"output {k} ({fgraph.outputs[k]}) differs: {_diff(g, x)}")
            return got

        thunk.source = fast.source
        thunk.owns_outputs = True
        return thunk


def _copy(v):
    return v.copy() if isinstance(v, np.ndarray) else v


def _localise(fgraph: FunctionGraph, values, state: dict) -> str | None:
    """A message naming the first node whose Numba outputs differ from its perform."""
    from .numba.linker import NumbaLinker
    order = fgraph.toposort()
    if "all" not in state:
        state["all"] = NumbaLinker(snapshot=True).make_thunk(fgraph)
    snaps = iter(state["all"](*[_copy(v) for v in values]))
    env = dict(zip(fgraph.inputs, values))
    env.update((o, next(snaps)) for node in order for o in node.outputs)
    for node in order:
        ins = [v.data if isinstance(v, Constant) else _copy(env[v]) for v in node.inputs]
        cells = [[None] for _ in node.outputs]
        try:
            node.op.perform(node, ins, cells)
        except Exception as e:  # noqa: BLE001
            return f"reference perform of {_describe(node)} fails on the Numba inputs: {e}"
        for o, (want,) in zip(node.outputs, cells):
            if not close(env[o], want):
                return (f"first differing node: {_describe(node)}\n  output {o.index}: "
                        f"{_diff(env[o], want)}")
    return None
