"""Elementwise ops against numpy: every scalar op of the table, dtype rules, broadcasting,
DimShuffle, cast, Composite; gradients against finite differences."""
import zlib

import numpy as np
import pytest

import minitheano as th
from minitheano import tensor as T
from minitheano.ops import scalar as S
from minitheano.ops.elemwise import DimShuffle, Elemwise
from tests.helpers import check_infer_shape, run


def sample(domain: str, shape, dtype: str, rng) -> np.ndarray:
    """Random values of `dtype` in a domain where the op under test is defined (and smooth)."""
    if dtype == "bool":
        return rng.random(shape) > 0.5
    ints = np.dtype(dtype).kind in "iu"
    if domain == "nonzero":
        mag = rng.integers(1, 4, shape) if ints else rng.uniform(0.5, 3, shape)
        sign = 1 if np.dtype(dtype).kind == "u" else rng.choice([-1, 1], shape)
        return np.asarray(mag * sign).astype(dtype)
    lo, hi = {"real": (-3, 3), "pos": (0.2, 3), "gtm1": (-0.8, 3), "small": (-1.2, 1.2),
              "exponent": (0, 3), "lo": (-2, -0.5), "hi": (0.5, 2)}[domain]
    if ints:
        lo, hi = (max(int(np.ceil(lo)), 1 if domain == "pos" else -10), int(np.floor(hi)))
        if np.dtype(dtype).kind == "u":
            lo = max(lo, 0)
        return rng.integers(lo, hi + 1, shape).astype(dtype)
    return rng.uniform(lo, hi, shape).astype(dtype)


def expected_dtype(kind: str, *dtypes: str) -> str:
    """The dtype rule: numpy promotion; comparisons give bool; transcendental functions of
    integers compute in float64 (in config.floatX for 8/16-bit integers and bool)."""
    if kind == "bool":
        return "bool"
    up = np.result_type(*dtypes)
    if kind == "float" and up.kind not in "fc":
        return th.config.floatX if up.itemsize <= 2 else "float64"
    return str(up)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# name: (minitheano function, numpy reference, input domains, dtype kind)
UNARY = {
    "neg": (T.neg, np.negative, "real", "same"),
    "abs": (T.abs_, np.abs, "real", "same"),
    "sgn": (T.sgn, np.sign, "real", "same"),
    "exp": (T.exp, np.exp, "real", "float"),
    "exp2": (T.exp2, np.exp2, "real", "float"),
    "log": (T.log, np.log, "pos", "float"),
    "log2": (T.log2, np.log2, "pos", "float"),
    "log10": (T.log10, np.log10, "pos", "float"),
    "log1p": (T.log1p, np.log1p, "gtm1", "float"),
    "expm1": (T.expm1, np.expm1, "real", "float"),
    "sqrt": (T.sqrt, np.sqrt, "pos", "float"),
    "sqr": (T.sqr, np.square, "real", "same"),
    "sin": (T.sin, np.sin, "real", "float"),
    "cos": (T.cos, np.cos, "real", "float"),
    "tan": (T.tan, np.tan, "small", "float"),
    "tanh": (T.tanh, np.tanh, "real", "float"),
    "sigmoid": (T.sigmoid, _sigmoid, "real", "float"),
    "softplus": (T.softplus, lambda x: np.log1p(np.exp(x)), "real", "float"),
    "floor": (T.floor, np.floor, "real", "float"),
    "ceil": (T.ceil, np.ceil, "real", "float"),
    "round_half_to_even": (T.round, np.round, "real", "float"),
    "identity": (T.tensor_copy, np.copy, "real", "same"),
    "invert": (T.invert, np.invert, "real", "int"),
}
BINARY = {
    "add": (T.add, np.add, ("real", "real"), "same"),
    "sub": (T.sub, np.subtract, ("real", "real"), "same"),
    "mul": (T.mul, np.multiply, ("real", "real"), "same"),
    "true_div": (T.true_div, np.true_divide, ("real", "nonzero"), "float"),
    "int_div": (T.int_div, np.floor_divide, ("real", "nonzero"), "same"),
    "mod": (T.mod, np.mod, ("real", "nonzero"), "same"),
    "pow": (T.pow, np.power, ("pos", "real"), "same"),
    "maximum": (T.maximum, np.maximum, ("real", "real"), "same"),
    "minimum": (T.minimum, np.minimum, ("real", "real"), "same"),
    "lt": (T.lt, np.less, ("real", "real"), "bool"),
    "le": (T.le, np.less_equal, ("real", "real"), "bool"),
    "gt": (T.gt, np.greater, ("real", "real"), "bool"),
    "ge": (T.ge, np.greater_equal, ("real", "real"), "bool"),
    "eq": (T.eq, np.equal, ("real", "real"), "bool"),
    "neq": (T.neq, np.not_equal, ("real", "real"), "bool"),
    "and_": (T.and_, np.bitwise_and, ("real", "real"), "int"),
    "or_": (T.or_, np.bitwise_or, ("real", "real"), "int"),
    "xor": (T.xor, np.bitwise_xor, ("real", "real"), "int"),
}
TERNARY = {
    "switch": (T.switch, np.where, ("bool", "real", "real"), "same"),
    "clip": (T.clip, np.clip, ("real", "lo", "hi"), "same"),
}
FLOATS, INTS, BITS = ("float64", "float32"), ("int32", "int8", "uint8"), ("int32", "int8", "bool")


