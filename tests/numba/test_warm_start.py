"""Warm start (compiler/numba/warm_start.py): a graph compiled by an earlier process is linked
from its record without being rewritten; the key tells graphs apart; bad records and altered
modules are rebuilt."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import minitheano as th
from minitheano import tensor as T
from minitheano.compiler.mode import Mode
from minitheano.compiler.numba import warm_start
from minitheano.graphlib import FunctionGraph

# a loop (its own module, an arena), array constants, a shared variable with an update and a
# scalar output: everything a record has to carry
SCRIPT = textwrap.dedent("""
    import json, numpy as np, minitheano as th
    from minitheano import tensor as T
    x = T.dmatrix("x")
    W = th.shared(np.linspace(-1, 1, 12).reshape(3, 4), name="W")
    h, _ = th.scan(lambda xt, hp: T.tanh(T.dot(xt, W) + hp * np.array([0.5, 1, 1.5, 2])),
                   sequences=x, outputs_info=T.zeros((4,)))
    cost = T.sum(h ** 2)
    f = th.function([x], [h[-1], cost], updates=[(W, W - 0.1 * T.grad(cost, W))])
    xv = np.arange(15.0).reshape(5, 3) / 10
    last, c = f(xv)
    report = {"rewritten": f._graph._mode is None, "last": last.tolist(), "cost": float(c),
              "cost_type": [type(c).__name__, str(c.dtype), c.ndim],
              "W": W.get_value().tolist()}
    try:
        f(np.ones((5, 2)))
    except ValueError as e:
        report["error"] = str(e)
    report["W_after_error"] = W.get_value().tolist()
    report["debugprint"] = th.printing.debugprint(f, file="str")
    print(json.dumps(report))
