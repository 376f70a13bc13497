"""Stabilisation: values and gradients stay finite and correct at extreme inputs, where the
unrewritten graph gives inf or nan."""
import numpy as np
import pytest

import minitheano as th
from minitheano import tensor as T
from minitheano.ops import nnet

from .rewriting_utils import ORACLE, PY, check_phases, ops, rewrite  # noqa: F401

EXTREME = np.array([-800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0])


def _sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


def _value_and_grad(expr_of, x_val, mode=PY):
    x = T.vector("x")
    out = expr_of(x)
    f = th.function([x], [out, th.grad(out.sum(), x)], mode=mode)
    return f(x_val)


def test_log_sigmoid_is_minus_softplus_of_minus_x():
    x = T.vector("x")
    assert ops(rewrite(T.log(T.nnet.sigmoid(x)), [x], exclude=["fusion", "inplace"])) == [
        "Elemwise{neg}", "Elemwise{softplus}", "Elemwise{neg}"]
    val, grad = _value_and_grad(lambda x: T.log(T.nnet.sigmoid(x)), EXTREME)
    np.testing.assert_allclose(val, -np.logaddexp(0, -EXTREME), rtol=1e-12)
    np.testing.assert_allclose(grad, 1 - _sigmoid(EXTREME), rtol=1e-12, atol=1e-300)
    raw_val, raw_grad = _value_and_grad(lambda x: T.log(T.nnet.sigmoid(x)), EXTREME, ORACLE)
    assert not np.all(np.isfinite(raw_val))  # what the rewrite fixes


def test_log_one_minus_sigmoid_is_minus_softplus():
    for build in (lambda x: T.log(1 - T.nnet.sigmoid(x)), lambda x: T.log1p(-T.nnet.sigmoid(x))):
        val, grad = _value_and_grad(build, EXTREME)
        np.testing.assert_allclose(val, -np.logaddexp(0, EXTREME), rtol=1e-12)
        np.testing.assert_allclose(grad, -_sigmoid(EXTREME), rtol=1e-12, atol=1e-300)


def test_hand_written_binary_crossentropy_has_finite_gradients():
    x, t = T.vector("x"), T.vector("t")
    s = T.nnet.sigmoid(x)
    cost = -(t * T.log(s) + (1 - t) * T.log(1 - s)).sum()
    f = th.function([x, t], [cost, th.grad(cost, x)], mode=PY)
    tv = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    c, g = f(EXTREME, tv)
    want = (tv * np.logaddexp(0, -EXTREME) + (1 - tv) * np.logaddexp(0, EXTREME)).sum()
    np.testing.assert_allclose(c, want, rtol=1e-12)
    np.testing.assert_allclose(g, _sigmoid(EXTREME) - tv, rtol=1e-10, atol=1e-300)


def test_log1p_and_expm1_keep_tiny_values():
    x = T.vector("x")
    tiny = np.array([1e-20, -1e-18, 3e-17])
    assert ops(rewrite(T.log(1 + x), [x], exclude=["fusion", "inplace"])) == ["Elemwise{log1p}"]
    assert ops(rewrite(T.exp(x) - 1, [x], exclude=["fusion", "inplace"])) == ["Elemwise{expm1}"]
    assert ops(rewrite(T.log(1 - x), [x], exclude=["fusion", "inplace"])) == ["Elemwise{neg}",
                                                                    "Elemwise{log1p}"]
    f = th.function([x], [T.log(1 + x), T.exp(x) - 1, T.log(1 - x)], mode=PY)
    for got, want in zip(f(tiny), [np.log1p(tiny), np.expm1(tiny), np.log1p(-tiny)]):
        np.testing.assert_allclose(got, want, rtol=1e-14)


def _np_log_softmax(z):
    zm = z - z.max(axis=-1, keepdims=True)
    return zm - np.log(np.exp(zm).sum(axis=-1, keepdims=True))


def test_log_of_softmax_is_log_softmax_with_a_finite_gradient():
    x, w = T.matrix("x"), T.matrix("w")
    out = T.log(T.nnet.softmax(x))
    fg = rewrite(out, [x], exclude=["fusion", "inplace"])
    assert [type(n.op) for n in fg.toposort()] == [nnet.LogSoftmax]
    cost = (out * w).sum()
    f = th.function([x, w], [out, th.grad(cost, x)], mode=PY)
    xv = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    wv = np.array([[0.5, 1.0, 2.0], [1.0, -1.0, 0.5]])
    val, grad = f(xv, wv)
    np.testing.assert_allclose(val, _np_log_softmax(xv), rtol=1e-12)
    sm = np.exp(_np_log_softmax(xv))
    np.testing.assert_allclose(grad, wv - sm * wv.sum(axis=1, keepdims=True), rtol=1e-12,
                               atol=1e-12)
    th.verify_grad(lambda z: T.log(T.nnet.softmax(z)), [np.array([[0.1, 2.0, -1.0]])],
                   mode=PY)


def test_crossentropy_of_a_softmax_is_computed_from_the_logits():
    x, y = T.matrix("x"), T.lvector("y")
    cost = nnet.crossentropy_categorical_1hot(T.nnet.softmax(x), y).sum()
    fg = rewrite(cost, [x, y])
    assert not any(isinstance(n.op, nnet.CrossentropyCategorical1Hot) for n in fg.apply_nodes)
    f = th.function([x, y], [cost, th.grad(cost, x)], mode=PY)
    xv = np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 3.0]])
    yv = np.array([1, 1])
    c, g = f(xv, yv)
    lsm = _np_log_softmax(xv)
    np.testing.assert_allclose(c, -lsm[[0, 1], yv].sum(), rtol=1e-12)
    onehot = np.eye(3)[yv]
    np.testing.assert_allclose(g, np.exp(lsm) - onehot, rtol=1e-12, atol=1e-12)
    raw = th.function([x, y], th.grad(cost, x), mode=ORACLE)(xv, yv)
    assert not np.all(np.isfinite(raw))  # what the rewrites fix


@pytest.mark.parametrize("build", [lambda z: T.log(T.nnet.sigmoid(z)),
                                   lambda z: T.log(1 - T.nnet.sigmoid(z)),
                                   lambda z: T.log(1 + T.exp(z)),
                                   lambda z: T.exp(z) - 1])
def test_rewritten_gradients_match_finite_differences(build):
    th.verify_grad(build, [np.array([-3.0, -0.5, 0.2, 2.5])], mode=PY)
