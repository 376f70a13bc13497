"""as_op (theano.compile.ops.as_op): the intro notebook's cell, equality, type checks of inputs
and results, infer_shape, gradients only when given, pickling."""
import pickle

import numpy
import numpy as np
import pytest

import minitheano as theano
from minitheano import tensor as T
from minitheano.compile.ops import as_op
from minitheano.gradient import verify_grad
from minitheano.ops.as_op import FromFunctionOp


# -- the seed notebook's cell, verbatim but for the import ------------------------------------
def infer_shape_numpy_dot(node, input_shapes):
    ashp, bshp = input_shapes
    return [ashp[:-1] + bshp[-1:]]


@as_op(itypes=[theano.tensor.fmatrix, theano.tensor.fmatrix],
       otypes=[theano.tensor.fmatrix], infer_shape=infer_shape_numpy_dot)
def numpy_dot(a, b):
    return numpy.dot(a, b)


def test_notebook_cell_compiles_and_runs(mode):
    a, b = T.fmatrices("a", "b")
    f = theano.function([a, b], numpy_dot(a, b), mode=mode)
    av = np.arange(6, dtype="float32").reshape(2, 3)
    bv = np.linspace(-1, 1, 12, dtype="float32").reshape(3, 4)
    out = f(av, bv)
    assert out.dtype == np.float32 and out.shape == (2, 4)
    np.testing.assert_allclose(out, av @ bv, rtol=1e-6)


def test_exposes_fn_and_types():
    assert isinstance(numpy_dot, FromFunctionOp)
    assert numpy_dot.__name__ == "numpy_dot" and str(numpy_dot) == "FromFunctionOp{numpy_dot}"
    assert numpy_dot.itypes == (T.TensorType("float32", (False, False)),) * 2
    assert numpy_dot.otypes == (T.TensorType("float32", (False, False)),)
    assert numpy_dot.fn(np.eye(2), np.ones((2, 2))).tolist() == [[1, 1], [1, 1]]


def test_infer_shape():
    a, b = T.fmatrices("a", "b")
    node = numpy_dot(a, b).owner
    shapes = [(a.shape[0], a.shape[1]), (b.shape[0], b.shape[1])]
    (out_shape,) = numpy_dot.infer_shape(node, shapes)
    f = theano.function([a, b], list(out_shape), mode="py")
    assert [int(v) for v in f(np.zeros((5, 2), "float32"), np.zeros((2, 7), "float32"))] == [5, 7]
    no_shape = as_op([T.dvector], [T.dvector])(np.cumsum)
    x = T.dvector("x")
    with pytest.raises(NotImplementedError, match="no infer_shape: pass infer_shape= to as_op"):
        no_shape.infer_shape(no_shape(x).owner, [(x.shape[0],)])


def test_equality_by_function():
    def double(x):
        return 2 * x
    op1 = as_op([T.dvector], [T.dvector])(double)
    op2 = as_op([T.TensorType("float64", (False,))], [T.dvector])(double)
    op3 = as_op([T.dvector], [T.dvector])(lambda x: 2 * x)
    op4 = as_op([T.fvector], [T.fvector])(double)
    assert op1 == op2 and hash(op1) == hash(op2)
    assert op1 != op3 and op1 != op4


def test_multiple_outputs_and_python_scalars(mode):
    @as_op([T.dvector], [T.dscalar, T.lvector])
    def total_and_order(x):
        return float(x.sum()), np.argsort(x)
    x = T.dvector("x")
    s, order = total_and_order(x)
    xv = np.array([3.0, -1.0, 2.0])
    sv, ov = theano.function([x], [s * 2, order], mode=mode)(xv)
    assert sv == pytest.approx(8.0)
    assert ov.tolist() == [1, 2, 0]


def test_constant_inputs_and_broadcastable_inputs():
    add1 = as_op([T.dmatrix], [T.dmatrix])(lambda a: a + 1)
    np.testing.assert_allclose(add1([[1.0, 2.0]]).eval(), [[2.0, 3.0]])
    r = T.drow("r")  # a row is accepted where a matrix is declared
    np.testing.assert_allclose(theano.function([r], add1(r), mode="py")([[0.5, 1.5]]),
                               [[1.5, 2.5]])


