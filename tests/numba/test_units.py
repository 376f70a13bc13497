"""Units and kernels (compiler/numba/units.py, outline.py, pool.py, runtime/calls.py): a graph's
loops compile as kernels shared by nodes and graphs, called through tables filled at link
time; the calls of a unit are recorded for a later process; the compile worker; arguments the
graph's function was not compiled for."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from numba import types

import minitheano as th
from minitheano import tensor as T
from minitheano.compiler.numba import outline, pool, units

rng = np.random.default_rng(7)


def _run(script: str, cache_dir, **env) -> str:
    env = dict(os.environ, MINITHEANO_CACHE_DIR=str(cache_dir), OPENBLAS_NUM_THREADS="1", **env)
    res = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=env, text=True,
                         capture_output=True, timeout=600)
    assert res.returncode == 0, res.stderr
    return res.stdout


def _units_of(f) -> dict:
    seen, todo = {}, [f.thunk.unit]
    while todo:
        u = todo.pop()
        seen[(u.dispatcher, u.argtypes)] = u
        todo += u.callees
    return seen


def test_a_kernel_is_compiled_once_for_the_nodes_and_graphs_that_share_it():
    a, b = T.dmatrix("a"), T.dmatrix("b")
    f = th.function([a, b], [a * 0.375 + b, b * 0.375 + a])  # one kernel, two calls
    kernels = [u for u in _units_of(f).values() if u.dispatcher.py_func.__name__ == "kernel"]
    assert len(kernels) == 1 and len(f.thunk.unit.callees) == 2
    (kernel,) = kernels
    compiled = len(kernel.dispatcher.overloads)
    g = th.function([b, a], [b * 0.375 + a, a + b])  # the same kernel in another graph
    assert kernel in _units_of(g).values() and len(kernel.dispatcher.overloads) == compiled
    av, bv = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    np.testing.assert_allclose(f(av, bv)[1], bv * 0.375 + av)
    np.testing.assert_allclose(g(bv, av)[0], bv * 0.375 + av)


def test_the_table_holds_each_callees_address():
    x = T.dmatrix("x")
    f = th.function([x], [T.exp(x).sum(axis=0), T.tanh(x) * 2])
    unit = f.thunk.unit
    assert unit.table is not None and len(unit.table) == 2 * len(unit.callees)
    for k, c in enumerate(unit.callees):
        assert unit.table[2 * k] == c.address != 0
        assert unit.table[2 * k + 1] == c.table_address


def test_argument_and_result_types_as_text():
    for t in (types.Array(types.float32, 3, "A", readonly=True), types.Array(types.int64, 1, "C"),
              types.Array(types.boolean, 2, "F"), types.UniTuple(types.int64, 3),
              types.NumberClass(types.float64), types.float64, types.boolean, types.uint8):
        assert units.type_from_spec(units.spec_of_type(t)) == t
    with pytest.raises(TypeError, match="no text form"):
        units.spec_of_type(types.unicode_type)
    with pytest.raises(ValueError, match="not a unit argument type"):
        units.type_from_spec("array(float64,2,Q,rw,al)")
    assert units.type_from_spec(units.result_spec("float32", 2)) == \
        types.Array(types.float32, 2, "C")
    assert units.type_from_spec(units.result_spec("bool", 0)) == types.boolean


def test_a_kernel_is_the_node_code_with_canonical_names():
    """Reads become parameters in the order they are read, the names set inside t0, t1...;
    attributes and the text of strings keep their names; a name read before it is set
    inside stays in the graph's function (its type is not known to declare)."""
    body = textwrap.dedent("""\
        n3 = v1.shape[0]
        if v2.shape[0] != n3:
            raise ValueError(12, 'v1 and v2 differ: {inp[0]}')
        out7 = np.empty((n3,), np.float64)
        for j in range(n3):
            out7[j] = v1[j] * v2[j]
    """)
    reads, writes = outline.names_of(body)
    assert reads == ["v1", "v2", "ValueError", "np", "range"]
    assert writes == ["n3", "out7", "j"]
    renamed = outline._renamed(body, {"v1": "a0", "v2": "a1", "n3": "t0"})
    assert "t0 = a0.shape[0]" in renamed and "'v1 and v2 differ" in renamed
    assert outline.names_of("acc = acc + x[0]\n") == (["acc", "x"], ["acc"])


