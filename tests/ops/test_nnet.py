"""T.nnet against numpy/scipy oracles: values (extreme logits included), finite-difference
gradients on two shapes each (one broadcasting), shapes, and errors."""
import numpy as np
import pytest
from scipy import special

import minitheano as theano
from minitheano import tensor as T
from minitheano.gradient import verify_grad
from minitheano.ops import nnet
from minitheano.ops.basic import as_tensor_variable

RNG = np.random.default_rng(0)
EXTREME = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0], [1.0, 2.0, 3.0]])


def vg(fn, points, **kw):
    verify_grad(fn, [np.asarray(p, dtype="float64") for p in points], mode="py", **kw)


def shape_of(var, values):
    """Evaluate the op's infer_shape for `var` at `values` (dict var -> array)."""
    node = var.owner
    in_shapes = [tuple(T.shape_i(i, d) for d in range(i.ndim)) for i in node.inputs]
    out = node.op.infer_shape(node, in_shapes)[var.index]
    syms = list(values)
    dims = [as_tensor_variable(s) for s in out]
    if not dims:
        return ()
    f = theano.function(syms, dims, mode="py", on_unused_input="ignore")
    return tuple(int(v) for v in f(*values.values()))


# -- softmax / log_softmax ---------------------------------------------------------------------
@pytest.mark.parametrize("shape,axis", [((5,), -1), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1)])
def test_softmax_values(shape, axis, mode):
    x = T.tensor("float64", (False,) * len(shape), "x")
    xv = RNG.normal(size=shape) * 5
    f = theano.function([x], [T.nnet.softmax(x, axis), T.nnet.log_softmax(x, axis)], mode=mode)
    sm, lsm = f(xv)
    np.testing.assert_allclose(sm, special.softmax(xv, axis=axis), rtol=1e-12)
    np.testing.assert_allclose(lsm, special.log_softmax(xv, axis=axis), rtol=1e-12, atol=1e-12)


def test_softmax_extreme_logits_finite(mode):
    x = T.matrix("x")
    sm, lsm = theano.function([x], [T.nnet.softmax(x), T.nnet.log_softmax(x)], mode=mode)(EXTREME)
    assert np.all(np.isfinite(sm)) and np.all(np.isfinite(lsm))
    np.testing.assert_allclose(sm, special.softmax(EXTREME, axis=1), rtol=1e-12)
    np.testing.assert_allclose(lsm, special.log_softmax(EXTREME, axis=1), rtol=1e-12)
    np.testing.assert_allclose(sm.sum(axis=1), 1.0)


def test_softmax_float32_keeps_dtype():
    x = T.fmatrix("x")
    xv = RNG.normal(size=(2, 3)).astype("float32")
    out = theano.function([x], T.nnet.softmax(x), mode="py")(xv)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, special.softmax(xv.astype("float64"), axis=1), rtol=1e-5)
    verify_grad(T.nnet.softmax, [xv], mode="py")


@pytest.mark.parametrize("shape", [(3, 4), (1, 4), (5,)])
def test_softmax_grad(shape):
    vg(T.nnet.softmax, [RNG.normal(size=shape)])
    vg(T.nnet.log_softmax, [RNG.normal(size=shape)])


def test_softmax_grad_axis0_and_extreme():
    vg(lambda x: T.nnet.softmax(x, axis=0), [RNG.normal(size=(3, 2))])
    vg(lambda x: T.nnet.log_softmax(x, axis=0), [RNG.normal(size=(1, 2))])
    # analytic oracle at extreme logits: d sum(w * log_softmax(x)) / dx = w - softmax(x) sum(w)
    x = T.matrix("x")
    w = RNG.random(EXTREME.shape)
    g = theano.function([x], T.grad((T.nnet.log_softmax(x) * w).sum(), x), mode="py")(EXTREME)
    np.testing.assert_allclose(g, w - special.softmax(EXTREME, axis=1) * w.sum(1, keepdims=True),
                               atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 4), (1, 4)])
def test_softmax_grad_op_and_second_derivative(shape):
    # SoftmaxGrad is differentiable itself: check it directly and through grad-of-grad
    vg(lambda dy, sm: nnet.SoftmaxGrad()(dy, sm), [RNG.normal(size=shape), RNG.random(shape)])
    w = RNG.normal(size=shape)
    vg(lambda x: T.grad((T.nnet.softmax(x) ** 2 * w).sum(), x), [RNG.normal(size=shape)])
    vg(lambda x: T.grad((T.nnet.log_softmax(x) * w).sum(), x), [RNG.normal(size=shape)])


