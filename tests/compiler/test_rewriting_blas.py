"""Specialisation to Gemv, Gemm and Ger: graphs after rewriting and results equal to the
unrewritten graph."""
import numpy as np
import pytest

from minitheano import tensor as T
from minitheano.graphlib import Constant
from minitheano.ops.blas import Dot
from minitheano.ops.gemm import Gemm, Gemv

from .rewriting_utils import check_phases, compare, kinds, ops, rewrite  # noqa: F401

RNG = np.random.default_rng(3)
A_val, X_val, Y_val = RNG.normal(size=(3, 4)), RNG.normal(size=(4, 3)), RNG.normal(size=(3, 5))
x4, x3, y3 = RNG.normal(size=4), RNG.normal(size=3), RNG.normal(size=3)


def _blas_nodes(fg, cls):
    return [n for n in fg.toposort() if isinstance(n.op, cls)]


def _scalar(v):
    assert isinstance(v, Constant), v
    return float(v.data)


def test_dot_of_vector_and_matrix_is_gemv_into_an_empty_buffer_with_a_transposed_view():
    x, W = T.vector("x"), T.matrix("W")
    fg = rewrite(T.dot(x, W), [x, W])
    assert ops(fg) == ["Shape_i{1}", "AllocEmpty{dtype='float64'}", "DimShuffle{1,0}",
                       "Gemv{inplace}"]
    (g,) = _blas_nodes(fg, Gemv)
    assert [str(v) for v in g.inputs] == ["AllocEmpty{dtype='float64'}.0", "TensorConstant{1.0}",
                                          "W.T", "x", "TensorConstant{0.0}"]
    compare([x, W], T.dot(x, W), [x4, X_val])


def test_dot_of_matrix_and_vector_and_of_two_matrices():
    A, x, X, Y = T.matrix("A"), T.vector("x"), T.matrix("X"), T.matrix("Y")
    fg = rewrite([T.dot(A, x), T.dot(X, Y)], [A, x, X, Y])
    assert len(_blas_nodes(fg, Gemv)) == 1 and len(_blas_nodes(fg, Gemm)) == 1
    assert not _blas_nodes(fg, Dot)
    assert _blas_nodes(fg, Gemv)[0].inputs[2] is A
    compare([A, x, X, Y], [T.dot(A, x), T.dot(X, Y)], [A_val, x4, X_val, Y_val])


def test_scaled_dot_plus_scaled_vector_is_one_gemv():
    A, x, y = T.matrix("A"), T.vector("x"), T.vector("y")
    expr = 2.0 * T.dot(A, x) + 3.0 * y
    fg = rewrite(expr, [A, x, y])
    assert kinds(fg) == ["Gemv"]
    yy, alpha, AA, xx, beta = fg.toposort()[0].inputs
    assert (yy, AA, xx) == (y, A, x) and _scalar(alpha) == 2.0 and _scalar(beta) == 3.0
    compare([A, x, y], expr, [A_val, x4, y3])


def test_subtracted_dot_and_symbolic_scale():
    A, x, y, a = T.matrix("A"), T.vector("x"), T.vector("y"), T.scalar("a")
    fg = rewrite(y - T.dot(A, x), [A, x, y])
    assert kinds(fg) == ["Gemv"] and _scalar(fg.toposort()[0].inputs[1]) == -1.0
    expr = a * T.dot(A, x) + y
    fg = rewrite(expr, [A, x, y, a])
    (g,) = _blas_nodes(fg, Gemv)
    assert g.inputs[1] is a and g.inputs[0] is y
    compare([A, x, y, a], [y - T.dot(A, x), expr], [A_val, x4, y3, np.array(0.5)])


