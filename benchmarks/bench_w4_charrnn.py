#!/usr/bin/env python
"""W4: one training step of seed 003's char-RNN (vocab 65, hidden 100, 25 steps, softmax
cross-entropy, Adagrad): minitheano (scan, Numba) against a hand-written numpy forward/backward,
and PyTensor / JAX when importable.

    python benchmarks/bench_w4_charrnn.py [--repeat 300] [--no-compile]
Target (issue 5): at most 0.9x JAX's time.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_util import compile_times, fmt_ms, median_times, pin_threads  # noqa: E402

pin_threads()
import numpy as np  # noqa: E402

import numpy_baselines as nb  # noqa: E402

V, H, T = 65, 100, 25
LR = 0.1


def make_problem(seed: int = 1337):
    rng = np.random.RandomState(seed)
    params = [rng.randn(H, V) * 0.01, rng.randn(H, H) * 0.01, rng.randn(V, H) * 0.01,
              np.zeros(H), np.zeros(V)]
    inputs = rng.randint(V, size=T).astype(np.int64)
    targets = rng.randint(V, size=T).astype(np.int64)
    return params, inputs, targets


def numpy_step():
    params, inputs, targets = make_problem()
    mems = [np.zeros_like(p) for p in params]
    state = {"h": np.zeros(H)}

    def run():
        loss, state["h"] = nb.charrnn_adagrad_step(inputs, targets, state["h"], params, mems, LR)
        return loss
    return run


def minitheano_step():
    from minitheano.models.char_rnn import build_char_rnn
    params, inputs, targets = make_problem()
    model = build_char_rnn(V, H, lr=LR, params=params, dtype="float64")
    state = {"h": np.zeros(H)}

    def run():
        loss, state["h"] = model.step(inputs, targets, state["h"])
        return loss
    return run


def jax_step():
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    params, inputs, targets = make_problem()

    def loss(ps, inputs, targets, h0):
        Wxh, Whh, Why, bh, by = ps
        xh = Wxh.T[inputs] + bh

        def step(h, a):
            h = jnp.tanh(a + Whh @ h)
            return h, h

        h_last, hs = jax.lax.scan(step, h0, xh)
        ys = hs @ Why.T + by
        logp = jax.nn.log_softmax(ys, axis=1)
        return -jnp.sum(logp[jnp.arange(T), targets]), h_last

    @jax.jit
    def train(ps, mems, inputs, targets, h0):
        (value, h), gs = jax.value_and_grad(loss, has_aux=True)(ps, inputs, targets, h0)
        mems = [m + g * g for m, g in zip(mems, gs)]
        ps = [p - LR * g / jnp.sqrt(m + 1e-8) for p, g, m in zip(ps, gs, mems)]
        return value, h, ps, mems

    st = {"p": [jnp.asarray(p) for p in params], "m": [jnp.zeros_like(jnp.asarray(p)) for p in params],
          "h": jnp.zeros(H)}
    ij, tj = jnp.asarray(inputs), jnp.asarray(targets)

    def run():
        value, st["h"], st["p"], st["m"] = train(st["p"], st["m"], ij, tj, st["h"])
        return float(value)
    return run


def pytensor_step(mode=None):
    import pytensor
    import pytensor.tensor as pt
    params, inputs, targets = make_problem()
    ps = [pytensor.shared(p) for p in params]
    Wxh, Whh, Why, bh, by = ps
    iv, tv, h0 = pt.lvector(), pt.lvector(), pt.dvector()
    xh = Wxh.T[iv] + bh
    hs, _ = pytensor.scan(lambda a, h, W: pt.tanh(a + pt.dot(W, h)), sequences=xh,
                          outputs_info=h0, non_sequences=[Whh])
    ys = pt.dot(hs, Why.T) + by
    logp = pt.special.log_softmax(ys, axis=1)
    cost = -pt.sum(logp[pt.arange(T), tv])
    gs = pytensor.grad(cost, ps)
    mems = [pytensor.shared(np.zeros_like(p)) for p in params]
    updates = []
    for p, g, m in zip(ps, gs, mems):
        nm = m + g * g
        updates += [(m, nm), (p, p - LR * g / pt.sqrt(nm + 1e-8))]
    f = pytensor.function([iv, tv, h0], [cost, hs[-1]], updates=updates, mode=mode)
    state = {"h": np.zeros(H)}

    def run():
        loss, state["h"] = f(inputs, targets, state["h"])
        return loss
    return run


IMPLS = {"numpy": numpy_step, "minitheano": minitheano_step, "jax": jax_step,
         "pytensor": pytensor_step}


def compile_only() -> None:
    from minitheano.models import char_rnn, lstm  # noqa: F401  (imports are not compile time)
    t0 = time.perf_counter()
    minitheano_step()()
    print(json.dumps({"compile": time.perf_counter() - t0}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--impl", nargs="+", default=list(IMPLS))
    ap.add_argument("--repeat", type=int, default=300)
    ap.add_argument("--check", action="store_true", help="print each impl's first 3 losses")
    ap.add_argument("--no-compile", action="store_true", help="skip cold/warm compile timing")
    ap.add_argument("--compile-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.compile_only:
        return compile_only()
    print(f"W4 char-RNN step: vocab {V}, hidden {H}, {T} steps, Adagrad; "
          f"median of {args.repeat}, ms")
    results, runs = {}, {}
    for impl in args.impl:
        try:
            runs[impl] = IMPLS[impl]()
        except ImportError:
            results[impl] = None
    if args.check:
        for impl, run in runs.items():
            print(f"{impl:12s} losses", [round(float(run()), 10) for _ in range(3)])
        return
    results.update(median_times(runs, args.repeat))
    results = {impl: results[impl] for impl in args.impl}
    for impl, t in results.items():
        extra = ""
        if t and results.get("jax"):
            extra = f"   {t / results['jax']:.2f}x jax"
        elif t and results.get("numpy"):
            extra = f"   {t / results['numpy']:.2f}x numpy"
        print(f"{impl:12s}{fmt_ms(t)}{extra}")
    if not args.no_compile:
        ct = compile_times(os.path.abspath(__file__), [])
        print(f"minitheano compile: cold {ct['cold']:.2f} s, warm {ct['warm']:.2f} s "
              f"(fresh processes; build + first call)")


if __name__ == "__main__":
    main()
