"""The grad API (wrt lists, consider_constant, disconnected inputs, known_grads, errors),
jacobian, hessian, and verify_grad itself (it must fail on a wrong gradient)."""
import warnings

import numpy as np
import pytest

import minitheano as th
from minitheano import tensor as T
from minitheano.gradient import DisconnectedInputError, GradientError
from minitheano.graphlib import Apply, Op
from minitheano.ops.basic import as_tensor_variable
from tests.helpers import run


class ScaledSquare(Op):
    """x ** 2 whose gradient claims `factor * x` (right only for factor 2): a toy to check
    that verify_grad tells a wrong gradient from a right one."""

    __props__ = ("factor",)

    def __init__(self, factor: float):
        self.factor = factor

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, out):
        out[0][0] = inputs[0] ** 2

    def grad(self, inputs, output_grads):
        return [output_grads[0] * self.factor * inputs[0]]


class WrongRankGrad(ScaledSquare):
    def grad(self, inputs, output_grads):
        return [output_grads[0].sum()]


class UnbroadcastGrad(ScaledSquare):
    """Right values, but the gradient forgets the input's broadcastable pattern."""

    def grad(self, inputs, output_grads):
        return [T.unbroadcast(output_grads[0] * 2 * inputs[0], 0)]


# -- verify_grad ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3,), (2, 1)])
def test_verify_grad_accepts_a_right_gradient(shape):
    th.verify_grad(ScaledSquare(2.0), [np.random.default_rng(0).normal(size=shape)], mode="py")


@pytest.mark.parametrize("factor", [3.0, 2.001, -2.0, 0.0])
def test_verify_grad_rejects_a_wrong_gradient(factor):
    with pytest.raises(GradientError, match="argument 0 differs from finite differences"):
        th.verify_grad(ScaledSquare(factor), [np.array([0.5, -1.0, 2.0])], mode="py")


def test_verify_grad_names_the_wrong_argument():
    with pytest.raises(GradientError) as info:
        th.verify_grad(lambda a, b: a * 2 + ScaledSquare(2.5)(b),
                       [np.ones(2), np.array([1.0, 2.0])], mode="py")
    assert info.value.arg == 1 and info.value.abs_err > 0.4


def test_verify_grad_float32_and_random_state():
    th.verify_grad(lambda x: T.tanh(x) * 3, [np.array([0.1, -0.7], "float32")], mode="py",
                   rng=np.random.RandomState(0))
    with pytest.raises(GradientError):
        th.verify_grad(ScaledSquare(2.5), [np.array([0.5, 1.5], "float32")], mode="py")


def test_grad_of_wrong_rank_is_an_error():
    x = T.dvector("x")
    with pytest.raises(TypeError, match="0 dimensions, the input 1"):
        T.grad(WrongRankGrad(2.0)(x).sum(), x)


# -- grad --------------------------------------------------------------------------------------------
def test_gradient_has_the_type_of_its_variable():
    r = T.drow("r")
    g = T.grad(UnbroadcastGrad(2.0)(r).sum(), r)
    assert g.type == r.type
    w = th.shared(np.ones((1, 3)), "w", broadcastable=(True, False))
    cost = UnbroadcastGrad(2.0)(w).sum()
    th.function([], cost, updates=[(w, w - 0.25 * T.grad(cost, w))], mode="py")()
    np.testing.assert_allclose(w.get_value(), np.full((1, 3), 0.5))


def test_grad_single_and_list(mode):
    x, y = T.dvector("x"), T.dscalar("y")
    cost = (x ** 2).sum() * y
    gx = T.grad(cost, x)
    gs = T.grad(cost, [x, y])
    assert gx.type == x.type and isinstance(gs, list) and gs[1].type == y.type
    a = np.array([1.0, -2.0])
    got = run([x, y], [gx] + gs, a, 3.0, mode=mode)
    np.testing.assert_allclose(got[0], 6 * a)
    np.testing.assert_allclose(got[1], 6 * a)
    np.testing.assert_allclose(got[2], (a ** 2).sum())


def test_grad_accumulates_over_every_use():
    x = T.dvector("x")
    g = T.grad((x * x + x + T.exp(x) * x).sum(), x)
    a = np.array([0.3, -1.0])
    np.testing.assert_allclose(run([x], g, a), 2 * a + 1 + np.exp(a) * (a + 1))


def test_grad_wrt_a_variable_computed_from_another_wrt():
    """The gradient wrt x is total: it includes the path through y, itself a wrt."""
    x = T.dvector("x")
    y = x * 2
    gx, gy = T.grad((y ** 2).sum() + x.sum(), [x, y])
    a = np.array([1.0, 2.0])
    got = run([x], [gx, gy], a)
    np.testing.assert_allclose(got[0], 8 * a + 1)
    np.testing.assert_allclose(got[1], 4 * a)


def test_grad_wrt_intermediate_variable():
    x = T.dvector("x")
    h = T.tanh(x)
    g = T.grad((h ** 3).sum(), h)
    a = np.array([0.5, -0.2])
    np.testing.assert_allclose(run([x], g, a), 3 * np.tanh(a) ** 2)