def test_sum_of_two_products_and_a_bias_chains_gemvs():
    x, h, W, R, b = T.vector("x"), T.vector("h"), T.matrix("W"), T.matrix("R"), T.vector("b")
    expr = T.dot(x, W) + T.dot(h, R) + b
    fg = rewrite(expr, [x, h, W, R, b])
    assert kinds(fg).count("Gemv") == 2 and "Elemwise" not in kinds(fg)
    outer, inner = _blas_nodes(fg, Gemv)[::-1]
    assert inner.inputs[0] is b and outer.inputs[0] is inner.outputs[0]
    assert str(outer.op) == "Gemv{inplace}" and str(inner.op) == "Gemv{no_inplace}"
    compare([x, h, W, R, b], expr, [x4, x3, X_val, RNG.normal(size=(3, 3)), y3])


def test_gemm_with_accumulator_and_a_broadcast_bias():
    X, Y, Z, b = T.matrix("X"), T.matrix("Y"), T.matrix("Z"), T.vector("b")
    expr = 0.5 * T.dot(X, Y) - Z
    fg = rewrite(expr, [X, Y, Z])
    assert kinds(fg) == ["Gemm"]
    z, alpha, _, _, beta = fg.toposort()[0].inputs
    assert z is Z and _scalar(alpha) == 0.5 and _scalar(beta) == -1.0
    biased = T.dot(X, Y) + b  # b broadcasts over rows: it cannot be Gemm's accumulator
    fg = rewrite(biased, [X, Y, b])
    assert "Gemm" in kinds(fg) and "Elemwise" in kinds(fg)
    Zv = RNG.normal(size=(4, 5))
    compare([X, Y, Z, b], [expr, biased], [X_val, Y_val, Zv, RNG.normal(size=5)])


def test_dot_with_a_transposed_matrix_uses_the_original_buffer():
    x, W = T.vector("x"), T.matrix("W")
    fg = rewrite(T.dot(x, W.T), [x, W])
    (g,) = _blas_nodes(fg, Gemv)
    assert g.inputs[2] is W and "DimShuffle" not in kinds(fg)
    compare([x, W], T.dot(x, W.T), [x4, A_val])


@pytest.mark.parametrize("build, alpha", [
    (lambda A, x, y: A + T.outer(x, y), 1.0),
    (lambda A, x, y: A - 0.1 * T.outer(x, y), -0.1),
    (lambda A, x, y: 0.5 * (x.dimshuffle(0, "x") * y.dimshuffle("x", 0)) + A, 0.5),
])
def test_outer_product_update_is_ger(build, alpha):
    A, x, y = T.matrix("A"), T.vector("x"), T.vector("y")
    fg = rewrite(build(A, x, y), [A, x, y])
    assert kinds(fg) == ["Ger"]
    AA, a, xx, yy = fg.toposort()[0].inputs
    assert (AA, xx, yy) == (A, x, y) and _scalar(a) == pytest.approx(alpha)
    compare([A, x, y], build(A, x, y), [A_val, x3, x4])


def test_integer_and_mixed_dtype_products_stay_dot():
    a, b = T.lmatrix("a"), T.lvector("b")
    fg = rewrite(T.dot(a, b), [a, b])
    assert kinds(fg) == ["Dot"]
    f32, f64 = T.fmatrix("f"), T.dvector("d")
    assert "Dot" in kinds(rewrite(T.dot(f32, f64), [f32, f64]))


def test_float32_gemv():
    A, x, y = T.fmatrix("A"), T.fvector("x"), T.fvector("y")
    expr = T.dot(A, x) * 2 + y
    fg = rewrite(expr, [A, x, y])
    assert kinds(fg) == ["Gemv"] and fg.outputs[0].dtype == "float32"
    compare([A, x, y], expr, [A_val.astype("float32"), x4.astype("float32"),
                              y3.astype("float32")], rtol=1e-5, atol=1e-6)


def test_dot_read_twice_is_not_absorbed():
    A, x, y = T.matrix("A"), T.vector("x"), T.vector("y")
    d = T.dot(A, x)
    fg = rewrite([d + y, d * 2], [A, x, y])
    assert len(_blas_nodes(fg, Gemv)) == 1  # one product, two readers
    compare([A, x, y], [d + y, d * 2], [A_val, x4, y3])
