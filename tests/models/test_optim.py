"""Optimisers: one step of each update builder against its numpy formula."""
import numpy as np

import minitheano as th
from minitheano import tensor as T
from minitheano.models import optim


def _setup(dtype="float64"):
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(3, 4)).astype(dtype)
    x = T.matrix("x", dtype=dtype)
    w = th.shared(w0, name="w")
    cost = ((T.dot(x, w) - 1.0) ** 2).sum()
    xv = rng.normal(size=(5, 3)).astype(dtype)
    g = 2 * xv.T @ (xv @ w0 - 1.0)  # d cost / d w
    return x, w, cost, w0, xv, g


def test_sgd(mode):
    x, w, cost, w0, xv, g = _setup()
    f = th.function([x], cost, updates=optim.sgd(cost, [w], lr=0.01), mode=mode)
    f(xv)
    np.testing.assert_allclose(w.get_value(), w0 - 0.01 * g, rtol=1e-12)


def test_adagrad_two_steps(mode):
    x, w, cost, w0, xv, g = _setup()
    f = th.function([x], cost, updates=optim.adagrad(cost, [w], lr=0.1), mode=mode)
    f(xv)
    mem = g * g
    w1 = w0 - 0.1 * g / np.sqrt(mem + 1e-8)
    np.testing.assert_allclose(w.get_value(), w1, rtol=1e-12)
    f(xv)
    g1 = 2 * xv.T @ (xv @ w1 - 1.0)
    mem += g1 * g1
    np.testing.assert_allclose(w.get_value(), w1 - 0.1 * g1 / np.sqrt(mem + 1e-8), rtol=1e-12)


def test_adagrad_clip():
    x, w, cost, w0, xv, g = _setup()
    f = th.function([x], cost, updates=optim.adagrad(cost, [w], lr=0.1, clip=1.0), mode="py")
    f(xv)
    gc = np.clip(g, -1, 1)
    np.testing.assert_allclose(w.get_value(), w0 - 0.1 * gc / np.sqrt(gc * gc + 1e-8))


def test_rmaxprop_float32(mode):
    rng = np.random.default_rng(1)
    w0 = rng.normal(size=6).astype("float32")
    w = th.shared(w0, name="w")
    m = T.vector("m", dtype="float32")
    ups = optim.rmaxprop([w], [m], r0=0.5, exp_rms=0.9, eps=1e-32, w_min=-1.0, w_max=1.0)
    f = th.function([m], [], updates=ups, mode=mode)
    m1 = rng.normal(size=6).astype("float32")
    m2 = (0.1 * rng.normal(size=6)).astype("float32")
    f(m1); f(m2)
    u = np.maximum(m1 * m1, 0)
    w1 = np.clip(w0 + 0.5 / np.sqrt(u) * m1, -1, 1)
    u = np.maximum(u * 0.9, m2 * m2)
    np.testing.assert_allclose(w.get_value(), np.clip(w1 + 0.5 / np.sqrt(u) * m2, -1, 1),
                               rtol=1e-5)
    assert w.get_value().dtype == np.float32
