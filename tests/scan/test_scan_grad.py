"""Gradients through scan (backpropagation through time) against finite differences and a
hand-written numpy BPTT."""
import numpy as np

import minitheano as th
from minitheano import tensor as T

rng = np.random.default_rng(42)


def _rnn(x, h0, W, U, b):
    hs, _ = th.scan(lambda x_t, h, W, U, b: T.tanh(T.dot(x_t, W) + T.dot(h, U) + b),
                    sequences=x, outputs_info=h0, non_sequences=[W, U, b])
    return hs


def test_grad_tanh_rnn():
    pts = [rng.normal(size=(6, 3)), rng.normal(size=4), rng.normal(size=(3, 4)),
           0.5 * rng.normal(size=(4, 4)), rng.normal(size=4)]
    th.verify_grad(_rnn, pts, mode="py")


def test_grad_tanh_rnn_batched():
    pts = [rng.normal(size=(5, 2, 3)), rng.normal(size=(2, 4)), rng.normal(size=(3, 4)),
           0.5 * rng.normal(size=(4, 4)), rng.normal(size=4)]
    th.verify_grad(_rnn, pts, mode="py")


def test_grad_power():
    def f(A):
        res, _ = th.scan(lambda p, A: p * A, outputs_info=T.ones_like(A), non_sequences=A,
                         n_steps=4)
        return res
    th.verify_grad(f, [rng.uniform(0.5, 1.5, size=3)], mode="py")


def test_grad_polynomial():
    def f(c, x):
        comps, _ = th.scan(lambda c, p, x: c * x ** p, sequences=[c, T.arange(c.shape[0])],
                           non_sequences=x)
        return comps.sum()
    th.verify_grad(f, [rng.normal(size=5), np.array(1.3)], mode="py")


def test_grad_cumsum_and_sequence_taps():
    def f(x, s0):
        out, _ = th.scan(lambda a, b, s: s * 0.9 + a * b,
                         sequences=dict(input=x, taps=[0, 2]), outputs_info=s0)
        return out
    th.verify_grad(f, [rng.normal(size=7), rng.normal(size=())], mode="py")


def test_grad_several_outputs_and_nit_sot():
    def f(x, h0, W):
        def step(x_t, h, W):
            h_new = T.tanh(T.dot(h, W) + x_t)
            return (h_new ** 2).sum(), h_new
        (s, hs), _ = th.scan(step, sequences=x, outputs_info=[None, h0], non_sequences=W)
        return s * 2 + hs.sum(1)
    th.verify_grad(f, [rng.normal(size=(5, 3)), rng.normal(size=3),
                       0.5 * rng.normal(size=(3, 3))], mode="py")


def test_grad_two_coupled_states():
    def f(x, a0, b0):
        def step(x_t, a, b):
            return T.sin(a) * b + x_t, a * 0.5 - T.cos(b)
        (a, b), _ = th.scan(step, sequences=x, outputs_info=[a0, b0])
        return a + 2 * b
    th.verify_grad(f, [rng.normal(size=(4, 2)), rng.normal(size=2), rng.normal(size=2)],
                   mode="py")


def test_grad_mit_sot_taps():
    def f(x0, w):
        out, _ = th.scan(lambda a, b, w: T.tanh(a * w + b), n_steps=6,
                         outputs_info=dict(initial=x0, taps=[-3, -1]), non_sequences=w)
        return out
    th.verify_grad(f, [rng.normal(size=(4, 2)), rng.normal(size=2)], mode="py")


def test_grad_go_backwards():
    def f(x, h0):
        out, _ = th.scan(lambda a, h: T.tanh(a + 0.7 * h), sequences=x, outputs_info=h0,
                         go_backwards=True)
        return out
    th.verify_grad(f, [rng.normal(size=(5, 2)), rng.normal(size=2)], mode="py")


