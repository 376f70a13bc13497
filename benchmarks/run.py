#!/usr/bin/env python
"""Issue 4 benchmarks: minitheano's Numba mode against numpy (and PyTensor / JAX when
importable), single-threaded, medians of repeated calls, ratios measured in the same run.

    python benchmarks/run.py [w1 w2 w5 w6 compile] [--repeat N] [--quick]

W1  notebook logistic sigmoid(dot(x, W) + b), x (N,), W (N, N), N = 100, 1000, 3000
W2  MLP SGD step: batch 64, 784-256-10, tanh, softmax crossentropy, updates
W5  exp(-x**2)*sin(x) + tanh(x)/(1+abs(x)) on 1e6 / 1e7 float64; a hand-written Numba loop
    and x.copy() (the memory floor) for reference
W6  call overhead of f(x) = x + 1 on a scalar (plain and trust_input)
compile  cold (fresh cache dir, fresh process) and warm (second process) compile of W1, W2
    and an LSTM step's cost + gradient graph
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_util import compile_times, median_times, pin_threads  # noqa: E402

pin_threads()
import numpy as np  # noqa: E402


def _optional(name):
    try:
        return __import__(name)
    except Exception:  # noqa: BLE001  (not installed, or broken)
        return None


# -- workloads: each builder returns {implementation: callable} --------------------------------
def w1(n: int) -> dict:
    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal(n), rng.standard_normal((n, n)) / n, rng.standard_normal(n)
    impls = {"numpy": lambda: 1.0 / (1.0 + np.exp(-(x @ W + b)))}
    f = _mt_w1()
    impls["minitheano"] = lambda: f(x, W, b)
    ft = _mt_w1(trust_input=True)
    impls["minitheano trusted"] = lambda: ft(x, W, b)
    return impls


def _mt_w1(**kw):
    import minitheano as th
    from minitheano import tensor as T
    x, W, b = T.dvector("x"), T.dmatrix("W"), T.dvector("b")
    return th.function([x, W, b], T.nnet.sigmoid(T.dot(x, W) + b), **kw)


B, NI, NH, NO, LR = 64, 784, 256, 10, 0.01


def _mlp_data(seed=0):
    rng = np.random.default_rng(seed)
    ws = [rng.standard_normal((NI, NH)) * 0.05, np.zeros(NH), rng.standard_normal((NH, NO)) * 0.05,
          np.zeros(NO)]
    return ws, rng.standard_normal((B, NI)), rng.integers(0, NO, B)


def _mt_w2(ws):
    import minitheano as th
    from minitheano import tensor as T
    W1, b1, W2, b2 = (th.shared(w.copy(), name=n) for w, n in zip(ws, ["W1", "b1", "W2", "b2"]))
    x, y = T.dmatrix("x"), T.lvector("y")
    h = T.tanh(T.dot(x, W1) + b1)
    p = T.nnet.softmax(T.dot(h, W2) + b2)
    cost = T.mean(T.nnet.categorical_crossentropy(p, y))
    params = [W1, b1, W2, b2]
    grads = T.grad(cost, params)
    return th.function([x, y], cost, updates=[(w, w - LR * g) for w, g in zip(params, grads)])


def w2() -> dict:
    ws, x, y = _mlp_data()
    W1, b1, W2, b2 = (w.copy() for w in ws)
    rows = np.arange(B)

    def numpy_step():
        h = np.tanh(x @ W1 + b1)
        z = h @ W2 + b2
        e = np.exp(z - z.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        cost = -np.log(p[rows, y]).mean()
        dz = p
        dz[rows, y] -= 1
        dz /= B
        dh = (dz @ W2.T) * (1 - h * h)
        W2[...] -= LR * (h.T @ dz)
        b2[...] -= LR * dz.sum(axis=0)
        W1[...] -= LR * (x.T @ dh)
        b1[...] -= LR * dh.sum(axis=0)
        return cost
    f = _mt_w2(ws)
    impls = {"numpy": numpy_step, "minitheano": lambda: f(x, y)}
    jax = _optional("jax")
    if jax is not None:
        impls["jax"] = _jax_w2(jax, ws, x, y)
    return impls


def _jax_w2(jax, ws, x, y):
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy

    def loss(params, x, y):
        W1, b1, W2, b2 = params
        h = jnp.tanh(x @ W1 + b1)
        logp = jax.nn.log_softmax(h @ W2 + b2)
        return -jnp.mean(logp[jnp.arange(B), y])

    @jax.jit
    def step(params, x, y):
        cost, grads = jax.value_and_grad(loss)(params, x, y)
        return [p - LR * g for p, g in zip(params, grads)], cost
    state = {"p": [jnp.asarray(w) for w in ws]}
    xj, yj = jnp.asarray(x), jnp.asarray(y)

    def run():
        state["p"], cost = step(state["p"], xj, yj)
        return cost.block_until_ready()
    return run


def _chain_np(x):
    return np.exp(-x ** 2) * np.sin(x) + np.tanh(x) / (1 + np.abs(x))


def w5(n: int) -> dict:
    import math

    import numba
    x = np.random.default_rng(0).standard_normal(n)

    @numba.njit(cache=True)
    def loop(x):
        out = np.empty_like(x)
        for i in range(x.shape[0]):
            v = x[i]
            out[i] = math.exp(-v * v) * math.sin(v) + math.tanh(v) / (1 + abs(v))
        return out
    import minitheano as th
    from minitheano import tensor as T
    xv = T.dvector("x")
    f = th.function([xv], T.exp(-xv ** 2) * T.sin(xv) + T.tanh(xv) / (1 + abs(xv)))
    impls = {"numpy": lambda: _chain_np(x), "minitheano": lambda: f(x),
             "numba loop": lambda: loop(x), "copy (floor)": lambda: x.copy()}
    jax = _optional("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
        jf = jax.jit(lambda x: jax.numpy.exp(-x ** 2) * jax.numpy.sin(x) +
                     jax.numpy.tanh(x) / (1 + jax.numpy.abs(x)))
        xj = jax.numpy.asarray(x)
        impls["jax"] = lambda: jf(xj).block_until_ready()
    return impls


def w6() -> dict:
    import minitheano as th
    from minitheano import tensor as T
    x = T.dscalar("x")
    f, ft = th.function([x], x + 1), th.function([x], x + 1, trust_input=True)
    a = np.asarray(2.0)
    impls = {"numpy": lambda: a + 1, "minitheano": lambda: f(a), "minitheano trusted": lambda: ft(a)}
    pt = _optional("pytensor")
    if pt is not None:
        import pytensor.tensor as ptt
        px = ptt.dscalar("x")
        pf = pt.function([px], px + 1, mode="NUMBA")
        pft = pt.function([px], px + 1, mode="NUMBA")
        pft.trust_input = True
        impls["pytensor"], impls["pytensor trusted"] = (lambda: pf(a)), (lambda: pft(a))
    jax = _optional("jax")
    if jax is not None:
        jf = jax.jit(lambda x: x + 1)
        impls["jax"] = lambda: jf(a).block_until_ready()
    return impls


# -- compile-time graphs -------------------------------------------------------------------
def lstm_step_graph():
    """One peephole-LSTM step (batch 32, in 64, hidden 128): cost and its 15 gradients."""
    import minitheano as th
    from minitheano import tensor as T
    Bs, M, N = 32, 64, 128
    x, h, c, tgt = T.dmatrix("x"), T.dmatrix("h"), T.dmatrix("c"), T.dmatrix("t")
    rng = np.random.default_rng(0)
    ws = [th.shared(rng.standard_normal(s) * 0.1, name=f"w{k}") for k, s in
          enumerate([(M, N)] * 4 + [(N, N)] * 4 + [(N,)] * 7)]
    Wz, Wi, Wf, Wo, Rz, Ri, Rf, Ro, pi, pf, po, bz, bi, bf, bo = ws
    z = T.tanh(T.dot(x, Wz) + T.dot(h, Rz) + bz)
    i = T.nnet.sigmoid(T.dot(x, Wi) + T.dot(h, Ri) + pi * c + bi)
    f = T.nnet.sigmoid(T.dot(x, Wf) + T.dot(h, Rf) + pf * c + bf)
    c2 = i * z + f * c
    o = T.nnet.sigmoid(T.dot(x, Wo) + T.dot(h, Ro) + po * c2 + bo)
    y = o * T.tanh(c2)
    cost = 0.5 * T.sum((y - tgt) ** 2)
    fn = th.function([x, h, c, tgt], [cost] + T.grad(cost, ws))
    args = [rng.standard_normal((Bs, M)), rng.standard_normal((Bs, N)),
            rng.standard_normal((Bs, N)), rng.standard_normal((Bs, N))]
    return fn, args


COMPILE = {"W1": lambda: _mt_w1(), "W2": lambda: _mt_w2(_mlp_data()[0]),
           "LSTM step + grad": lambda: lstm_step_graph()[0]}


def compile_only(name: str) -> None:
    t0 = time.perf_counter()
    import minitheano  # noqa: F401  (import is part of what a user waits for)
    COMPILE[name]()
    print(json.dumps({"compile": time.perf_counter() - t0}))


# -- reporting -----------------------------------------------------------------------------
def report(title: str, impls: dict, repeat: int, unit: str = "ms") -> None:
    scale = {"ms": 1e3, "us": 1e6}[unit]
    times = median_times(impls, repeat=repeat, min_time=0.2)
    base = times["numpy"]
    print(f"\n{title}")
    for k, t in times.items():
        print(f"  {k:20s} {t * scale:10.2f} {unit}   {t / base:5.2f}x numpy")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", nargs="*", default=["w1", "w2", "w5", "w6", "compile"])
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--quick", action="store_true", help="skip the largest sizes")
    ap.add_argument("--compile-only", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.compile_only:
        return compile_only(args.compile_only)
    if "w1" in args.what:
        for n in (100, 1000) if args.quick else (100, 1000, 3000):
            report(f"W1 logistic N={n}", w1(n), args.repeat, "us" if n <= 1000 else "ms")
    if "w2" in args.what:
        report("W2 MLP SGD step (64, 784-256-10)", w2(), args.repeat)
    if "w5" in args.what:
        for n in (10**6,) if args.quick else (10**6, 10**7):
            report(f"W5 elementwise chain n={n:.0e}", w5(n), max(5, args.repeat // 3))
    if "w6" in args.what:
        report("W6 call overhead, f(x) = x + 1 on a scalar", w6(), args.repeat * 100, "us")
    if "compile" in args.what:
        print("\ncompile (fresh processes; cold = empty cache dir, warm = median of 3)")
        for name in COMPILE:
            t = compile_times(os.path.abspath(__file__), [name])
            print(f"  {name:20s} cold {t['cold']:6.2f} s   warm {t['warm']:6.2f} s")


if __name__ == "__main__":
    main()
