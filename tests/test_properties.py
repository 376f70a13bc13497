"""Property tests (hypothesis): random elementwise/broadcasting graphs evaluated by `function`
equal the same expression in numpy; `grad` of random scalar costs equals finite differences."""
import numpy as np
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import minitheano as th
from minitheano import tensor as T

FULL = (2, 3, 4)
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])

def _float(f):
    """numpy twin of a float-valued op: integers compute in float64 (numpy would pick float16
    for int8; minitheano's rule is float64, or floatX for 8/16-bit ints, float64 here)."""
    return lambda a: f(a.astype("float64") if a.dtype.kind in "biu" else a)


def _np_div(a, b):
    d = 1 + np.square(b)
    if np.result_type(a, d).kind in "biu":
        a = np.asarray(a, "float64")
    return a / d


def _pad(a):
    """Left-pad with a broadcastable dim (keeps the right-aligned shapes compatible)."""
    return a.dimshuffle("x", *range(a.ndim)) if a.ndim < len(FULL) else a


# name: (minitheano builder, numpy builder); all total functions on the reals
UNARY = {
    "neg": (lambda a: -a, lambda a: -a),
    "tanh": (T.tanh, _float(np.tanh)),
    "sin": (T.sin, _float(np.sin)),
    "sqr": (T.sqr, np.square),
    "abs": (abs, np.abs),
    "sigmoid": (T.nnet.sigmoid, _float(lambda a: 1 / (1 + np.exp(-a)))),
    "softplus": (T.softplus, _float(lambda a: np.log1p(np.exp(a)))),
    "exp_tanh": (lambda a: T.exp(T.tanh(a)), _float(lambda a: np.exp(np.tanh(a)))),
    "pad": (_pad, lambda a: a[None] if a.ndim < len(FULL) else a),
}
BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / (1 + T.sqr(b)), _np_div),
    "maximum": (T.maximum, np.maximum),
    "minimum": (T.minimum, np.minimum),
    "switch": (lambda a, b: T.switch(a > b, a - b, b * 0.5),
               lambda a, b: np.where(a > b, a - b, b * 0.5)),
}


class Graph:
    """A symbolic expression built alongside its numpy twin."""

    def __init__(self):
        self.inputs, self.values = [], []


def leaf(draw, g: Graph, dtypes, rng):
    """A new input: random rank, random broadcastable dims (length 1), random dtype; or a
    Python scalar (which keeps the other operand's dtype)."""
    if draw(st.integers(0, 5)) == 0:
        c = draw(st.sampled_from([0.5, 2, -1.5, 3]))
        return c, c
    ndim = draw(st.integers(0, len(FULL)))
    shape = tuple(1 if draw(st.booleans()) else n for n in FULL[len(FULL) - ndim:])
    dtype = draw(st.sampled_from(dtypes))
    val = rng.normal(size=shape) * 2
    val = np.asarray(np.round(val) if dtype.startswith("int") else val).astype(dtype)
    var = T.TensorType(dtype, tuple(n == 1 for n in shape))(f"in{len(g.inputs)}")
    g.inputs.append(var)
    g.values.append(val)
    return var, val


def expr(draw, g: Graph, depth: int, dtypes, rng, unary=UNARY, binary=BINARY):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return leaf(draw, g, dtypes, rng)
    if draw(st.booleans()):
        name = draw(st.sampled_from(sorted(unary)))
        sym, val = expr(draw, g, depth - 1, dtypes, rng, unary, binary)
        if not isinstance(sym, T.TensorVariable):  # a Python scalar becomes a constant
            sym = T.as_tensor_variable(sym)
            val = np.asarray(sym.data)
        fs, fn = unary[name]
        return fs(sym), fn(val)
    name = draw(st.sampled_from(sorted(binary)))
    (s1, v1), (s2, v2) = (expr(draw, g, depth - 1, dtypes, rng, unary, binary) for _ in range(2))
    if not isinstance(s1, T.TensorVariable) and not isinstance(s2, T.TensorVariable):
        s1 = T.as_tensor_variable(s1)  # two Python scalars: make one a constant
        v1 = np.asarray(s1.data)
    fs, fn = binary[name]
    return fs(s1, s2), fn(v1, v2)


def build(data, dtypes, depth=4, **kw):
    g = Graph()
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    sym, val = expr(data.draw, g, depth, dtypes, rng, **kw)
    sym = T.as_tensor_variable(sym)
    return g, sym, (np.asarray(sym.data) if isinstance(sym, T.TensorConstant) else val)


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-10)


@settings(max_examples=50, **SETTINGS)
@given(st.data())
def test_random_elementwise_graphs_equal_numpy(data):
    g, out, expect = build(data, ("float64", "float64", "float32", "int32"))
    note(f"{th.printing.pp(out)} on {[v.type for v in g.inputs]}")
    got = th.function(g.inputs, out, mode="py", on_unused_input="ignore")(*g.values)
    assert got.shape == expect.shape
    assert all(n == 1 for n, b in zip(expect.shape, out.broadcastable) if b)
    assert got.dtype == out.dtype == expect.dtype, (out.dtype, expect.dtype)
    low = any(v.dtype == "float32" for v in g.values)  # float32 steps: float32 accuracy
    np.testing.assert_allclose(got, expect, **_tol("float32" if low else str(got.dtype)))


@settings(max_examples=4, **SETTINGS)
@given(st.data())
def test_random_graphs_default_mode_equals_py(data):
    """The default (compiled) mode agrees with the reference linker (few examples: each
    distinct graph costs a compilation)."""
    g, out, _ = build(data, ("float64",), depth=3)
    py = th.function(g.inputs, out, mode="py", on_unused_input="ignore")(*g.values)
    fast = th.function(g.inputs, out, on_unused_input="ignore")(*g.values)
    np.testing.assert_allclose(fast, py, rtol=1e-10, atol=1e-12)


SMOOTH_UNARY = {k: v for k, v in UNARY.items() if k != "abs"}
SMOOTH_BINARY = {k: BINARY[k] for k in ("add", "sub", "mul", "div")}


@settings(max_examples=30, **SETTINGS)
@given(st.data(), st.sampled_from(["sum", "mean", "sum_axis0"]))
def test_grad_of_random_scalar_costs_equals_finite_differences(data, reduce):
    g, out, _ = build(data, ("float64",), depth=3, unary=SMOOTH_UNARY, binary=SMOOTH_BINARY)
    if not g.inputs:
        return
    cost = {"sum": lambda o: o.sum(), "mean": lambda o: o.mean(),
            "sum_axis0": lambda o: (o.sum(axis=0) if o.ndim else o) * 1.5}[reduce]

    def fn(*xs):
        return cost(th.clone(out, replace=dict(zip(g.inputs, xs))))

    th.verify_grad(fn, g.values, mode="py", rel_tol=1e-4, abs_tol=1e-6)