def test_grad_wrt_shared_used_inside():
    W = th.shared(0.5 * rng.normal(size=(3, 3)), name="W")
    x = T.matrix("x")
    hs, _ = th.scan(lambda x_t, h: T.tanh(x_t + T.dot(h, W)), sequences=x,
                    outputs_info=T.zeros((3,)))
    cost = (hs ** 2).sum()
    gW = th.grad(cost, W)
    xv = rng.normal(size=(4, 3))
    f_cost = th.function([x], cost, mode="py")
    got = th.function([x], gW, mode="py")(xv)
    w0 = W.get_value()
    num = np.zeros_like(w0)
    for idx in np.ndindex(*w0.shape):
        for sgn in (1, -1):
            w = w0.copy()
            w[idx] += sgn * 1e-6
            W.set_value(w)
            num[idx] += sgn * f_cost(xv) / 2e-6
    W.set_value(w0)
    np.testing.assert_allclose(got, num, rtol=1e-5, atol=1e-8)


def test_grad_of_shared_update_state():
    """A state carried in a shared variable's update is differentiable like any state."""
    x = T.vector("x")
    acc = th.shared(np.float64(0.0), name="acc")
    out, updates = th.scan(lambda a: (acc * 0.5 + a, {acc: acc * 0.5 + a}), sequences=x)
    g = th.grad(out.sum() + updates[acc] * 3, x)
    xv = rng.normal(size=5)
    got = th.function([x], g, mode="py")(xv)
    # out_t = sum_{s<=t} 0.5^(t-s) x_s ; final = out_{n-1}
    n = 5
    want = np.array([sum(0.5 ** (t - s) for t in range(s, n)) + 3 * 0.5 ** (n - 1 - s)
                     for s in range(n)])
    np.testing.assert_allclose(got, want)


def _numpy_rnn_lm(xs, targets, hprev, Wxh, Whh, Why, bh, by):
    """Karpathy's min-char-rnn lossFun (seed 003) without the gradient clipping."""
    hs = {-1: hprev}
    ps, loss = {}, 0.0
    for t in range(len(xs)):
        hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
        y = Why @ hs[t] + by
        ps[t] = np.exp(y) / np.sum(np.exp(y))
        loss += -np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(xs))):
        dy = ps[t].copy()
        dy[targets[t]] -= 1
        dWhy += dy @ hs[t].T
        dby += dy
        dh = Why.T @ dy + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh += dhraw @ xs[t].T
        dWhh += dhraw @ hs[t - 1].T
        dhnext = Whh.T @ dhraw
    return loss, [dWxh, dWhh, dWhy, dbh, dby], dhnext


def test_rnn_language_model_matches_numpy_bptt():
    vocab, hidden, steps = 11, 8, 25
    r = np.random.RandomState(1337)
    Wxh, Whh = r.randn(hidden, vocab) * 0.3, r.randn(hidden, hidden) * 0.3
    Why, bh, by = r.randn(vocab, hidden) * 0.3, r.randn(hidden, 1) * 0.1, r.randn(vocab, 1) * 0.1
    inputs, targets = r.randint(vocab, size=steps), r.randint(vocab, size=steps)
    hprev = r.randn(hidden, 1) * 0.5
    xs = np.eye(vocab)[inputs][:, :, None]          # (steps, vocab, 1) column one-hots
    tg = np.eye(vocab)[targets][:, :, None]

    X, TG, H0 = T.tensor3("X"), T.tensor3("TG"), T.matrix("h0")
    params = [T.matrix(n) for n in ("Wxh", "Whh", "Why", "bh", "by")]
    pWxh, pWhh, pWhy, pbh, pby = params

    def step(x_t, tg_t, h, Wxh, Whh, Why, bh, by):
        h_new = T.tanh(T.dot(Wxh, x_t) + T.dot(Whh, h) + bh)
        y = T.dot(Why, h_new) + by
        logp = y - T.log(T.exp(y).sum(0, keepdims=True))
        return h_new, -(tg_t * logp).sum()

    (hs, losses), _ = th.scan(step, sequences=[X, TG], outputs_info=[H0, None],
                              non_sequences=params)
    loss = losses.sum()
    grads = th.grad(loss, params + [H0])
    f = th.function([X, TG, H0] + params, [loss] + grads, mode="py")
    got = f(xs, tg, hprev, Wxh, Whh, Why, bh, by)
    want_loss, want_grads, want_dh = _numpy_rnn_lm(xs, targets, hprev, Wxh, Whh, Why, bh, by)
    assert abs(got[0] - want_loss) < 1e-8
    for g, w in zip(got[1:], want_grads + [want_dh]):
        np.testing.assert_allclose(g, w, rtol=0, atol=1e-8)