def test_softmax_infer_shape():
    x = T.tensor3("x")
    xv = np.zeros((2, 3, 4))
    for op in (nnet.Softmax(1), nnet.LogSoftmax(-1)):
        assert shape_of(op(x), {x: xv}) == (2, 3, 4)
    dy, sm = T.matrices("dy", "sm")
    assert shape_of(nnet.SoftmaxGrad()(dy, sm), {dy: np.zeros((2, 5)), sm: np.zeros((2, 5))}) == (2, 5)


def test_softmax_with_bias():
    x, b = T.matrix("x"), T.vector("b")
    xv, bv = RNG.normal(size=(3, 4)), RNG.normal(size=4)
    out = theano.function([x, b], T.nnet.softmax_with_bias(x, b), mode="py")(xv, bv)
    np.testing.assert_allclose(out, special.softmax(xv + bv, axis=1), rtol=1e-12)
    vg(T.nnet.softmax_with_bias, [xv, bv])
    vg(T.nnet.softmax_with_bias, [RNG.normal(size=(1, 4)), bv])


def test_softmax_errors():
    with pytest.raises(TypeError, match=r"softmax: input 'i' must be a float tensor.*int32"):
        T.nnet.softmax(T.ivector("i"))
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        T.nnet.softmax(T.matrix("x"), axis=2)
    with pytest.raises(ValueError, match="at least a vector"):
        T.nnet.log_softmax(T.scalar("s"))
    with pytest.raises(TypeError, match="'b' must be 1-d"):
        T.nnet.softmax_with_bias(T.matrix("x"), T.matrix("b"))


# -- relu -------------------------------------------------------------------------------------
@pytest.mark.parametrize("alpha", [0, 0.1, -0.5])
def test_relu_values(alpha, mode):
    x = T.matrix("x")
    xv = RNG.normal(size=(3, 4))
    out = theano.function([x], T.nnet.relu(x, alpha), mode=mode)(xv)
    np.testing.assert_allclose(out, np.where(xv > 0, xv, alpha * xv))


def test_relu_symbolic_alpha_and_grad():
    x, a = T.vector("x"), T.scalar("a")
    xv = np.array([-2.0, -0.5, 0.5, 3.0])
    out = theano.function([x, a], T.nnet.relu(x, a), mode="py")(xv, 0.2)
    np.testing.assert_allclose(out, [-0.4, -0.1, 0.5, 3.0])
    away_from_zero = lambda shape: np.sign(RNG.normal(size=shape)) * RNG.uniform(0.1, 2, shape)
    for alpha in (0, 0.3):
        vg(lambda x: T.nnet.relu(x, alpha), [away_from_zero((3, 4))])
        vg(lambda x: T.nnet.relu(x, alpha), [away_from_zero((1, 4))])


# -- categorical crossentropy -------------------------------------------------------------------
def _nll_oracle(p, y):
    return -np.log(p[np.arange(len(y)), y])


def test_crossentropy_int_and_onehot_targets_equal(mode):
    p, t, y = T.matrix("p"), T.matrix("t"), T.ivector("y")
    pv = special.softmax(RNG.normal(size=(5, 4)), axis=1)
    yv = np.array([0, 3, 1, 1, 2], dtype="int32")
    onehot = np.eye(4)[yv]
    f = theano.function([p, t, y], [T.nnet.categorical_crossentropy(p, t),
                                    T.nnet.categorical_crossentropy(p, y)], mode=mode)
    c_onehot, c_int = f(pv, onehot, yv)
    np.testing.assert_allclose(c_int, _nll_oracle(pv, yv), rtol=1e-12)
    np.testing.assert_allclose(c_onehot, c_int, rtol=1e-12)