def test_table_is_covered():
    """Every scalar op of ops/scalar.py is exercised here (a new row needs a test row)."""
    assert set(S.SCALAR_OPS) == set(UNARY) | set(BINARY) | set(TERNARY)


def _tolerance(dtype):
    return dict(rtol=2e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)


def _check_against_numpy(fn, ref, vals, kind):
    """fn on symbols of the values' types: symbolic dtype by the rule, values as numpy's."""
    syms = [T.TensorType(str(v.dtype), (False,) * v.ndim)(f"in{k}") for k, v in enumerate(vals)]
    out = fn(*syms)
    operands = vals[1:] if fn is T.switch else vals  # switch's condition does not upcast
    want_dtype = expected_dtype(kind, *[str(v.dtype) for v in operands])
    assert out.dtype == want_dtype, f"symbolic dtype {out.dtype}, expected {want_dtype}"
    got = run(syms, out, *vals)
    assert got.dtype == out.dtype
    wide = [v.astype("float64") if v.dtype.kind == "f" or kind == "float" else v for v in vals]
    expect = np.asarray(ref(*wide))
    np.testing.assert_allclose(got, expect.astype(got.dtype) if kind != "float" else expect,
                               **_tolerance(got.dtype))


def _rng(*key) -> np.random.Generator:
    """A generator seeded by the test case (stable across processes, unlike hash())."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


# bitwise ops have their own test; unsigned wrap-around of neg/sub is numpy's business
UNARY_CASES = [(n, d) for n in sorted(UNARY) for d in FLOATS + INTS
               if UNARY[n][3] != "int" and not (n in ("neg", "sgn", "abs") and d == "uint8")]
BINARY_CASES = [(n, d) for n in sorted(BINARY) for d in FLOATS + INTS
                if BINARY[n][3] != "int" and not (n == "sub" and d == "uint8")]


@pytest.mark.parametrize("name,dtype", UNARY_CASES)
def test_unary_against_numpy(name, dtype):
    fn, ref, domain, kind = UNARY[name]
    rng = _rng(name, dtype)
    _check_against_numpy(fn, ref, [sample(domain, (3, 4), dtype, rng)], kind)


@pytest.mark.parametrize("dtype", BITS)
@pytest.mark.parametrize("name", ["invert", "and_", "or_", "xor"])
def test_bitwise_on_ints_and_bools(name, dtype):
    rng = np.random.default_rng(7)
    table = UNARY if name in UNARY else BINARY
    fn, ref, domain, kind = table[name]
    n = 1 if name in UNARY else 2
    _check_against_numpy(fn, ref, [sample("real", (5,), dtype, rng) for _ in range(n)], kind)


@pytest.mark.parametrize("name", ["invert", "and_", "or_", "xor"])
def test_bitwise_rejects_floats(name):
    x = T.dvector("x")
    with pytest.raises(TypeError, match="float64"):
        (UNARY if name in UNARY else BINARY)[name][0](*[x] * (1 if name in UNARY else 2))


@pytest.mark.parametrize("name,dtype", BINARY_CASES)
def test_binary_against_numpy(name, dtype):
    fn, ref, domains, kind = BINARY[name]
    if name == "pow" and dtype in INTS:
        domains = ("real", "exponent")
    rng = _rng(name, dtype)
    vals = [sample(d, (3, 4), dtype, rng) for d in domains]
    if name in ("eq", "neq", "le", "ge"):
        vals[1][0] = vals[0][0]  # make some elements equal
    _check_against_numpy(fn, ref, vals, kind)


@pytest.mark.parametrize("dtype", FLOATS + ("int32",))
@pytest.mark.parametrize("name", sorted(TERNARY))
def test_ternary_against_numpy(name, dtype):
    fn, ref, domains, kind = TERNARY[name]
    rng = np.random.default_rng(3)
    vals = [sample(d, (3, 4), "bool" if d == "bool" else dtype, rng) for d in domains]
    _check_against_numpy(fn, ref, vals, kind)


@pytest.mark.parametrize("a,b", [("float32", "float64"), ("int32", "float32"), ("int8", "float32"),
                                 ("int8", "int32"), ("uint8", "int8"), ("bool", "int8"),
                                 ("int64", "float64"), ("bool", "float32")])
@pytest.mark.parametrize("name", ["add", "mul", "true_div", "maximum", "lt"])
def test_mixed_dtypes_follow_numpy_promotion(name, a, b):
    fn, ref, _, kind = BINARY[name]
    rng = np.random.default_rng(5)
    dom = "nonzero" if name == "true_div" else "real"
    _check_against_numpy(fn, ref, [sample("real", (4,), a, rng), sample(dom, (4,), b, rng)], kind)


def test_python_scalars_keep_the_tensor_dtype():
    f32, i32, i8, f64 = T.fvector("f"), T.ivector("i"), T.bvector("b"), T.dvector("d")
    cases = [(f32 + 1, "float32"), (f32 * 1.5, "float32"), (1.5 - f32, "float32"),
             (f32 ** 2, "float32"), (2 ** f32, "float32"), (f32 / 2, "float32"),
             (T.maximum(f32, 0), "float32"), (T.switch(f32 > 0, f32, 0), "float32"),
             (T.clip(f32, 0, 1), "float32"), (i32 + 1, "int32"), (i32 * 2.5, "float64"),
             (i32 / 2, "float64"), (i32 // 2, "int32"), (i8 + 1, "int8"), (i8 + 300, "int16"),
             (f64 + 1, "float64"), (f32 > 0.5, "bool"), (T.eq(i32, 3), "bool"),
             (f32 + np.float64(1), "float64"), (f32 + np.float32(1), "float32"),
             (T.mul(f32, 1.5, f32), "float32"), (T.add(2, i8, 1), "int8")]
    for expr, dtype in cases:
        assert expr.dtype == dtype, (expr, expr.dtype, dtype)
    vals = dict(f=np.array([0.5, -1.25], "float32"), i=np.array([3, -4], "int32"),
                b=np.array([100, -7], "int8"), d=np.array([1.5, 2.0]))
    fun = th.function([f32, i32, i8, f64], [e for e, _ in cases], mode="py")
    got = fun(vals["f"], vals["i"], vals["b"], vals["d"])
    f, i, b, d = vals["f"].astype("float64"), vals["i"], vals["b"].astype("int64"), vals["d"]
    expect = [f + 1, f * 1.5, 1.5 - f, f ** 2, 2 ** f, f / 2, np.maximum(f, 0),
              np.where(f > 0, f, 0), np.clip(f, 0, 1), i + 1, i * 2.5, i / 2, i // 2, b + 1,
              b + 300, d + 1, f > 0.5, i == 3, f + 1, f + 1, f * 1.5 * f, b + 3]
    for g, e, (_, dtype) in zip(got, expect, cases):
        assert g.dtype == dtype
        np.testing.assert_allclose(g, e, rtol=1e-6)


def test_float32_graph_stays_float32():
    x, y = T.fmatrix("x"), T.fvector("y")
    out = T.tanh(x * 2 + y) / (1 + T.exp(-x)) - T.sqrt(T.sqr(y) + 1.0) ** 0.5
    assert out.dtype == "float32"
    g = T.grad(out.sum(), [x, y])
    assert [v.dtype for v in g] == ["float32", "float32"]


def test_floatX_float32_for_small_ints_and_constants():
    old = th.config.floatX
    th.config.floatX = "float32"
    try:
        assert T.exp(T.bvector()).dtype == "float32"
        assert T.exp(T.ivector()).dtype == "float64"
        assert T.vector().dtype == "float32"
        assert T.constant(1.5).dtype == "float32"
    finally:
        th.config.floatX = old
    assert T.exp(T.bvector()).dtype == "float64"


# -- broadcasting ------------------------------------------------------------------------------
def test_broadcasting_row_col_and_padding(mode):
    x, r, c, v = T.dmatrix("x"), T.drow("r"), T.dcol("c"), T.dvector("v")
    assert (r + c).broadcastable == (False, False)
    assert (r + r).broadcastable == (True, False)
    assert (v + x).type == x.type
    rng = np.random.default_rng(0)
    X, R, C, V = (rng.normal(size=s) for s in [(2, 3), (1, 3), (2, 1), (3,)])
    got = run([x, r, c, v], [r + c, x * r - c, v + x, r * v], X, R, C, V, mode=mode)
    for g, e in zip(got, [R + C, X * R - C, V + X, R * V]):
        np.testing.assert_allclose(g, e)


def test_broadcasting_declared_patterns():
    bc3 = T.TensorType("float64", (True, False, True))("t")
    m = T.dmatrix("m")
    out = bc3 * m.dimshuffle("x", 0, 1)
    assert out.broadcastable == (True, False, False)
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(1, 3, 1)), rng.normal(size=(3, 4))
    np.testing.assert_allclose(run([bc3, m], out, a, b), a * b[None])
    v = T.dvector("v")
    np.testing.assert_allclose(run([v], v.dimshuffle(0, "x") * v.dimshuffle("x", 0), b[0]),
                               np.outer(b[0], b[0]))
    check_infer_shape(out, [bc3, m], [a, b])


def test_undeclared_runtime_length_one_is_an_error(mode):
    x, y, v = T.dmatrix("x"), T.dmatrix("y"), T.dvector("v")
    with pytest.raises(ValueError, match=r"(?s)dimension 0.*'x'\) has 3.*'y'\) has 1.*broadcast"):
        run([x, y], x + y, np.ones((3, 4)), np.ones((1, 4)), mode=mode)
    with pytest.raises(ValueError, match=r"(?s)dimension 1.*'v'.*\) has 1.*broadcast"):
        run([x, v], x * v, np.ones((3, 4)), np.ones(1), mode=mode)
    # declaring the dimension broadcastable makes it legal
    got = run([x, y], x + T.addbroadcast(y, 0), np.ones((3, 4)), np.full((1, 4), 2.0), mode=mode)
    np.testing.assert_allclose(got, np.full((3, 4), 3.0))


def test_mismatched_lengths_name_the_inputs(mode):
    x, y = T.dmatrix("x"), T.dmatrix("y")
    with pytest.raises(ValueError, match=r"(?s)dimension 1.*'x'\) has 4.*'y'\) has 5"):
        run([x, y], x - y, np.ones((3, 4)), np.ones((3, 5)), mode=mode)


def test_elemwise_infer_shape():
    x, r, c, v = T.dmatrix("x"), T.drow("r"), T.dcol("c"), T.dvector("v")
    vals = [np.ones((2, 3)), np.ones((1, 3)), np.ones((2, 1)), np.ones(3)]
    check_infer_shape([r + c, x * v, T.switch(x > 0, r, c), T.exp(c)], [x, r, c, v], vals)


def test_inplace_pattern_overwrites_the_input():
    x, y = T.dvector("x"), T.dvector("y")
    op = Elemwise(S.SCALAR_OPS["add"], {0: 0})
    assert op.destroy_map == {0: [0]} and op != Elemwise(S.SCALAR_OPS["add"])
    node = op.make_node(x, y)
    a, b = np.arange(3.0), np.ones(3)
    out = [[None]]
    op.perform(node, [a, b], out)
    assert out[0][0] is a and np.array_equal(a, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="cannot hold"):
        Elemwise(S.SCALAR_OPS["add"], {0: 0}).make_node(T.drow(), T.dmatrix())


def test_elemwise_wrong_input_count():
    with pytest.raises(TypeError, match="expected 2 inputs, got 3"):
        Elemwise(S.SCALAR_OPS["sub"])(T.dvector(), T.dvector(), T.dvector())


# -- DimShuffle, transpose ---------------------------------------------------------------------
@pytest.mark.parametrize("pattern,ref", [
    ((2, 0, 1), lambda a: a.transpose(2, 0, 1)),
    ((1, 0, 2), lambda a: a.transpose(1, 0, 2)),
    (("x", 0, "x", 1, 2), lambda a: a[None, :, None]),
    ((0, 1, 2, "x"), lambda a: a[..., None]),
])
def test_dimshuffle(pattern, ref):
    t = T.dtensor3("t")
    a = np.arange(24.0).reshape(2, 3, 4)
    out = t.dimshuffle(*pattern)
    assert out.broadcastable == tuple(o == "x" for o in pattern)
    np.testing.assert_array_equal(run([t], out, a), ref(a))
    check_infer_shape(out, [t], [a])
    th.verify_grad(lambda x: x.dimshuffle(*pattern), [a / 10], mode="py")


def test_dimshuffle_drops_broadcastable_dims():
    r = T.drow("r")
    out = r.dimshuffle(1)
    assert out.type == T.dvector().type
    np.testing.assert_array_equal(run([r], out, np.array([[1.0, 2.0]])), [1.0, 2.0])
    th.verify_grad(lambda x: x.dimshuffle("x", 1), [np.array([[1.0, 2.0, 3.0]])], mode="py")
    th.verify_grad(lambda x: x.dimshuffle(1, 0, "x"), [np.ones((1, 3))], mode="py")


@pytest.mark.parametrize("bad,msg", [((0, 0), "repeated"), ((0, 2), "refers to dimension 2"),
                                     ((1,), "cannot drop dimension 0")])
def test_dimshuffle_errors(bad, msg):
    with pytest.raises(ValueError, match=msg):
        T.dmatrix("m").dimshuffle(*bad)


def test_transpose_and_T():
    m, v, t = T.dmatrix("m"), T.dvector("v"), T.dtensor3("t")
    a, b = np.arange(6.0).reshape(2, 3), np.arange(24.0).reshape(2, 3, 4)
    got = run([m, v, t], [m.T, v.T, t.T, t.transpose(1, 2, 0), T.transpose(t, (0, 2, 1))],
              a, a[0], b)
    for g, e in zip(got, [a.T, a[0], b.T, b.transpose(1, 2, 0), b.transpose(0, 2, 1)]):
        np.testing.assert_array_equal(g, e)
    assert m.T.name == "m.T"
    th.verify_grad(lambda x: x.T, [a], mode="py")


def test_dimshuffle_and_cast_in_each_mode(mode):
    t, i = T.dtensor3("t"), T.ivector("i")
    a, b = np.arange(24.0).reshape(2, 3, 4) / 7, np.array([3, -2, 5, 0], "int32")
    outs = [t.dimshuffle(2, "x", 0, 1) * 2, t.T + 1, T.cast(t, "int32"), T.cast(i, "float32") / 2,
            T.cast(t > 1.0, "float64"), T.exp(i) + t]
    expect = [a.transpose(2, 0, 1)[:, None] * 2, a.T + 1, a.astype("int32"),
              b.astype("float32") / 2, (a > 1.0).astype("float64"), np.exp(b) + a]
    for o, g, e in zip(outs, run([t, i], outs, a, b, mode=mode), expect):
        assert g.dtype == o.dtype == e.dtype
        np.testing.assert_allclose(g, e, rtol=1e-6)


# -- cast ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("src,dst", [("float64", "int32"), ("float64", "float32"), ("int32", "float64"),
                                     ("float32", "bool"), ("bool", "float32"), ("int64", "int8"),
                                     ("float32", "uint8")])
def test_cast_against_numpy(src, dst):
    x = T.TensorType(src, (False,))("x")
    a = np.array([-1.7, 0.0, 0.5, 2.9, 120.0]).astype(src) if src != "bool" else np.array([True, False])
    if dst == "uint8":
        a = np.abs(a)
    out = T.cast(x, dst)
    assert out.dtype == dst
    got = run([x], out, a)
    assert got.dtype == dst
    np.testing.assert_array_equal(got, a.astype(dst))


def test_cast_same_dtype_and_floatX():
    x = T.dvector("x")
    assert T.cast(x, "float64") is x
    assert T.cast(x, "floatX").dtype == th.config.floatX
    assert x.astype("int32").dtype == "int32"


def test_cast_grad():
    th.verify_grad(lambda x: T.cast(x, "float64") ** 2, [np.array([0.5, -1.5], "float32")], mode="py")
    th.verify_grad(lambda x: T.cast(x, "float64") * 3, [np.ones((1, 3), "float32")], mode="py")
    x = T.dvector("x")
    g = T.grad(T.cast(T.cast(x, "int32"), "float64").sum(), x)
    np.testing.assert_array_equal(run([x], g, np.array([1.5, 2.5])), [0.0, 0.0])


# -- Composite ------------------------------------------------------------------------------------
def test_composite_impl_and_formula():
    add, exp, mul = S.SCALAR_OPS["add"], S.SCALAR_OPS["exp"], S.SCALAR_OPS["mul"]
    comp = S.Composite(2, ("float64", "float64"),
                       ((add, (0, 1), "float64"), (exp, (2,), "float64"), (mul, (3, 0), "float64")),
                       (4, 2))
    assert comp.formula() == ["mul(exp(add(i0, i1)), i0)", "add(i0, i1)"]
    assert comp == S.Composite(2, ("float64", "float64"), comp.graph, comp.outputs)
    x, y = T.dmatrix("x"), T.drow("y")
    outs = Elemwise(comp)(x, y)
    a, b = np.arange(6.0).reshape(2, 3) / 6, np.array([[0.5, -1.0, 2.0]])
    got = run([x, y], outs, a, b)
    np.testing.assert_allclose(got[0], np.exp(a + b) * a)
    np.testing.assert_allclose(got[1], a + b)


# -- gradients ------------------------------------------------------------------------------------
DIFFERENTIABLE_UNARY = ["neg", "abs", "exp", "exp2", "log", "log2", "log10", "log1p", "expm1",
                        "sqrt", "sqr", "sin", "cos", "tan", "tanh", "sigmoid", "softplus",
                        "identity"]
DIFFERENTIABLE_BINARY = ["add", "sub", "mul", "true_div", "pow", "maximum", "minimum", "mod"]
ZERO_GRAD = ["sgn", "floor", "ceil", "round_half_to_even", "int_div"]


@pytest.mark.parametrize("shape", [(2, 3), (1, 3)])
@pytest.mark.parametrize("name", DIFFERENTIABLE_UNARY)
def test_unary_grad(name, shape):
    fn, _, domain, _ = UNARY[name]
    rng = np.random.default_rng(11)
    th.verify_grad(fn, [sample("nonzero" if name == "abs" else domain, shape, "float64", rng)],
                   mode="py", rng=rng)


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((2, 1, 4), (3, 1))])
@pytest.mark.parametrize("name", DIFFERENTIABLE_BINARY)
def test_binary_grad(name, shapes):
    fn, _, domains, _ = BINARY[name]
    rng = np.random.default_rng(12)
    th.verify_grad(fn, [sample(d, s, "float64", rng) for d, s in zip(domains, shapes)],
                   mode="py", rng=rng)


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 1), (1, 4))])
def test_switch_grad(shapes):
    cond = np.random.default_rng(0).random((3, 4)) > 0.5
    rng = np.random.default_rng(13)
    th.verify_grad(lambda a, b: T.switch(cond, a, b), [rng.normal(size=s) for s in shapes],
                   mode="py", rng=rng)


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4), (3, 4)), ((3, 4), (), (1, 4))])
def test_clip_grad(shapes):
    rng = np.random.default_rng(14)
    vals = [sample(d, s, "float64", rng) for d, s in zip(("real", "lo", "hi"), shapes)]
    th.verify_grad(T.clip, vals, mode="py", rng=rng)


def test_grad_sums_over_broadcast_dims():
    r, m = T.drow("r"), T.dmatrix("m")
    g = T.grad((T.exp(r + m) * 2).sum(), r)
    assert g.type == r.type
    a, b = np.array([[0.1, 0.2]]), np.array([[1.0, 2.0], [3.0, 4.0], [0.0, 1.0]])
    np.testing.assert_allclose(run([r, m], g, a, b), (2 * np.exp(a + b)).sum(0, keepdims=True))


@pytest.mark.parametrize("name", ZERO_GRAD + ["lt", "eq"])
def test_piecewise_constant_ops_have_zero_grad(name):
    fn = UNARY.get(name, BINARY.get(name))[0]
    x = T.dvector("x")
    out = fn(x) if name in UNARY else fn(x, 1.5)
    g = T.grad(T.cast(out, "float64").sum(), x)
    np.testing.assert_array_equal(run([x], g, np.array([0.3, -1.2, 2.7])), np.zeros(3))
