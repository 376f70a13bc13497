"""The Numba linker: disk cache (second process, corrupt entries, concurrent compiles), error
messages, the call path (input checks, trust_input, aliasing of outputs) and DebugMode."""
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import minitheano as th
from minitheano import config
from minitheano import tensor as T
from minitheano.compiler.debugmode import DebugModeError
from minitheano.compiler.numba import cache, numba_funcify
from minitheano.graphlib import Apply, Op

SCRIPT = textwrap.dedent("""
    import sys, numpy as np, minitheano as th
    from minitheano import tensor as T
    x, W = T.dvector("x"), T.dmatrix("W")
    f = th.function([x, W], T.tanh(T.dot(W, x) + {const}).sum())
    got = f(np.arange(3.0), np.ones((2, 3)))
    assert np.isclose(got, 2 * np.tanh(3.0 + {const})), got
    units, todo = {{}}, [f.thunk.unit]  # the graph's function and what it calls
    while todo:
        u = todo.pop()
        units[u.dispatcher] = u
        todo += u.callees
    hits = sum(sum(d.stats.cache_hits.values()) for d in units)
    misses = sum(sum(d.stats.cache_misses.values()) for d in units)
    print(len(units), hits, misses, int("scipy.linalg" in sys.modules))
""")


def _run(script: str, cache_dir) -> subprocess.Popen:
    env = dict(os.environ, MINITHEANO_CACHE_DIR=str(cache_dir), OPENBLAS_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _hits_misses(p: subprocess.Popen, scipy: bool | None = False) -> tuple[int, int, int]:
    """(units, cache hits, cache misses) of the function of SCRIPT run by `p`."""
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0, err
    *counts, imported_scipy = (int(v) for v in out.split())
    if scipy is not None:
        assert imported_scipy == scipy, "a warm load imported scipy.linalg"
    return tuple(counts)


def test_second_process_loads_from_disk_and_concurrent_compiles_agree(tmp_path):
    """Two processes compiling the same graph at once both succeed; a third compiles nothing
    (and loads without Numba's full initialisation, which imports scipy.linalg)."""
    script = SCRIPT.format(const="0.25")
    first = [_run(script, tmp_path), _run(script, tmp_path)]
    results = [_hits_misses(p, scipy=None) for p in first]
    assert all(n >= 2 and h + m >= n for n, h, m in results)  # the graph, a kernel, BLAS...
    modules = sorted(tmp_path.glob("mt_*.py"))
    n, hits, misses = _hits_misses(_run(script, tmp_path))
    assert (hits, misses) == (n, 0)
    assert sorted(tmp_path.glob("mt_*.py")) == modules
    assert not list(tmp_path.glob(".*.tmp"))


def test_corrupt_or_foreign_cache_entries_are_rebuilt():
    x = T.dvector("x")
    out = T.exp(x) * 3.5 - 1.25  # a graph no other test compiles
    f = th.function([x], out)
    path = f.thunk.path
    key = os.path.basename(path)[3:-3]
    index = [p for p in os.listdir(os.path.join(os.path.dirname(path), "__pycache__"))
             if p.startswith(f"mt_{key}") and p.endswith(".nbi")]
    assert index, "numba wrote no cache index"
    for name in index:  # a corrupt numba index
        with open(os.path.join(os.path.dirname(path), "__pycache__", name), "wb") as fh:
            fh.write(b"garbage")
    sys.modules.pop(f"mt_{key}")
    g = th.function([x], out)
    np.testing.assert_allclose(g(np.zeros(2)), [2.25, 2.25])
    with open(path, "w") as fh:  # a foreign source under our name
        fh.write("def graph(*a):\n    return ('wrong',)\n")
    sys.modules.pop(f"mt_{key}")
    h = th.function([x], out)
    np.testing.assert_allclose(h(np.zeros(2)), [2.25, 2.25])
    assert "_ln.call(fns, 0, " in open(path).read()  # ours again: it calls its kernel
    kernel = next(u.dispatcher for u in h.thunk.unit.callees if u.dispatcher.py_func.__name__
                  == "kernel")
    kpath = kernel.py_func.__code__.co_filename  # a corrupt index of the kernel: rebuilt too
    kname = os.path.basename(kpath)[:-3]
    pycache = os.path.join(os.path.dirname(kpath), "__pycache__")
    for name in os.listdir(pycache):
        if name.startswith(kname) and name.endswith(".nbi"):
            with open(os.path.join(pycache, name), "wb") as fh:
                fh.write(b"garbage")
    for name in (f"mt_{key}", kname):
        sys.modules.pop(name)
    k = th.function([x], out)
    np.testing.assert_allclose(k(np.zeros(2)), [2.25, 2.25])


def test_cache_key_is_structural():
    """Variable names do not change the generated code; constants and dtypes do."""
    def src(name, c, dt):
        x = T.TensorType(dt, (False,))(name)
        return th.function([x], x * c + 1).dump_source()
    assert src("a", 2.0, "float64") == src("b", 2.0, "float64")
    assert src("a", 2.0, "float64") != src("a", 3.0, "float64")
    assert src("a", 2.0, "float64") != src("a", 2.0, "float32")
    assert cache.cache_key("x") != cache.cache_key("y")


def test_dump_source_and_config_flag(capsys):
    x = T.dvector("x")
    f = th.function([x], T.sqrt(x) + 1)
    assert "@njit(cache=True" in f.dump_source() and "np.sqrt" in f.dump_source()
    config.dump_source = True
    try:
        th.function([x], T.sqrt(x) + 1)
    finally:
        config.dump_source = False
    assert "def graph(" in capsys.readouterr().out


def test_runtime_errors_name_the_node_and_line():
    x, y = T.dmatrix("x"), T.dmatrix("y")
    f = th.function([x, y], T.exp(x) + y)
    with pytest.raises(ValueError, match=r"(?s)dimension 1.*'x'\) has 4.*'y'\) has 5.*"
                                         r"built at .*test_linker.py"):
        f(np.ones((3, 4)), np.ones((3, 5)))
    ft = th.function([x, y], T.exp(x) + y, trust_input=True)  # the direct call path
    with pytest.raises(ValueError, match=r"(?s)dimension 1.*'x'\) has 4.*'y'\) has 5"):
        ft(np.ones((3, 4)), np.ones((3, 5)))
    v, i = T.dvector("v"), T.lscalar("i")
    g = th.function([v, i], v[i] * 2)
    with pytest.raises(IndexError, match="out of bounds"):
        g(np.ones(3), 5)


def test_call_path_checks_and_trust_input():
    x = T.fvector("x")
    f = th.function([x], x * 2)
    np.testing.assert_array_equal(f([1, 2]), np.array([2, 4], "float32"))  # converted
    with pytest.raises(TypeError):
        f(np.ones(2))  # float64 into float32 needs allow_input_downcast
    with pytest.raises(TypeError, match="expected a 1-d array"):
        f(np.ones((2, 2), "float32"))
    ft = th.function([x], x * 2, trust_input=True)
    np.testing.assert_array_equal(ft(np.ones(2, "float32")), [2, 2])
    # a non-contiguous input compiles another specialisation, same results
    a = np.arange(6, dtype="float32")[::2]
    np.testing.assert_array_equal(f(a), a * 2)


def test_outputs_never_alias_inputs_or_each_other():
    x = T.dmatrix("x")
    s = th.shared(np.ones(3), name="s")
    s2 = th.shared(np.zeros(3), name="s2")
    f = th.function([x], [x, x.T, x * 1, x * 1, s], updates=[(s, s2), (s2, s2 + 1)])
    a = np.ones((2, 3))
    o = f(a)
    assert not any(np.shares_memory(r, a) for r in o[:2])
    assert not np.shares_memory(o[2], o[3])
    assert not np.shares_memory(s.get_value(borrow=True), s2.get_value(borrow=True))
    assert not np.shares_memory(o[4], s.get_value(borrow=True))


def test_inplace_update_keeps_the_shared_buffer():
    """W -= lr * g is written into W's own buffer (inplace), and inputs stay untouched."""
    W = th.shared(np.ones((4, 3)), name="W")
    x = T.dvector("x")
    cost = T.sum(T.dot(W, x) ** 2)
    f = th.function([x], cost, updates=[(W, W - 0.1 * T.grad(cost, W))])
    buf = W.get_value(borrow=True)
    xv = np.arange(3.0)
    f(xv)
    np.testing.assert_array_equal(xv, np.arange(3.0))
    ref = np.ones((4, 3)) - 0.1 * 2 * np.outer(np.ones(4) * 3, np.arange(3.0))
    np.testing.assert_allclose(W.get_value(), ref)
    assert W.get_value(borrow=True) is buf


class _Twice(Op):
    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, out):
        out[0][0] = inputs[0] * 2