""")


def _run(cache_dir) -> dict:
    env = dict(os.environ, MINITHEANO_CACHE_DIR=str(cache_dir), OPENBLAS_NUM_THREADS="1")
    p = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def _numpy_reference():
    W = np.linspace(-1, 1, 12).reshape(3, 4)
    p = np.array([0.5, 1, 1.5, 2])
    xv = np.arange(15.0).reshape(5, 3) / 10
    hs, h = [], np.zeros(4)
    for xt in xv:
        h = np.tanh(xt @ W + h * p)
        hs.append(h)
    return hs[-1], float(np.sum(np.square(hs)))


def test_second_process_links_without_rewriting_and_matches(tmp_path):
    first, second = _run(tmp_path), _run(tmp_path)
    assert first["rewritten"], "the first process has no record: it must rewrite"
    assert not second["rewritten"], "the second process should link from the record"
    last, cost = _numpy_reference()
    for r in (first, second):
        np.testing.assert_allclose(r["last"], last, rtol=1e-12)
        assert np.isclose(r["cost"], cost, rtol=1e-12)
        assert r["cost_type"] == ["ndarray", "float64", 0]
        # the failing call names the input and leaves the shared variable as it was
        assert "'x'" in r["error"]
        assert r["W_after_error"] == r["W"]
    assert second["W"] == first["W"]
    assert second["error"] == first["error"]
    assert second["debugprint"] == first["debugprint"]  # rewritten when asked for
    assert len(list(tmp_path.glob("mtw_*" + warm_start.SUFFIX))) == 1


def _graph(c=2.0, dtype="float64"):
    x = T.vector("x", dtype=dtype)
    return FunctionGraph([x], [T.exp(x) * c + T.sum(x)])


def test_key_depends_on_structure_constants_types_and_mode():
    mode = Mode()
    key = warm_start.graph_key(_graph(), mode)
    assert key == warm_start.graph_key(_graph(), mode)  # rebuilt alike: same key
    others = [warm_start.graph_key(_graph(3.0), mode),
              warm_start.graph_key(_graph(dtype="float32"), mode),
              warm_start.graph_key(_graph(), mode.excluding("fusion")),
              warm_start.graph_key(_graph(), Mode("numba", optimizer=None))]
    assert len({key, *others}) == 5


def test_graph_with_an_as_op_function_has_no_key():
    from minitheano.compile.ops import as_op
    op = as_op(itypes=[T.dvector], otypes=[T.dvector])(lambda v: v * 2)
    x = T.dvector("x")
    assert warm_start.graph_key(FunctionGraph([x], [op(x) + 1]), Mode()) is None


def test_records_of_this_process_are_not_used_and_bad_records_are_ignored(tmp_path, monkeypatch):
    monkeypatch.setattr(th.config, "cache_dir", str(tmp_path))
    x = T.dvector("x")
    out = T.log1p(T.exp(x)) * 1.75  # compiled by no other test
    f = th.function([x], out)
    (path,) = tmp_path.glob("mtw_*" + warm_start.SUFFIX)
    key = path.name[len("mtw_"):-len(warm_start.SUFFIX)]
    assert warm_start.load(key) is None  # written by this process
    monkeypatch.setattr(warm_start, "_written", set())  # as if another process wrote it
    record = warm_start.load(key)
    assert record is not None and record.module_key == f.thunk.record.module_key

    g = th.function([x], out)  # linked from the record
    assert g._graph._mode is not None
    xv = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(g(xv), np.log1p(np.exp(xv)) * 1.75)

    path.write_bytes(b"not a record")  # corrupt: ignored, rewritten and stored again
    warm_start._written.clear()
    assert warm_start.load(key) is None
    g = th.function([x], out)
    assert g._graph._mode is None
    np.testing.assert_allclose(g(xv), np.log1p(np.exp(xv)) * 1.75)

    warm_start._written.clear()  # a valid record whose module was altered: rebuilt
    module = next(p for p in tmp_path.glob("mt_*.py") if "1.75" in p.read_text())  # a kernel's
    module.write_text(module.read_text().replace("1.75", "2.75"))
    for name in (module.stem, "mt_" + record.module_key):  # as in a new process
        sys.modules.pop(name)
    g = th.function([x], out)
    assert g._graph._mode is None
    np.testing.assert_allclose(g(xv), np.log1p(np.exp(xv)) * 1.75)


@pytest.mark.parametrize("flag", ["dump_source", "optimizer_verbose"])
def test_flags_that_show_the_compile_turn_the_warm_start_off(flag, monkeypatch, capsys):
    x = T.dvector("x")
    out = T.sqrt(T.abs_(x)) + 0.125
    th.function([x], out)
    monkeypatch.setattr(warm_start, "_written", set())
    monkeypatch.setattr(th.config, flag, True)
    f = th.function([x], out)
    assert f._graph._mode is None  # rewritten (and shown), not linked from the record


ERRORS = textwrap.dedent("""
    import json, numpy as np, minitheano as th
    from minitheano import tensor as T
    n, x = T.lscalar("n"), T.dvector("x")
    f = th.function([n, x], [T.zeros((n,)) + 1.5, T.reshape(x, (n, 2)).sum(axis=1)])
    report = {"ok": [v.tolist() for v in f(3, np.arange(6.0))], "linked": f._graph._mode is not None}
    for args in [(-1, np.arange(6.0)), (4, np.arange(6.0))]:  # np.empty and reshape raise
        try:
            f(*args)
        except ValueError as e:
            report.setdefault("errors", []).append(str(e).splitlines()[0])
    print(json.dumps(report))
""")


def test_errors_of_numbas_own_array_code_after_a_warm_start(tmp_path):
    """The machine code of Numba's np.empty / reshape is loaded without importing the module
    that defines them (warm start, linker._rebuild_env_light); their errors still arrive."""
    env = dict(os.environ, MINITHEANO_CACHE_DIR=str(tmp_path), OPENBLAS_NUM_THREADS="1")
    runs = []
    for _ in range(2):
        p = subprocess.run([sys.executable, "-c", ERRORS], env=env, capture_output=True,
                           text=True, timeout=600)
        assert p.returncode == 0, p.stderr
        runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
    first, second = runs
    assert not first["linked"] and second["linked"]
    assert first["ok"] == second["ok"] == [[1.5] * 3, [1.0, 5.0, 9.0]]
    assert len(first["errors"]) == 2 and second["errors"] == first["errors"]