def test_result_types_are_declared_and_checked(tmp_path, monkeypatch):
    """A unit's module declares its result type (its callers are typed without compiling
    it); a unit compiled to another type is a loud error, not a wrong call."""
    from minitheano.compiler.numba import cache
    src = textwrap.dedent('''\
        import numpy as np
        from numba import njit
        RESTYPE = "array(float64,1,C,rw,al)"


        @njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
        def kernel(a0):
            return a0.sum()
    ''')
    monkeypatch.setattr(th.config, "cache_dir", str(tmp_path))
    monkeypatch.setattr(pool, "_worker", None)  # the job must not reach a worker
    key = cache.cache_key(src)
    mod = cache.load_module(src, key)
    vec = types.Array(types.float64, 1, "C")
    assert units.result_type(mod.kernel, (vec,)) == vec  # declared: not compiled yet
    assert not mod.kernel.overloads
    units._pending.clear()
    with pytest.raises(AssertionError, match="declared array"):
        units.compile_job(mod.kernel, (vec,))


SCAN = """
    import numpy as np, minitheano as th
    from minitheano import tensor as T
    from minitheano.compiler.numba import pool
    worked = []  # jobs each compile worker reported done, seen as it ends
    stop = pool._Worker.stop
    pool._Worker.stop = lambda self: (worked.append(len(self.finished)), stop(self))
    x = T.dmatrix("x")
    h0 = T.dvector("h0")
    W = T.dmatrix("W")
    h, _ = th.scan(lambda x_t, h, W: T.tanh(T.dot(h, W) + x_t), sequences=x, outputs_info=h0,
                   non_sequences=W)
    f = th.function([x, h0, W], [h, (h ** 2).sum()])
    rng = np.random.default_rng(0)
    xv, hv, Wv = rng.standard_normal((6, 3)), rng.standard_normal(3), rng.standard_normal((3, 3))
    want, hh = [], hv
    for t in range(6):
        hh = np.tanh(hh @ Wv + xv[t])
        want.append(hh)
    got = f(xv, hv, Wv)
    assert np.allclose(got[0], want) and np.isclose(got[1], (np.array(want) ** 2).sum())
    misses = sum(sum(d.stats.cache_misses.values()) for d in {u.dispatcher for u in [f.thunk.unit]
                 + f.thunk.unit.callees})
    print(misses, int(sum(worked) > 0), int(pool._worker is None))
"""


def test_calls_are_recorded_for_a_later_process_and_a_unit_without_its_record_recompiles(
        tmp_path):
    first = _run(SCAN, tmp_path).split()
    assert int(first[0]) >= 2  # the graph's function and its loop compiled
    records = list(tmp_path.glob("mt_*" + units.SUFFIX))
    assert records  # the graph's function and the loop call units
    assert _run(SCAN, tmp_path).split()[0] == "0"  # loaded, tables built from the records
    for r in records:
        r.unlink()
    assert int(_run(SCAN, tmp_path).split()[0]) >= 1  # machine code without a record: compiled


def test_the_compile_worker_takes_jobs_and_without_it_all_compiles_here(tmp_path):
    """With a worker (forked when a graph needs compiling, ended when it is linked) it
    compiles some of the units; with compile_workers=0 there is none; same results."""
    misses, worked, ended = _run(SCAN, tmp_path / "a").split()
    assert worked == "1" and ended == "1"
    misses, worked, ended = _run(SCAN, tmp_path / "b",
                                 MINITHEANO_FLAGS="compile_workers=0").split()
    assert worked == "0"


def test_a_dead_worker_leaves_its_jobs_to_this_process(monkeypatch):
    """The worker killed while a graph compiles: this process compiles what is left."""
    compile_job, killed = units.compile_job, []

    def kill_then_compile(*key):
        if pool._worker is not None and not killed:
            os.kill(pool._worker.pid, 9)
            killed.append(pool._worker)
        return compile_job(*key)
    monkeypatch.setattr(units, "compile_job", kill_then_compile)
    y = T.dvector("y")
    g = th.function([y], [T.exp(y) * 3.125, T.sin(y).sum() * 0.625, T.tanh(y) - 1.5])
    v = np.arange(3.0)
    for got, want in zip(g(v), [np.exp(v) * 3.125, np.sin(v).sum() * 0.625, np.tanh(v) - 1.5]):
        np.testing.assert_allclose(got, want)
    assert killed and not killed[0].alive and pool._worker is None


