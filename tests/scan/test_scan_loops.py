"""scan's forward semantics on Theano's tutorial loops, each checked against a numpy loop."""
from collections import OrderedDict

import numpy as np
import pytest

import minitheano as th
from minitheano import tensor as T
from tests.helpers import check_infer_shape

MODES = ["py", "FAST_RUN"]


@pytest.fixture(params=MODES)
def mode(request):
    return request.param


def test_power_by_repeated_multiply(mode):
    k = T.iscalar("k")
    A = T.vector("A")
    result, updates = th.scan(lambda prior, A: prior * A, outputs_info=T.ones_like(A),
                              non_sequences=A, n_steps=k)
    assert updates == OrderedDict()
    f = th.function([A, k], result, mode=mode)
    a = np.array([0.5, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(f(a, 4), np.stack([a ** p for p in range(1, 5)]))
    assert f(a, 0).shape == (0, 4)


def test_power_last_step(mode):
    k = T.iscalar("k")
    A = T.vector("A")
    result, _ = th.scan(lambda prior, A: prior * A, outputs_info=T.ones_like(A),
                        non_sequences=A, n_steps=k)
    f = th.function([A, k], result[-1], mode=mode)
    np.testing.assert_allclose(f(np.arange(5.0), 3), np.arange(5.0) ** 3)


def test_polynomial_from_coefficients(mode):
    coefficients = T.vector("coefficients")
    x = T.scalar("x")
    full_range = T.arange(10000)
    components, _ = th.scan(lambda c, power, free: c * (free ** power),
                            sequences=[coefficients, full_range], non_sequences=x)
    f = th.function([coefficients, x], components.sum(), mode=mode)
    c = np.array([1.0, 0.0, 2.0, -1.5])
    assert np.isclose(f(c, 3.0), np.polyval(c[::-1], 3.0))


def test_cumulative_sum(mode):
    a = T.vector("a")
    total0 = T.as_tensor_variable(np.asarray(0.0, a.dtype))
    result, _ = th.scan(lambda a_i, total: a_i + total, sequences=a, outputs_info=total0)
    f = th.function([a], result, mode=mode)
    v = np.random.default_rng(0).normal(size=7)
    np.testing.assert_allclose(f(v), np.cumsum(v))


def test_fibonacci_taps(mode):
    x0 = T.vector("x0")
    n = T.iscalar("n")
    fib, _ = th.scan(lambda a, b: a + b, outputs_info=dict(initial=x0, taps=[-2, -1]),
                     n_steps=n)
    f = th.function([x0, n], fib, mode=mode)
    want, a, b = [], 1.0, 1.0
    for _ in range(8):
        a, b = b, a + b
        want.append(b)
    np.testing.assert_allclose(f(np.array([1.0, 1.0]), 8), want)
    # extra initial rows beyond -min(taps) are ignored, as in Theano
    np.testing.assert_allclose(f(np.array([1.0, 1.0, 99.0]), 8), want)


def test_taps_order_and_asymmetric_taps(mode):
    x0 = T.vector("x0")
    # taps [-1, -3]: fn gets s[t-1] then s[t-3]; s_t = s[t-1] - 0.5 s[t-3]
    out, _ = th.scan(lambda a, c: a - 0.5 * c, outputs_info=dict(initial=x0, taps=[-1, -3]),
                     n_steps=6)
    f = th.function([x0], out, mode=mode)
    s = [1.0, 2.0, 4.0]
    for _ in range(6):
        s.append(s[-1] - 0.5 * s[-3])
    np.testing.assert_allclose(f(np.array([1.0, 2.0, 4.0])), s[3:])


def test_sequence_taps(mode):
    x = T.vector("x")
    out, _ = th.scan(lambda a, b, c: a + 10 * b + 100 * c,
                     sequences=dict(input=x, taps=[-1, 0, 1]))
    v = np.arange(6.0)
    np.testing.assert_allclose(th.function([x], out, mode=mode)(v),
                               [v[t] + 10 * v[t + 1] + 100 * v[t + 2] for t in range(4)])
    # a single negative tap drops the last entries (Theano reads x[t] for t < len + tap)
    out1, _ = th.scan(lambda a: 2 * a, sequences=dict(input=x, taps=[-2]))
    np.testing.assert_allclose(th.function([x], out1, mode=mode)(v), 2 * v[:4])
    out2, _ = th.scan(lambda a: 2 * a, sequences=dict(input=x, taps=[2]))
    np.testing.assert_allclose(th.function([x], out2, mode=mode)(v), 2 * v[2:])


def test_several_outputs_with_none(mode):
    x = T.matrix("x")
    h0 = T.vector("h0")

    def step(x_t, h):
        h_new = T.tanh(x_t + h)
        return h_new.sum(), h_new

    (sums, hs), _ = th.scan(step, sequences=x, outputs_info=[None, h0])
    f = th.function([x, h0], [sums, hs], mode=mode)
    xv = np.random.default_rng(1).normal(size=(5, 3))
    h, want_h, want_s = np.zeros(3), [], []
    for t in range(5):
        h = np.tanh(xv[t] + h)
        want_h.append(h)
        want_s.append(h.sum())
    got_s, got_h = f(xv, np.zeros(3))
    np.testing.assert_allclose(got_s, want_s)
    np.testing.assert_allclose(got_h, want_h)


def test_symbolic_n_steps_and_return_list(mode):
    n = T.iscalar("n")
    out, _ = th.scan(lambda s: s * 2, outputs_info=T.constant(1.0), n_steps=n * 2,
                     return_list=True)
    assert isinstance(out, list) and len(out) == 1
    np.testing.assert_allclose(th.function([n], out[0], mode=mode)(3), 2.0 ** np.arange(1, 7))


def test_n_steps_shorter_than_sequence(mode):
    x = T.vector("x")
    out, _ = th.scan(lambda a: a + 1, sequences=x, n_steps=3)
    np.testing.assert_allclose(th.function([x], out, mode=mode)(np.arange(5.0)), [1, 2, 3])


def test_shared_counter_updates(mode):
    state = th.shared(np.int64(0), name="state")
    out, updates = th.scan(lambda: {state: state + 1}, n_steps=10)
    assert out is None and list(updates) == [state]
    f = th.function([], [], updates=updates, mode=mode)
    f()
    assert state.get_value() == 10
    f()
    assert state.get_value() == 20


def test_shared_update_with_outputs(mode):
    """fn returns (outputs, updates): the shared value seen by each step is the updated one."""
    acc = th.shared(np.zeros(2), name="acc")
    x = T.matrix("x")

    def step(x_t):
        new = acc + x_t
        return new * 2, OrderedDict([(acc, new)])

    out, updates = th.scan(step, sequences=x)
    f = th.function([x], out, updates=updates, mode=mode)
    xv = np.arange(6.0).reshape(3, 2)
    np.testing.assert_allclose(f(xv), 2 * np.cumsum(xv, axis=0))
    np.testing.assert_allclose(acc.get_value(), xv.sum(0))


def test_shared_used_inside_is_implicit_input(mode):
    W = th.shared(np.eye(2) * 2, name="W")
    h0 = T.vector("h0")
    out, updates = th.scan(lambda h: T.dot(h, W), outputs_info=h0, n_steps=3)
    assert updates == OrderedDict()
    node = out.owner
    assert W in node.inputs
    f = th.function([h0], out, mode=mode)
    np.testing.assert_allclose(f(np.ones(2)), [[2, 2], [4, 4], [8, 8]])
    W.set_value(np.eye(2))
    np.testing.assert_allclose(f(np.ones(2)), np.ones((3, 2)))


def test_closure_over_outer_variable(mode):
    x = T.vector("x")
    c = T.scalar("c")
    out, _ = th.scan(lambda a: a * c + 1, sequences=x)
    assert c in out.owner.inputs
    np.testing.assert_allclose(th.function([x, c], out, mode=mode)(np.arange(3.0), 2.0),
                               [1, 3, 5])


def test_go_backwards(mode):
    x = T.vector("x")
    out, _ = th.scan(lambda a, s: s + a, sequences=x, outputs_info=T.constant(0.0),
                     go_backwards=True)
    v = np.array([1.0, 2.0, 4.0, 8.0])
    # computation order: the last element first
    np.testing.assert_allclose(th.function([x], out, mode=mode)(v), np.cumsum(v[::-1]))


def test_nested_scan(mode):
    """Each row of M raised to the powers 1..k, by a scan inside a scan."""
    M = T.matrix("M")
    k = T.iscalar("k")

    def row_powers(row, k):
        pw, _ = th.scan(lambda p, row: p * row, outputs_info=T.ones_like(row),
                        non_sequences=row, n_steps=k)
        return pw.sum(0)

    out, _ = th.scan(row_powers, sequences=M, non_sequences=k)
    m = np.random.default_rng(2).uniform(0.5, 1.5, size=(3, 4))
    want = sum(m ** p for p in range(1, 4))
    np.testing.assert_allclose(th.function([M, k], out, mode=mode)(m, 3), want)


def test_matrix_state_with_dot(mode):
    x = T.tensor3("x")
    h0 = T.matrix("h0")
    W = T.matrix("W")
    hs, _ = th.scan(lambda x_t, h, W: T.tanh(x_t + T.dot(h, W)), sequences=x,
                    outputs_info=h0, non_sequences=W)
    rng = np.random.default_rng(3)
    xv, hv, wv = rng.normal(size=(4, 2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(3, 3))
    want, h = [], hv
    for t in range(4):
        h = np.tanh(xv[t] + h @ wv)
        want.append(h)
    np.testing.assert_allclose(th.function([x, h0, W], hs, mode=mode)(xv, hv, wv), want)


def test_infer_shape():
    x = T.matrix("x")
    h0 = T.vector("h0")
    (hs, ys), _ = th.scan(lambda x_t, h: [T.tanh(x_t + h), T.outer(x_t, h)],
                          sequences=x, outputs_info=[h0, None])
    xv = np.ones((4, 3))
    check_infer_shape([hs, ys], [x, h0], [xv, np.zeros(3)])


def test_inner_graph_attributes():
    x = T.vector("x")
    out, _ = th.scan(lambda a: a * 2, sequences=x, name="double")
    op = out.owner.op
    assert str(op) == "for{cpu,double}"
    assert len(op.inner_inputs) == 1 and len(op.inner_outputs) == 1
    assert op.inner_inputs[0].name == "x[t]"
    # identical loops are equal ops (merge can share them)
    out2, _ = th.scan(lambda a: a * 2, sequences=x, name="double")
    assert out2.owner.op == op and hash(out2.owner.op) == hash(op)
    out3, _ = th.scan(lambda a: a * 3, sequences=x)
    assert out3.owner.op != op
