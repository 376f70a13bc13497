"""Seed 002's minimal LSTM task (nicodjimenez) written with `scan`: an LSTM without output
squashing learns to emit a fixed sequence of numbers in [-1, 1] from four random inputs.

    xc = [x_t, h_{t-1}]
    g = tanh(Wg xc + bg)   i = sigm(Wi xc + bi)   f = sigm(Wf xc + bf)   o = sigm(Wo xc + bo)
    s_t = g*i + s_{t-1}*f,   h_t = s_t*o,   loss = sum_t (h_t[0] - y_t)**2

trained by SGD with lr 0.1 on the whole sequence, as the seed's `example_0`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .. import tensor as T
from ..compiler.function import Function, function
from ..ops.sharedvar import SharedVariable, shared
from . import optim

PARAM_NAMES = ("wg", "wi", "wf", "wo", "bg", "bi", "bf", "bo")


def seed_init(mem_cell_ct: int, x_dim: int) -> list[np.ndarray]:
    """The seed's initial parameters: uniform in [-0.1, 0.1), numpy reseeded with 0 before each
    of the eight arrays (its `rand_arr` does so)."""
    def rand_arr(*shape):
        np.random.seed(0)
        return np.random.rand(*shape) * 0.2 - 0.1
    w = [rand_arr(mem_cell_ct, x_dim + mem_cell_ct) for _ in range(4)]
    return w + [rand_arr(mem_cell_ct) for _ in range(4)]


@dataclass
class MinimalLSTM:
    """`train(xs, ys) -> loss` takes one SGD step on the whole sequence."""
    params: list[SharedVariable]
    train: Function
    predict: Function


def build_minimal_lstm(mem_cell_ct: int, x_dim: int, lr: float = 0.1,
                       params: Sequence[np.ndarray] | None = None, mode=None) -> MinimalLSTM:
    from ..ops.scan import scan
    if params is None:
        params = seed_init(mem_cell_ct, x_dim)
    ps = [shared(np.asarray(v, dtype="float64"), name=n) for v, n in zip(params, PARAM_NAMES)]
    wg, wi, wf, wo, bg, bi, bf, bo = ps
    N = mem_cell_ct
    W = T.concatenate([wg, wi, wf, wo], axis=0)  # (4N, x_dim + N): one product per step
    b = T.concatenate([bg, bi, bf, bo])
    xs = T.matrix("xs")  # (T, x_dim)
    ys = T.vector("ys")  # (T,)

    def step(x_t, s_prev, h_prev, W, b):
        a = T.dot(W, T.concatenate([x_t, h_prev])) + b
        g = T.tanh(a[:N])
        i = T.nnet.sigmoid(a[N:2 * N])
        f = T.nnet.sigmoid(a[2 * N:3 * N])
        o = T.nnet.sigmoid(a[3 * N:])
        s = g * i + s_prev * f
        return s, s * o

    zero = T.zeros((N,))
    (s, h), _ = scan(step, sequences=xs, outputs_info=[zero, zero], non_sequences=[W, b],
                     name="minimal_lstm")
    loss = T.sum((h[:, 0] - ys) ** 2)
    train = function([xs, ys], loss, updates=optim.sgd(loss, ps, lr), mode=mode,
                     name="minimal_lstm_train")
    predict = function([xs], h[:, 0], mode=mode, name="minimal_lstm_predict")
    return MinimalLSTM(ps, train, predict)


def seed_example_0(n_iter: int = 100, mem_cell_ct: int = 100, x_dim: int = 50,
                   mode=None) -> tuple[MinimalLSTM, list[float]]:
    """The seed's test: same initial weights and inputs; the loss of each iteration."""
    np.random.seed(0)
    params = seed_init(mem_cell_ct, x_dim)
    y_list = np.array([-0.5, 0.2, 0.1, -0.5])
    xs = np.stack([np.random.random(x_dim) for _ in y_list])
    model = build_minimal_lstm(mem_cell_ct, x_dim, params=params, mode=mode)
    return model, [float(model.train(xs, y_list)) for _ in range(n_iter)]