def test_arguments_of_another_layout_are_copied_not_recompiled():
    """The graph's function is compiled for C-contiguous writable arrays (the one signature
    whose tables are filled); others are copied, on the checked and the direct call path."""
    x, y = T.dmatrix("x"), T.dmatrix("y")
    out = T.exp(x) - y
    xv, yv = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    for f in (th.function([x, y], out), th.function([x, y], out, trust_input=True)):
        ro = yv.copy()
        ro.flags.writeable = False
        for args in ((np.asfortranarray(xv), yv), (xv[:, :], ro), (xv.T.copy().T, yv[::1])):
            np.testing.assert_allclose(f(*args), np.exp(xv) - yv)
        assert len(f.thunk.fn.overloads) == 1


def test_a_helper_loaded_for_a_table_still_runs_from_python_and_links(tmp_path):
    """Machine code loaded for tables skips the bitcode kept for linking (linker._unlinked);
    a runtime helper loaded so is still callable from Python and linkable into new code."""
    script = """
        import numpy as np, minitheano as th
        from minitheano import tensor as T
        a, b = T.dtensor3("a"), T.dtensor3("b")
        f = th.function([a, b], T.concatenate([a, b], axis=1))
        v = np.ones((2, 2, 2))
        assert f(v, v).shape == (2, 4, 2)
        from numba import njit
        from minitheano.compiler.numba.runtime import copy
        dst = np.zeros((2, 4, 2))
        assert copy.place3(dst, 1, 0, v) == 2 and dst[:, :2].sum() == 8

        @njit
        def user(dst, src):
            return copy.place3(dst, 1, 2, src)
        assert user(dst, v * 2) == 4 and dst.sum() == 24
    """
    _run(script, tmp_path)
    _run(script, tmp_path)  # the helpers are loaded from the disk cache this time


def test_predicted_argument_types_are_the_ones_typing_finds(tmp_path):
    """The units a graph's function calls are queued from types told before Numba types it
    (predict.py): for the peephole LSTM's train step (its loops' arguments: C arrays, a
    transposed matrix, scalars, arenas) those are exactly the signatures compiled."""
    script = """
        import numpy as np
        from minitheano.compiler.numba import predict, units
        from minitheano.models.lstm import build_lstm_regression
        told = []
        arg_types = predict.arg_types
        def record(gen, args):
            t = arg_types(gen, args)
            told.append(t is not None)
            return t
        predict.arg_types = record
        model = build_lstm_regression(5, 7, batch=True, dtype="float64")
        x, t = np.ones((4, 3, 5)), np.zeros((4, 3, 7))
        assert np.isfinite(model.train(x, t))
        todo, seen = [model.train.thunk.unit], set()
        while todo:
            u = todo.pop()
            seen.add(u.dispatcher)
            todo += u.callees
        generated = [d for d in seen if d.py_func.__module__.startswith("mt_")]
        assert all(len(d.overloads) == 1 for d in generated), [d.signatures for d in generated]
        print(sum(told))
    """
    assert int(_run(script, tmp_path)) >= 3  # both loops and kernels of the function


def test_a_unit_whose_callee_now_returns_another_type_recompiles(tmp_path):
    """A record names each callee's result type; when it is not what the callee now
    returns (a runtime helper changed since), the caller is compiled again, not loaded to
    call it wrongly."""
    import json
    _run(SCAN, tmp_path)
    changed = 0
    for path in tmp_path.glob("mt_*" + units.SUFFIX):
        entries = json.loads(path.read_text())
        for rows in entries.values():
            for row in rows:
                if not row[0].startswith("mt_"):  # a runtime helper
                    row[3], changed = "array(float64, 9d, C)", changed + 1
        path.write_text(json.dumps(entries))
    assert changed
    assert int(_run(SCAN, tmp_path).split()[0]) >= 1