def test_truncate_gradient_matches_cut_graph():
    """truncate_gradient=T: only the last T steps are backpropagated (Theano's meaning); the
    oracle is the full gradient of a graph whose earlier steps are constants."""
    n, T_ = 7, 3
    x = T.matrix("x")
    h0 = T.vector("h0")
    W = T.matrix("W")

    def step(x_t, h, W):
        return T.tanh(x_t + T.dot(h, W))

    hs, _ = th.scan(step, sequences=x, outputs_info=h0, non_sequences=W, truncate_gradient=T_)
    cost = (hs ** 2).sum()
    g_trunc = th.grad(cost, [x, h0, W])
    # oracle: run the first n-T steps, cut, then the last T steps
    early, _ = th.scan(step, sequences=x[:n - T_], outputs_info=h0, non_sequences=W)
    cut = early[-1]
    late, _ = th.scan(step, sequences=x[n - T_:], outputs_info=cut, non_sequences=W)
    cost_cut = (late ** 2).sum()
    g_cut = th.grad(cost_cut, [x, W], consider_constant=[cut])
    xv, hv, wv = rng.normal(size=(n, 2)), rng.normal(size=2), 0.6 * rng.normal(size=(2, 2))
    gt = th.function([x, h0, W], g_trunc, mode="py")(xv, hv, wv)
    gc = th.function([x, h0, W], g_cut, mode="py", on_unused_input="ignore")(xv, hv, wv)
    np.testing.assert_allclose(gt[0], gc[0], atol=1e-12)
    np.testing.assert_allclose(gt[2], gc[1], atol=1e-12)
    assert np.all(gt[0][:n - T_] == 0) and np.any(gt[0][n - T_:] != 0)
    assert np.all(gt[1] == 0)
    # with T >= n the truncated gradient is the full one
    hs2, _ = th.scan(step, sequences=x, outputs_info=h0, non_sequences=W, truncate_gradient=n)
    full, _ = th.scan(step, sequences=x, outputs_info=h0, non_sequences=W)
    a = th.function([x, h0, W], th.grad((hs2 ** 2).sum(), [x, h0, W]), mode="py")(xv, hv, wv)
    b = th.function([x, h0, W], th.grad((full ** 2).sum(), [x, h0, W]), mode="py")(xv, hv, wv)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, atol=1e-12)


def test_second_order_gradient():
    """Gradient of a gradient: the backward loop is itself a scan, differentiated again."""
    def f(w):
        hs, _ = th.scan(lambda h, w: T.tanh(h * w + 0.3), outputs_info=T.ones_like(w),
                        non_sequences=w, n_steps=4)
        return th.grad((hs ** 2).sum(), w)
    th.verify_grad(f, [rng.uniform(0.2, 0.9, size=3)], mode="py")


def test_integer_sequence_has_no_gradient():
    x = T.vector("x")
    idx = T.ivector("idx")
    out, _ = th.scan(lambda a, i: a * T.cast(i, "float64"), sequences=[x, idx])
    gx, gi = th.grad(out.sum(), [x, idx], disconnected_inputs="ignore")
    got = th.function([x, idx], gx, mode="py")(np.ones(3), np.array([1, 2, 3], "int32"))
    np.testing.assert_allclose(got, [1, 2, 3])