def test_result_does_not_alias_input():
    # the op declares no view_map, so perform must not hand back (a view of) an input
    ident = as_op([T.dvector], [T.dvector])(lambda x: x[::-1])
    x = T.dvector("x")
    xv = np.array([1.0, 2.0])
    cell = [None]
    ident.perform(ident(x).owner, [xv], [cell])
    assert cell[0].tolist() == [2.0, 1.0] and not np.shares_memory(cell[0], xv)


def test_input_type_errors():
    a, d = T.fmatrix("a"), T.dmatrix("d")
    with pytest.raises(TypeError, match=r"numpy_dot: input 1 \('d'\) has type "
                                        r"TensorType\(float64, matrix\), expected "
                                        r"TensorType\(float32, matrix\)"):
        numpy_dot(a, d)
    with pytest.raises(TypeError, match="numpy_dot: expected 2 inputs .* got 1"):
        numpy_dot(a)
    with pytest.raises(TypeError, match="input 0.*expected a 2-d array"):
        numpy_dot(np.zeros(3, "float32"), a)


def test_result_type_errors():
    a = T.fmatrix("a")
    wrong_dtype = as_op([T.fmatrix], [T.fmatrix])(lambda x: x.astype("float64"))
    with pytest.raises(TypeError, match=r"<lambda> returned, as output 0, a 2-d float64 array.*"
                                        r"declare TensorType\(float32, matrix\)"):
        theano.function([a], wrong_dtype(a), mode="py")(np.ones((2, 2), "float32"))

    @as_op([T.fmatrix], [T.fmatrix])
    def flat(x):
        return x.ravel()
    with pytest.raises(TypeError, match="flat returned, as output 0, a 1-d float32 array"):
        theano.function([a], flat(a), mode="py")(np.ones((2, 2), "float32"))

    @as_op([T.fmatrix], [T.fmatrix, T.fmatrix])
    def one_of_two(x):
        return x
    with pytest.raises(ValueError, match="one_of_two returned 1 values, its otypes declare 2"):
        theano.function([a], one_of_two(a), mode="py")(np.ones((2, 2), "float32"))


def test_bad_decorator_arguments():
    with pytest.raises(TypeError, match="itypes must be types"):
        as_op(["fmatrix"], [T.fmatrix])
    with pytest.raises(TypeError, match="infer_shape must be a callable"):
        as_op([T.fmatrix], [T.fmatrix], infer_shape=3)


def test_not_differentiable_without_grad():
    a, b = T.fmatrices("a", "b")
    cost = numpy_dot(a, b).sum()
    with pytest.raises(TypeError, match=r"FromFunctionOp\{numpy_dot\} is not differentiable.*"
                                        r"grad=fn"):
        T.grad(cost, a)


def _square_grad(inputs, output_grads):
    return [2 * inputs[0] * output_grads[0]]


@as_op([T.dmatrix], [T.dmatrix], grad=_square_grad)
def numpy_square(x):
    return np.square(x)


@pytest.mark.parametrize("shape", [(3, 4), (1, 4)])
def test_grad_when_given(shape):
    verify_grad(numpy_square, [np.random.default_rng(0).normal(size=shape)], mode="py")


def test_wrong_grad_is_caught():
    bad = as_op([T.dmatrix], [T.dmatrix], grad=lambda i, g: [3 * i[0] * g[0]])(np.square)
    with pytest.raises(theano.gradient.GradientError):
        verify_grad(bad, [np.ones((2, 2))], mode="py")


def test_pickle_by_reference():
    assert pickle.loads(pickle.dumps(numpy_dot)) is numpy_dot
    local = as_op([T.dvector], [T.dvector])(lambda x: x)
    with pytest.raises((TypeError, pickle.PicklingError), match="not importable"):
        pickle.dumps(local)
