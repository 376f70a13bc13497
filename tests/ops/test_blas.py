"""dot for every 1-d/2-d combination, outer, tensordot, and the Gemv/Gemm/Ger ops, against
numpy; gradients against finite differences."""
import numpy as np
import pytest

import minitheano as th
from minitheano import tensor as T
from minitheano.ops.gemm import Gemm, Gemv, Ger
from tests.helpers import check_infer_shape, run

RNG = np.random.default_rng(8)
DOT_SHAPES = [((2, 3), (3, 4)), ((2, 3), (3,)), ((3,), (3, 4)), ((3,), (3,)),
              ((1, 3), (3, 4)), ((2, 3), (3, 1)), ((1, 3), (3,))]


def _sym(shape, dtype="float64", name=None):
    return T.TensorType(dtype, tuple(n == 1 for n in shape))(name)


@pytest.mark.parametrize("sx,sy", DOT_SHAPES)
def test_dot_against_numpy(sx, sy):
    x, y = _sym(sx, name="x"), _sym(sy, name="y")
    a, b = RNG.normal(size=sx), RNG.normal(size=sy)
    outs = [T.dot(x, y), x @ y, x.dot(y)]
    for o, g in zip(outs, run([x, y], outs, a, b)):
        assert o.ndim == np.ndim(a @ b) and g.dtype == o.dtype
        np.testing.assert_allclose(g, a @ b, rtol=1e-12)
    assert outs[0].broadcastable == tuple(n == 1 for n in np.shape(a @ b))
    check_infer_shape(outs[0], [x, y], [a, b])


@pytest.mark.parametrize("sx,sy", DOT_SHAPES)
def test_dot_grad(sx, sy):
    th.verify_grad(T.dot, [RNG.normal(size=sx), RNG.normal(size=sy)], mode="py", rng=RNG)


def test_dot_mode(mode):
    x, y = T.dmatrix("x"), T.dvector("y")
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=3)
    np.testing.assert_allclose(run([x, y], T.dot(x, y), a, b, mode=mode), a @ b)


@pytest.mark.parametrize("dx,dy,want", [("float32", "float32", "float32"),
                                        ("float32", "float64", "float64"),
                                        ("int32", "float32", "float64"), ("int32", "int32", "int32")])
def test_dot_dtypes(dx, dy, want):
    x, y = T.TensorType(dx, (False, False))("x"), T.TensorType(dy, (False,))("y")
    out = T.dot(x, y)
    assert out.dtype == want
    a, b = np.arange(6).reshape(2, 3).astype(dx), np.arange(3).astype(dy)
    g = run([x, y], out, a, b)
    assert g.dtype == want
    np.testing.assert_allclose(g, a @ b, rtol=1e-6)


def test_dot_with_scalars_and_errors():
    x, s = T.dmatrix("x"), T.dscalar("s")
    a = RNG.normal(size=(2, 3))
    np.testing.assert_allclose(run([x, s], T.dot(x, s), a, 2.0), 2 * a)
    y = T.dmatrix("y")
    with pytest.raises(ValueError, match=r"\(2, 3\) \('x'\) and \(2, 3\) \('y'\) are not aligned"):
        run([x, y], T.dot(x, y), a, a)


def test_outer():
    u, v = T.dvector("u"), T.dvector("v")
    a, b = RNG.normal(size=3), RNG.normal(size=4)
    np.testing.assert_allclose(run([u, v], T.outer(u, v), a, b), np.outer(a, b))
    th.verify_grad(T.outer, [a, b], mode="py")
    th.verify_grad(T.outer, [a, np.ones(1)], mode="py")


@pytest.mark.parametrize("sa,sb,axes", [
    ((2, 3, 4), (3, 4, 5), 2), ((2, 3, 4), (4, 5), 1), ((2, 3, 4), (3, 4, 5), [[1], [0]]),
    ((3, 4, 2), (3, 4, 5), [[0, 1], [0, 1]]), ((2, 3, 4), (5, 3, 1), [[1], [1]]),
    ((2, 3), (3, 4, 5), 1), ((2, 3, 4), (4,), 1), ((2,), (2, 3, 4), 1), ((2, 3), (2, 3), 2),
    ((2, 3), (4, 5), 0)])