def test_consider_constant():
    x = T.dvector("x")
    y = x * 2
    g = T.grad((x * y).sum(), x, consider_constant=[y])
    a = np.array([1.0, 3.0])
    np.testing.assert_allclose(run([x], g, a), 2 * a)  # not 4 * a
    with pytest.raises(DisconnectedInputError):
        T.grad((y * y).sum(), x, consider_constant=[y])


def test_disconnected_inputs_raise_ignore_warn():
    x, y = T.dvector("x"), T.dvector("unused_y")
    cost = (x ** 2).sum()
    with pytest.raises(DisconnectedInputError, match="does not depend on 'unused_y'"):
        T.grad(cost, [x, y])
    gx, gy = T.grad(cost, [x, y], disconnected_inputs="ignore")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        T.grad(cost, y, disconnected_inputs="warn")
    assert any("unused_y" in str(w.message) for w in caught)
    got = run([x, y], [gx, gy], np.ones(2), np.ones(3))
    np.testing.assert_array_equal(got[1], np.zeros(3))


def test_piecewise_constant_path_is_connected_with_zero_gradient():
    x, i = T.dvector("x"), T.ivector("i")
    for cost in [T.floor(x).sum(), T.cast(x > 0, "float64").sum(), T.cast(T.argmax(x), "float64"),
                 (x * 0 + T.round(x)).sum()]:
        np.testing.assert_array_equal(run([x], T.grad(cost, x), np.array([0.2, 1.7])), [0, 0])
    g = T.grad((x * i).sum(), i)
    np.testing.assert_array_equal(run([x, i], g, np.ones(2), np.array([1, 2], "int32")), [0, 0])


def test_known_grads():
    x = T.dvector("x")
    h = x ** 2
    g = T.grad(None, x, known_grads={h: T.ones_like(h) * 3})
    a = np.array([1.0, -2.0])
    np.testing.assert_allclose(run([x], g, a), 6 * a)
    # known_grads add to the gradient that flows from the cost
    g2 = T.grad(h.sum(), x, known_grads={h: T.ones_like(h)})
    np.testing.assert_allclose(run([x], g2, a), 4 * a)


def test_cost_errors():
    x = T.dvector("x")
    with pytest.raises(TypeError, match=r"cost must be a scalar, got .*vector"):
        T.grad(x ** 2, x)
    with pytest.raises(TypeError, match="must be a float, got dtype int64"):
        T.grad(T.ivector("i").sum(), x)
    with pytest.raises(TypeError, match="wrt must be symbolic variables"):
        T.grad(x.sum(), np.ones(2))


def test_second_derivatives_by_grad_of_grad():
    th.verify_grad(lambda x: T.grad((T.sin(x) ** 2 * x).sum(), x), [np.array([0.3, -1.2, 2.0])],
                   mode="py")
    th.verify_grad(lambda x, w: T.grad(T.tanh(T.dot(x, w)).sum(), w),
                   [np.random.default_rng(1).normal(size=(2, 3)), np.ones((3, 1))], mode="py")


# -- jacobian, hessian ---------------------------------------------------------------------------
def test_jacobian():
    x = T.dvector("x")
    x.tag.test_value = np.ones(3)
    J = T.jacobian(x ** 2 * x[0], x)
    a = np.array([1.0, 2.0, 3.0])
    expect = np.diag(2 * a * a[0])
    expect[:, 0] += a ** 2
    np.testing.assert_allclose(run([x], J, a), expect)
    s = T.dscalar("s")
    np.testing.assert_allclose(run([s], T.jacobian(s ** 3, s), 2.0), 12.0)
    w = th.shared(np.arange(3.0), "w")
    np.testing.assert_allclose(run([], T.jacobian(T.exp(w), w)), np.diag(np.exp(np.arange(3.0))))


def test_jacobian_list_wrt_and_fixed_length_expression():
    x, y = T.dvector("x"), T.dscalar("y")
    e = T.stack([x[0] * x[1] * y, x[2] + y])
    Jx, Jy = T.jacobian(e, [x, y])
    got = run([x, y], [Jx, Jy], np.array([1.0, 2.0, 3.0]), 2.0)
    np.testing.assert_allclose(got[0], [[4.0, 2.0, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(got[1], [2.0, 1.0])


def test_jacobian_needs_a_known_length():
    y = T.dvector("y")
    with pytest.raises(ValueError, match="give y a test value"):
        T.jacobian(y * 2, y)
    with pytest.raises(TypeError, match="scalar or a vector"):
        T.jacobian(T.dmatrix("m") * 2, y)


def test_hessian():
    x = T.dvector("x")
    x.tag.test_value = np.ones(3)
    A = np.array([[1.0, 2.0, 0.0], [0.5, 3.0, 1.0], [0.0, -1.0, 2.0]])
    H = T.hessian(T.dot(x, T.dot(A, x)) + (x ** 3).sum(), x)
    a = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(run([x], H, a), A + A.T + np.diag(6 * a))
    y = T.dvector("y")
    y.tag.test_value = np.ones(2)
    Hx, Hy = T.hessian((x ** 2).sum() * (y ** 2).sum(), [x, y])
    got = run([x, y], [Hx, Hy], a, np.array([1.0, 2.0]))
    np.testing.assert_allclose(got[0], 2 * 5.0 * np.eye(3))
    np.testing.assert_allclose(got[1], 2 * (a ** 2).sum() * np.eye(2))