def test_crossentropy_soft_targets():
    p, t = T.matrix("p"), T.matrix("t")
    pv, tv = special.softmax(RNG.normal(size=(3, 4)), 1), special.softmax(RNG.normal(size=(3, 4)), 1)
    out = theano.function([p, t], T.nnet.categorical_crossentropy(p, t), mode="py")(pv, tv)
    np.testing.assert_allclose(out, -(tv * np.log(pv)).sum(1), rtol=1e-12)
    vg(lambda p: T.nnet.categorical_crossentropy(p, tv), [pv])
    vg(lambda p: T.nnet.categorical_crossentropy(p, tv[:1]), [pv[:1]])


def test_crossentropy_of_softmax_extreme_logits(mode):
    x, y, t = T.matrix("x"), T.ivector("y"), T.matrix("t")
    yv = np.array([1, 0, 0], dtype="int32")
    ce_int = T.nnet.categorical_crossentropy(T.nnet.softmax(x), y)
    ce_hot = T.nnet.categorical_crossentropy(T.nnet.softmax(x), t)
    gx = T.grad(ce_int.sum(), x)
    f = theano.function([x, y, t], [ce_int, ce_hot, gx], mode=mode)
    c_int, c_hot, g = f(EXTREME, yv, np.eye(3)[yv])
    oracle = special.logsumexp(EXTREME, axis=1) - EXTREME[np.arange(3), yv]
    assert np.all(np.isfinite(c_int)) and np.all(np.isfinite(g))
    np.testing.assert_allclose(c_int, oracle, rtol=1e-12)
    np.testing.assert_allclose(c_hot, oracle, rtol=1e-12)
    np.testing.assert_allclose(g, special.softmax(EXTREME, 1) - np.eye(3)[yv], atol=1e-12)


@pytest.mark.parametrize("shape", [(4, 3), (1, 3)])
def test_crossentropy_grads(shape):
    yv = RNG.integers(0, shape[1], size=shape[0]).astype("int32")
    pv = RNG.uniform(0.1, 1.0, size=shape)
    vg(lambda p: T.nnet.crossentropy_categorical_1hot(p, yv), [pv])
    vg(lambda x: T.nnet.categorical_crossentropy(T.nnet.softmax(x), yv), [RNG.normal(size=shape)])
    # second derivative of the integer-target crossentropy (its gradient is a graph)
    vg(lambda p: T.grad(T.nnet.crossentropy_categorical_1hot(p, yv).sum(), p), [pv])


@pytest.mark.parametrize("shape", [(4, 3), (1, 3)])
def test_crossentropy_softmax_1hot_with_bias(shape):
    yv = RNG.integers(0, shape[1], size=shape[0]).astype("int64")
    xv, bv = RNG.normal(size=shape), RNG.normal(size=shape[1])
    x, b, y = T.matrix("x"), T.vector("b"), T.lvector("y")
    nll, sm, am = T.nnet.crossentropy_softmax_argmax_1hot_with_bias(x, b, y)
    nv, sv, av = theano.function([x, b, y], [nll, sm, am], mode="py")(xv, bv, yv)
    np.testing.assert_allclose(nv, -special.log_softmax(xv + bv, 1)[np.arange(shape[0]), yv])
    np.testing.assert_allclose(sv, special.softmax(xv + bv, 1))
    np.testing.assert_array_equal(av, (xv + bv).argmax(1))
    vg(lambda x, b: T.nnet.crossentropy_softmax_1hot_with_bias(x, b, yv)[0], [xv, bv])
    vg(lambda x, b: T.nnet.crossentropy_softmax_1hot_with_bias(x, b, yv)[1], [xv, bv])
    w = RNG.normal(size=shape)  # both outputs in one cost
    vg(lambda x: (lambda o: o[0].sum() + (o[1] * w).sum())(T.nnet.crossentropy_softmax_1hot(x, yv)),
       [xv])
    sizes = {x: xv, b: bv, y: yv}
    assert [shape_of(o, sizes) for o in (nll, sm, am)] == [shape[:1], shape, shape[:1]]


def test_crossentropy_vector_coding_scalar_target():
    x, p, y = T.vector("x"), T.vector("p"), T.iscalar("y")
    xv = np.array([0.5, 1000.0, -3.0])
    f = theano.function([x, p, y], [T.nnet.categorical_crossentropy(T.nnet.softmax(x), y),
                                    T.nnet.categorical_crossentropy(p, y)], mode="py")
    pv = special.softmax(RNG.normal(size=3))
    a, b = f(xv, pv, np.int32(2))
    assert a.shape == () and b.shape == ()
    np.testing.assert_allclose(a, special.logsumexp(xv) - xv[2])
    np.testing.assert_allclose(b, -np.log(pv[2]))
    vg(lambda x: T.nnet.categorical_crossentropy(T.nnet.softmax(x), np.int32(1)),
       [RNG.normal(size=4)])