def test_tensordot(sa, sb, axes):
    x, y = _sym(sa, name="x"), _sym(sb, name="y")
    a, b = RNG.normal(size=sa), RNG.normal(size=sb)
    out = T.tensordot(x, y, axes)
    expect = np.tensordot(a, b, axes)
    got = run([x, y], out, a, b)
    assert got.shape == expect.shape and out.ndim == expect.ndim
    np.testing.assert_allclose(got, expect, rtol=1e-12)
    th.verify_grad(lambda p, q: T.tensordot(p, q, axes), [a, b], mode="py", rng=RNG)


def test_dot_of_higher_rank_is_tensordot():
    t, m = T.dtensor3("t"), T.dmatrix("m")
    a, b = RNG.normal(size=(2, 3, 4)), RNG.normal(size=(4, 5))
    np.testing.assert_allclose(run([t, m], T.dot(t, m), a, b), np.dot(a, b))


# -- Gemv, Gemm, Ger -----------------------------------------------------------------------------
def _blas_case(op, m=2):
    """Input shapes (m rows; m=1 gives broadcastable dims) and the numpy formula."""
    if isinstance(op, Gemv):
        shapes, ref = [(m,), (), (m, 3), (3,), ()], lambda y, al, A, x, be: be * y + al * A @ x
    elif isinstance(op, Gemm):
        shapes, ref = [(m, 4), (), (m, 3), (3, 4), ()], lambda Z, al, X, Y, be: be * Z + al * X @ Y
    else:
        shapes, ref = [(m, 3), (), (m,), (3,)], lambda A, al, x, y: A + al * np.outer(x, y)
    return shapes, ref


@pytest.mark.parametrize("m", [2, 1])
@pytest.mark.parametrize("op", [Gemv(False), Gemm(False), Ger(False)])
def test_blas_ops_against_numpy_and_grad(op, m):
    shapes, ref = _blas_case(op, m)
    vals = [RNG.normal(size=s) for s in shapes]
    syms = [_sym(s, name=f"i{k}") for k, s in enumerate(shapes)]
    out = op(*syms)
    np.testing.assert_allclose(run(syms, out, *vals), ref(*vals), rtol=1e-12)
    check_infer_shape(out, syms, vals)
    th.verify_grad(op, vals, mode="py", rng=RNG)


@pytest.mark.parametrize("op", [Gemv(True), Gemm(True), Ger(True)])
def test_blas_inplace_writes_the_first_input(op):
    shapes, ref = _blas_case(op)
    vals = [RNG.normal(size=s) for s in shapes]
    syms = [T.TensorType("float64", (False,) * len(s))() for s in shapes]
    node = op.make_node(*syms)
    assert op.destroy_map == {0: [0]}
    expect = ref(*vals)
    out = [[None]]
    target = vals[0]
    op.perform(node, vals, out)
    assert out[0][0] is target
    np.testing.assert_allclose(target, expect)


def test_gemv_beta_zero_ignores_y():
    """beta = 0 means y is not read (it may hold NaN, as an uninitialised output buffer)."""
    y, A, x = np.full(2, np.nan), RNG.normal(size=(2, 3)), RNG.normal(size=3)
    syms = [T.dvector(), T.dscalar(), T.dmatrix(), T.dvector(), T.dscalar()]
    np.testing.assert_allclose(run(syms, Gemv(False)(*syms), y, 2.0, A, x, 0.0), 2 * A @ x)


def test_blas_type_errors():
    with pytest.raises(TypeError, match="input 2 must be 2-d"):
        Gemv(False)(T.dvector(), T.dscalar(), T.dvector(), T.dvector(), T.dscalar())
    with pytest.raises(TypeError, match="one float dtype"):
        Ger(False)(T.fmatrix(), T.dscalar(), T.dvector(), T.dvector())
