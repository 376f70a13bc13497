"""The benchmarks' hand-written numpy steps compute what the seeds' reference code computes."""
import importlib.util
from pathlib import Path

import numpy as np

from . import reference_charrnn as rc
from . import reference_lstm as rl

_path = Path(__file__).parents[2] / "benchmarks" / "numpy_baselines.py"
_spec = importlib.util.spec_from_file_location("numpy_baselines", _path)
nb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nb)


def test_lstm_baseline_matches_seed000_summed_over_batch():
    rnd = np.random.RandomState(0)
    M, N, T, B = 3, 4, 7, 3
    weights = rl.init_weights(M, N, rnd, scale=0.5)
    x = rnd.randn(T, B, M)
    targets = rnd.randn(T, B, N)
    loss, grads = nb.lstm_grads(x, targets, weights)
    ref_loss, ref_grads = 0.0, [np.zeros_like(w) for w in weights]
    for k in range(B):
        y, st = rl.forward(x[:, k], weights)
        ref_loss += rl.SE(y, targets[:, k])
        _, gs, _ = rl.backward(x[:, k], y - targets[:, k], weights, st)
        ref_grads = [a + g for a, g in zip(ref_grads, gs)]
    np.testing.assert_allclose(loss, ref_loss, rtol=1e-12)
    for g, r, name in zip(grads, ref_grads, rl.WEIGHT_NAMES):
        np.testing.assert_allclose(g, r, atol=1e-12, err_msg=name)


def test_charrnn_baseline_matches_seed003_lossfun():
    rng = np.random.RandomState(1)
    V, H, T = 11, 6, 25
    params = list(rc.init_params(V, H, rng, scale=0.5))
    params[3] += rng.randn(H, 1) * 0.1
    inputs = rng.randint(V, size=T)
    targets = rng.randint(V, size=T)
    hprev = rng.randn(H, 1) * 0.5
    ref = rc.lossFun(list(inputs), list(targets), hprev, params, clip=False)
    flat = [params[0], params[1], params[2], params[3][:, 0], params[4][:, 0]]
    loss, grads, h = nb.charrnn_grads(inputs, targets, hprev[:, 0], flat)
    np.testing.assert_allclose(loss, ref[0], rtol=1e-12)
    for g, r in zip(grads, ref[1:6]):
        np.testing.assert_allclose(g, r.reshape(g.shape), atol=1e-12)
    np.testing.assert_allclose(h, ref[6][:, 0], atol=1e-14)
