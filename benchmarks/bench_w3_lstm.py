#!/usr/bin/env python
"""W3: one training step of seed 000's peephole LSTM (batch 32, inputs 64, hidden 128, 50 steps;
squared error on all outputs, full BPTT, SGD) in float64 and float32: minitheano (scan, Numba)
against a hand-written numpy forward/backward, and PyTensor / JAX when importable.

    python benchmarks/bench_w3_lstm.py [--dtype float64 float32] [--repeat 20] [--no-compile]
Targets (issue 5): at most 0.8x numpy's time in both precisions; cold compile < 5 s, warm < 0.3 s.
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

B, M, N, T = 32, 64, 128, 50
LR = 1e-4  # small, so repeated steps keep the weights (and the work) alike


def make_problem(dtype: str, seed: int = 0):
    rng = np.random.RandomState(seed)
    shapes = [(M, N)] * 4 + [(N, N)] * 4 + [(N,)] * 7
    weights = [(rng.randn(*s) * 0.1).astype(dtype) for s in shapes]
    x = rng.randn(T, B, M).astype(dtype)
    targets = rng.randn(T, B, N).astype(dtype)
    return weights, x, targets


def numpy_step(dtype):
    weights, x, targets = make_problem(dtype)
    lr = np.asarray(LR, dtype)
    return lambda: nb.lstm_sgd_step(x, targets, weights, lr)


def minitheano_step(dtype):
    from minitheano.models.lstm import build_lstm_regression
    weights, x, targets = make_problem(dtype)
    model = build_lstm_regression(M, N, lr=LR, dtype=dtype, weights=weights)
    return lambda: model.train(x, targets)


def jax_step(dtype):
    import jax
    import jax.numpy as jnp
    if dtype == "float64":
        jax.config.update("jax_enable_x64", True)
    weights, x, targets = make_problem(dtype)

    def loss(ws, x, targets):
        Wz, Wi, Wf, Wo, Rz, Ri, Rf, Ro, pi, pf, po, bz, bi, bf, bo = ws
        W = jnp.concatenate([Wz, Wi, Wf, Wo], 1)
        R = jnp.concatenate([Rz, Ri, Rf, Ro], 1)
        pre = x @ W + jnp.concatenate([bz, bi, bf, bo])

        def step(carry, a_x):
            y, c = carry
            a = a_x + y @ R
            z = jnp.tanh(a[:, :N])
            i = jax.nn.sigmoid(a[:, N:2 * N] + pi * c)
            f = jax.nn.sigmoid(a[:, 2 * N:3 * N] + pf * c)
            c = z * i + c * f
            o = jax.nn.sigmoid(a[:, 3 * N:] + po * c)
            y = o * jnp.tanh(c)
            return (y, c), y

        zero = jnp.zeros((B, N), x.dtype)
        _, ys = jax.lax.scan(step, (zero, zero), pre)
        return 0.5 * jnp.sum((ys - targets) ** 2)

    @jax.jit
    def train(ws, x, targets):
        value, gs = jax.value_and_grad(loss)(ws, x, targets)
        return value, [w - LR * g for w, g in zip(ws, gs)]

    state = {"w": [jnp.asarray(w) for w in weights]}
    xj, tj = jnp.asarray(x), jnp.asarray(targets)

    def run():
        value, state["w"] = train(state["w"], xj, tj)
        return float(value)
    return run


def pytensor_step(dtype, mode=None):
    import pytensor
    import pytensor.tensor as pt
    weights, x, targets = make_problem(dtype)
    ws = [pytensor.shared(w) for w in weights]
    Wz, Wi, Wf, Wo, Rz, Ri, Rf, Ro, pi, pf, po, bz, bi, bf, bo = ws
    xs, ts = pt.tensor3(dtype=dtype), pt.tensor3(dtype=dtype)
    W = pt.concatenate([Wz, Wi, Wf, Wo], 1)
    R = pt.concatenate([Rz, Ri, Rf, Ro], 1)
    pre = pt.dot(xs, W) + pt.concatenate([bz, bi, bf, bo])

    def step(a_x, y, c, R, pi, pf, po):
        a = a_x + pt.dot(y, R)
        z = pt.tanh(a[:, :N])
        i = pt.sigmoid(a[:, N:2 * N] + pi * c)
        f = pt.sigmoid(a[:, 2 * N:3 * N] + pf * c)
        c = z * i + c * f
        o = pt.sigmoid(a[:, 3 * N:] + po * c)
        return o * pt.tanh(c), c

    zero = pt.zeros((B, N), dtype=dtype)
    (ys, _), _ = pytensor.scan(step, sequences=pre, outputs_info=[zero, zero],
                               non_sequences=[R, pi, pf, po])
    cost = 0.5 * pt.sum((ys - ts) ** 2)
    gs = pytensor.grad(cost, ws)
    lr = np.asarray(LR, dtype)  # a Python float would upcast float32 weights
    f = pytensor.function([xs, ts], cost, updates=[(w, w - lr * g) for w, g in zip(ws, gs)],
                          mode=mode)
    return lambda: f(x, targets)


IMPLS = {"numpy": numpy_step, "minitheano": minitheano_step, "jax": jax_step,
         "pytensor": pytensor_step}


def compile_only(dtype: str) -> None:
    from minitheano.models import char_rnn, lstm  # noqa: F401  (imports are not compile time)
    t0 = time.perf_counter()
    minitheano_step(dtype)()  # build, compile and run once
    print(json.dumps({"compile": time.perf_counter() - t0}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dtype", nargs="+", default=["float64", "float32"])
    ap.add_argument("--impl", nargs="+", default=list(IMPLS))
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--check", action="store_true", help="print each impl's first 3 losses")
    ap.add_argument("--no-compile", action="store_true", help="skip cold/warm compile timing")
    ap.add_argument("--compile-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.compile_only:
        return compile_only(args.dtype[0])
    print(f"W3 peephole LSTM step: batch {B}, inputs {M}, hidden {N}, {T} steps; "
          f"median of {args.repeat}, ms")
    results: dict[str, dict[str, float | None]] = {impl: {} for impl in args.impl}
    for dtype in args.dtype:
        runs = {}
        for impl in args.impl:
            try:
                runs[impl] = IMPLS[impl](dtype)
            except ImportError:
                results[impl][dtype] = None
        if args.check:
            for impl, run in runs.items():
                print(f"{impl:12s} {dtype} losses", [float(run()) for _ in range(3)])
            continue
        for impl, t in median_times(runs, args.repeat).items():
            results[impl][dtype] = t
    if args.check:
        return
    print(f"{'impl':12s}" + "".join(f"{d:>10s}" for d in args.dtype) + "   ratio to numpy")
    for impl, row in results.items():
        ratios = [f"{row[d] / results['numpy'][d]:.2f}" if row[d] and results.get("numpy") else "-"
                  for d in args.dtype]
        print(f"{impl:12s}" + "".join(f"{fmt_ms(row[d]):>10s}" for d in args.dtype)
              + "   " + " / ".join(ratios))
    if not args.no_compile:
        for dtype in args.dtype:
            ct = compile_times(os.path.abspath(__file__), ["--dtype", dtype])
            print(f"minitheano compile {dtype}: cold {ct['cold']:.2f} s, warm {ct['warm']:.2f} s "
                  f"(fresh processes; build + first call)")


if __name__ == "__main__":
    main()
