"""The scan-built peephole LSTM against seed 000's numpy forward and backward."""
import numpy as np
import pytest

import minitheano as th
from minitheano import tensor as T
from minitheano.models import lstm

from . import reference_lstm as rl

M, N, STEPS, BATCH = 3, 4, 7, 2


def _symbolic_weights(dtype="float64"):
    mk = {2: T.matrix, 1: T.vector}
    shapes = [(M, N)] * 4 + [(N, N)] * 4 + [(N,)] * 7
    return [mk[len(s)](name, dtype=dtype) for s, name in zip(shapes, lstm.WEIGHT_NAMES)]


def _problem(seed, batch):
    rnd = np.random.RandomState(seed)
    weights = rl.init_weights(M, N, rnd, scale=0.5)
    shape = (STEPS, BATCH, M) if batch else (STEPS, M)
    x = rnd.randn(*shape)
    targets = rnd.randn(*shape[:-1], N)
    return weights, x, targets


def _reference(weights, x, targets):
    """Seed 000 forward/backward, run per batch element and summed (the loss is a sum)."""
    xs, ts = (x, targets) if x.ndim == 3 else (x[:, None], targets[:, None])
    ys, dxs, grads = [], [], [np.zeros_like(w) for w in weights]
    for k in range(xs.shape[1]):
        y, st = rl.forward(xs[:, k], weights)
        dx, gs, _ = rl.backward(xs[:, k], rl.SE_deriv(y, ts[:, k]), weights, st)
        ys.append(y); dxs.append(dx)
        grads = [a + g for a, g in zip(grads, gs)]
    y, dx = np.stack(ys, 1), np.stack(dxs, 1)
    return (y, dx, grads) if x.ndim == 3 else (y[:, 0], dx[:, 0], grads)


@pytest.mark.parametrize("batch", [False, True])
def test_forward_and_gradients_match_seed000(mode, batch):
    ws = _symbolic_weights()
    x = T.tensor3("x") if batch else T.matrix("x")
    targets = T.tensor3("t") if batch else T.matrix("t")
    y, _ = lstm.peephole_lstm(x, ws, N)
    cost = lstm.squared_error(y, targets)
    grads = th.grad(cost, ws + [x])
    f = th.function([x, targets] + ws, [y] + grads, mode=mode)
    weights, xv, tv = _problem(0, batch)
    y_ref, dx_ref, g_ref = _reference(weights, xv, tv)
    out = f(xv, tv, *weights)
    np.testing.assert_allclose(out[0], y_ref, rtol=0, atol=1e-12)
    for g, r, name in zip(out[1:16], g_ref, lstm.WEIGHT_NAMES):
        np.testing.assert_allclose(g, r, rtol=0, atol=1e-8, err_msg=name)
    np.testing.assert_allclose(out[16], dx_ref, rtol=0, atol=1e-8, err_msg="dx")


def test_regression_training_step_is_sgd_on_seed_gradients():
    weights, xv, tv = _problem(1, True)
    model = lstm.build_lstm_regression(M, N, lr=0.05, weights=weights)
    y_ref, _, g_ref = _reference(weights, xv, tv)
    loss = model.train(xv, tv)
    np.testing.assert_allclose(loss, rl.SE(y_ref, tv), rtol=1e-12)
    for p, w, g in zip(model.params, weights, g_ref):
        np.testing.assert_allclose(p.get_value(), w - 0.05 * g, atol=1e-12, err_msg=p.name)


def test_regression_learns_float32():
    rnd = np.random.RandomState(2)
    model = lstm.build_lstm_regression(M, N, lr=0.02, dtype="float32", rng=rnd)
    xv = rnd.randn(STEPS, 8, M).astype("float32")
    tv = (0.5 * np.tanh(np.cumsum(xv, 0)[..., :1]) * np.ones(N)).astype("float32")
    losses = [float(model.train(xv, tv)) for _ in range(150)]
    assert model.params[0].get_value().dtype == np.float32
    assert losses[-1] < 0.3 * losses[0]
    y = model.predict(xv)  # compiled on first use; the loss train reports is its error
    assert y.dtype == np.float32 and y.shape == tv.shape
    np.testing.assert_allclose(rl.SE(y.astype(float), tv), float(model.train(xv, tv)), rtol=1e-4)
