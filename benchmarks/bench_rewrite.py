"""Rewrite time of an LSTM-step cost + gradient graph (peephole LSTM of seed 000, one step).

Run: OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/bench_rewrite.py
Prints the node counts before/after and the median time of `rewrite_graph` (fast_run).
"""
from __future__ import annotations

import statistics
import time

import minitheano as th
from minitheano import tensor as T
from minitheano.graphlib import FunctionGraph
from minitheano.compiler.rewriting.pipeline import rewrite_graph


def lstm_step_graph():
    """Inputs, outputs (cost and the gradients of every weight) of one LSTM step."""
    x, y_prev, c_prev, target = T.matrix("x"), T.matrix("y_prev"), T.matrix("c_prev"), T.matrix("t")
    W = {g: T.matrix("W" + g) for g in "zifo"}
    R = {g: T.matrix("R" + g) for g in "zifo"}
    p = {g: T.vector("p" + g) for g in "ifo"}
    b = {g: T.vector("b" + g) for g in "zifo"}
    pre = {g: T.dot(x, W[g]) + T.dot(y_prev, R[g]) + b[g] for g in "zifo"}
    z = T.tanh(pre["z"])
    i = T.nnet.sigmoid(pre["i"] + p["i"] * c_prev)
    f = T.nnet.sigmoid(pre["f"] + p["f"] * c_prev)
    c = z * i + c_prev * f
    o = T.nnet.sigmoid(pre["o"] + p["o"] * c)
    y = o * T.tanh(c)
    cost = ((y - target) ** 2).sum()
    params = list(W.values()) + list(R.values()) + list(p.values()) + list(b.values())
    grads = th.grad(cost, params)
    inputs = [x, y_prev, c_prev, target] + params
    return inputs, [cost, y, c] + grads


def main(repeats: int = 15) -> None:
    inputs, outputs = lstm_step_graph()
    times, sizes = [], None
    for _ in range(repeats):
        fg = FunctionGraph(inputs, outputs)
        fg.n_outputs, fg.update_targets, fg.n_explicit = len(outputs), [], len(inputs)
        before = len(fg.apply_nodes)
        t0 = time.perf_counter()
        rewrite_graph(fg, "fast_run")
        times.append(time.perf_counter() - t0)
        sizes = (before, len(fg.apply_nodes))
    print(f"LSTM step cost+grad: {sizes[0]} nodes before, {sizes[1]} after rewriting")
    print(f"rewrite time: median {statistics.median(times) * 1e3:.1f} ms, "
          f"min {min(times) * 1e3:.1f} ms over {repeats} runs")


if __name__ == "__main__":
    main()