def test_crossentropy_1hot_infer_shape():
    p, y = T.matrix("p"), T.ivector("y")
    out = T.nnet.crossentropy_categorical_1hot(p, y)
    assert shape_of(out, {p: np.zeros((3, 5)), y: np.zeros(3, "int32")}) == (3,)


def test_crossentropy_errors():
    p, y = T.matrix("p"), T.ivector("y")
    f = theano.function([p, y], T.nnet.categorical_crossentropy(p, y), mode="py")
    pv = np.full((2, 3), 1 / 3)
    with pytest.raises(IndexError, match=r"y\[1\] = 3 is out of range for 3 classes"):
        f(pv, np.array([0, 3], "int32"))
    with pytest.raises(IndexError, match=r"y\[0\] = -1"):
        f(pv, np.array([-1, 0], "int32"))
    with pytest.raises(ValueError, match="3 class indices for 2 rows"):
        f(pv, np.array([0, 1, 2], "int32"))
    g = theano.function([p, y], T.nnet.categorical_crossentropy(T.nnet.softmax(p), y), mode="py")
    with pytest.raises(IndexError, match="out of range"):
        g(pv, np.array([0, 5], "int32"))
    with pytest.raises(TypeError, match="'t' .*must be a 1-d integer tensor of class indices"):
        T.nnet.categorical_crossentropy(p, T.vector("t"))
    with pytest.raises(TypeError, match="same shape|one dimension fewer"):
        T.nnet.categorical_crossentropy(p, T.tensor3("t"))
    with pytest.raises(TypeError, match="coding_dist 'q' must be 2-d"):
        T.nnet.crossentropy_categorical_1hot(T.tensor3("q"), y)


# -- binary crossentropy ------------------------------------------------------------------------
def test_binary_crossentropy_values(mode):
    o, t = T.matrix("o"), T.matrix("t")
    ov, tv = RNG.uniform(0.05, 0.95, (3, 4)), RNG.random((3, 4))
    out = theano.function([o, t], T.nnet.binary_crossentropy(o, t), mode=mode)(ov, tv)
    np.testing.assert_allclose(out, -(tv * np.log(ov) + (1 - tv) * np.log(1 - ov)), rtol=1e-12)


@pytest.mark.parametrize("shape", [(3, 4), (1, 4)])
def test_binary_crossentropy_grads(shape):
    tv = RNG.random(shape)
    vg(lambda o: T.nnet.binary_crossentropy(o, tv), [RNG.uniform(0.1, 0.9, shape)])
    vg(lambda x: T.nnet.binary_crossentropy(T.nnet.sigmoid(x), tv), [RNG.normal(size=shape)])
    vg(lambda x: T.nnet.sigmoid_binary_crossentropy(x, tv[:1]), [RNG.normal(size=shape)])


def test_binary_crossentropy_of_sigmoid_extreme_logits(mode):
    x, t = T.vector("x"), T.ivector("t")  # integer labels take the output's float type
    xv = np.array([1000.0, -1000.0, 1000.0, -1000.0, 0.3])
    tv = np.array([1, 1, 0, 0, 1], dtype="int32")
    cost = T.nnet.binary_crossentropy(T.nnet.sigmoid(x), t)
    assert cost.dtype == "float64"
    c, g = theano.function([x, t], [cost, T.grad(cost.sum(), x)], mode=mode)(xv, tv)
    # -log sigmoid(x) = logaddexp(0, -x), -log(1 - sigmoid(x)) = logaddexp(0, x)
    np.testing.assert_allclose(c, tv * np.logaddexp(0, -xv) + (1 - tv) * np.logaddexp(0, xv))
    np.testing.assert_allclose(g, special.expit(xv) - tv, atol=1e-12)


def test_binary_crossentropy_errors():
    with pytest.raises(TypeError, match="output 'o' must be a float tensor"):
        T.nnet.binary_crossentropy(T.ivector("o"), T.vector("t"))
