"""Helpers for the rewrite tests: rewrite a graph with the checker on after every phase,
list its ops, and compare a compiled function against the unrewritten graph (the oracle)."""
from __future__ import annotations

import numpy as np
import pytest

import minitheano as th
from minitheano.compiler.mode import Mode
from minitheano.compiler.rewriting import pipeline
from minitheano.graphlib import FunctionGraph

PY = Mode("py")                  # every rewrite, numpy linker
ORACLE = Mode("py", None)        # no rewrite at all


@pytest.fixture(autouse=True)
def check_phases(monkeypatch):
    """Every compile in these tests checks the graph (types, cycles, overwrites) per phase."""
    monkeypatch.setattr(pipeline, "CHECK_PHASES", True)


def rewrite(outputs, inputs, optimizer="fast_run", include=(), exclude=()) -> FunctionGraph:
    """The FunctionGraph of inputs -> outputs after the rewrites (checked after each phase)."""
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    fg = FunctionGraph(list(inputs), outputs)
    fg.n_outputs, fg.update_targets, fg.n_explicit = len(outputs), [], len(inputs)
    pipeline.rewrite_graph(fg, optimizer, include, exclude, check=True)
    return fg


def ops(fg) -> list[str]:
    """The ops of the graph in execution order, as strings."""
    return [str(n.op) for n in fg.toposort()]


def kinds(fg) -> list[str]:
    """The op class names of the graph in execution order."""
    return [type(n.op).__name__ for n in fg.toposort()]


def compare(inputs, outputs, values, mode=PY, rtol=1e-10, atol=1e-12, **kw):
    """Compile with `mode` and without rewrites; the results agree and no input changes."""
    f = th.function(list(inputs), outputs, mode=mode, on_unused_input="ignore", **kw)
    g = th.function(list(inputs), outputs, mode=ORACLE, on_unused_input="ignore", **kw)
    copies = [np.array(v, copy=True) for v in values]
    got = f(*values)
    for v, c in zip(values, copies):
        np.testing.assert_array_equal(v, c, err_msg="an input array was modified")
    want = g(*values)
    got_l = got if isinstance(got, list) else [got]
    want_l = want if isinstance(want, list) else [want]
    for a, b in zip(got_l, want_l):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
    return f, got