@numba_funcify.register(_Twice)
def _wrong_lowering(op, node, ctx):  # deliberately wrong: DebugMode must catch it
    ctx.emit(f"{ctx.out()} = {ctx[node.inputs[0]]} * 3.0")


def test_debugmode_names_the_first_differing_node():
    y = T.dvector("y")
    ok = th.function([y], T.nnet.softmax(T.stack([y, y * 2])), mode="DebugMode")
    ok(np.arange(3.0))
    bad = th.function([y], T.exp(_Twice()(y)) + 1, mode="DebugMode")
    with pytest.raises(DebugModeError, match=r"(?s)first differing node: _Twice\(y\).*"
                                             r"numba .*6\.0.*reference .*4\.0"):
        bad(np.arange(3.0))


def test_error_of_generated_code_is_mapped_to_its_node():
    """When the py reference does not fail (a lowering bug), the message still names the node."""
    from minitheano.compiler.numba.linker import _map_error
    x = T.dvector("x")
    node = (x * 2).owner
    err = _map_error(ValueError(0, "shape mismatch in dimension {0}: input 0 ({inp[0]})"), [node])
    assert isinstance(err, ValueError)
    assert "shape mismatch in dimension ?: input 0 ('x')" in str(err) and "in node" in str(err)


def test_loops_are_shared_kernels_and_the_graph_function_has_none():
    """Each node that loops is a kernel the graph's function calls through its table; alike
    nodes (here the same update of four weights) call one kernel; results are numpy's."""
    ws = [T.dmatrix(f"w{k}") for k in range(4)]
    gs = [T.dmatrix(f"g{k}") for k in range(4)]
    x = T.dvector("x")
    outs = [w - 0.125 * g for w, g in zip(ws, gs)] + [T.exp(x) * 2, (x ** 2).sum(), T.max(x)]
    f = th.function(ws + gs + [x], outs)
    graph, *kernels = f.dump_source().split("\n# ---- ")
    body = graph.split("def graph(")[1]
    calls = re.findall(r"_ln\.call(?:_t)?\(fns, \d+, (_k\w+)\.kernel, ", body)
    assert not re.search(r"^\s+for ", body, re.M) and len(calls) == 8  # x**2 and its sum: 2
    assert len(set(calls)) == len(kernels) == 5  # the four updates call one kernel
    rng = np.random.default_rng(0)
    vals = [rng.standard_normal((3, 2)) for _ in range(8)] + [np.linspace(-1, 2, 5)]
    want = [w - 0.125 * g for w, g in zip(vals[:4], vals[4:8])]
    want += [np.exp(vals[8]) * 2, (vals[8] ** 2).sum(), vals[8].max()]
    for got, w in zip(f(*vals), want):
        np.testing.assert_allclose(got, w, rtol=1e-14)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32", "int64", "bool"])
def test_scalar_results_are_0d_arrays_of_their_dtype(dtype):
    """The compiled graph returns 0-d results as bare scalars; every call path makes them
    0-d arrays again: the direct call, the thunk (constants, shared updates), DebugMode."""
    x = T.scalar("x", dtype=dtype)
    y = x if dtype == "bool" else x + np.asarray(2, dtype)
    s = th.shared(np.zeros((), dtype), name="s")
    value = np.asarray(True if dtype == "bool" else 3, dtype)
    for f in (th.function([x], y), th.function([x], [y, y], updates={s: y}),
              th.function([x], y, mode="DebugMode")):
        out = f(value)
        for r in out if isinstance(out, list) else [out]:
            assert isinstance(r, np.ndarray) and r.shape == () and r.dtype == dtype
            assert r == (value if dtype == "bool" else value + 2)
    assert s.get_value().dtype == dtype and s.get_value() == y.eval({x: value})
