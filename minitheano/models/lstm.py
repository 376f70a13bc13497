"""Seed 000's peephole LSTM ("LSTM: A Search Space Odyssey") written with `scan`, and a
regression model trained by full BPTT and SGD on the squared error of all outputs (W3).

Forward, per step t (row vectors, batch along the first axis when x is 3-d):
    z = tanh(x Wz + y' Rz + bz)                  i = sigm(x Wi + y' Ri + pi*c' + bi)
    f = sigm(x Wf + y' Rf + pf*c' + bf)          c = z*i + c'*f
    o = sigm(x Wo + y' Ro + po*c + bo)           y = o*tanh(c)
where y', c' are the previous step's values (zero before the first step). The four gates'
weights are concatenated so the input projection is one matrix product before the loop and the
recurrent projection one product per step; gradients still reach each of the 15 arrays.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np

from .. import tensor as T
from ..compiler.function import Function, function
from ..config import config
from ..ops.sharedvar import SharedVariable, shared
from . import optim

WEIGHT_NAMES = ('Wz', 'Wi', 'Wf', 'Wo', 'Rz', 'Ri', 'Rf', 'Ro', 'pi', 'pf', 'po',
                'bz', 'bi', 'bf', 'bo')


def init_lstm_weights(n_in: int, n_hidden: int, rng: np.random.RandomState, scale: float = 0.1,
                      dtype: str | None = None) -> list[np.ndarray]:
    """The seed's 15 arrays in its order and draws: W* (M,N), R* (N,N), p* (N,), b* (N,)."""
    shapes = [(n_in, n_hidden)] * 4 + [(n_hidden, n_hidden)] * 4 + [(n_hidden,)] * 7
    return [(rng.randn(*s) * scale).astype(dtype or config.floatX) for s in shapes]


def lstm_shared(values: Sequence[np.ndarray]) -> list[SharedVariable]:
    """Shared variables named as the seed names the weights."""
    return [shared(v, name=n) for v, n in zip(values, WEIGHT_NAMES)]


def _gate(a, k: int, n: int):
    """The k-th block of n columns of the stacked pre-activations (a vector or a batch)."""
    return a[k * n:(k + 1) * n] if a.ndim == 1 else a[:, k * n:(k + 1) * n]


def peephole_lstm(x, weights: Sequence, n_hidden: int):
    """Outputs y (T, N) or (T, B, N) and cells c of the peephole LSTM over x (T, M) or (T, B, M)."""
    from ..ops.scan import scan
    Wz, Wi, Wf, Wo, Rz, Ri, Rf, Ro, pi, pf, po, bz, bi, bf, bo = weights
    N = n_hidden
    W = T.concatenate([Wz, Wi, Wf, Wo], axis=1)
    R = T.concatenate([Rz, Ri, Rf, Ro], axis=1)
    b = T.concatenate([bz, bi, bf, bo])
    pre = T.dot(x, W) + b  # all input projections at once, outside the loop

    def step(pre_t, y_prev, c_prev, R, pi, pf, po):
        a = pre_t + T.dot(y_prev, R)
        z = T.tanh(_gate(a, 0, N))
        i = T.nnet.sigmoid(_gate(a, 1, N) + pi * c_prev)
        f = T.nnet.sigmoid(_gate(a, 2, N) + pf * c_prev)
        c = z * i + c_prev * f
        o = T.nnet.sigmoid(_gate(a, 3, N) + po * c)
        return o * T.tanh(c), c

    zero = T.zeros((N,) if x.ndim == 2 else (x.shape[1], N), dtype=x.dtype)
    (y, c), _ = scan(step, sequences=pre, outputs_info=[zero, zero],
                     non_sequences=[R, pi, pf, po], name="peephole_lstm")
    return y, c


def squared_error(y, targets):
    """The seed's SE: 0.5 * sum((y - t)**2)."""
    return 0.5 * T.sum((y - targets) ** 2)


@dataclass
class LSTMRegression:
    """A peephole LSTM fitted to targets by SGD: `train(x, targets) -> loss` takes one step;
    `predict(x) -> y` is compiled on first use (training does not need it)."""
    params: list[SharedVariable]
    x: object
    targets: object
    y: object
    cost: object
    train: Function
    mode: object = None

    @cached_property
    def predict(self) -> Function:
        """The compiled forward pass x -> y."""
        return function([self.x], self.y, mode=self.mode, name="lstm_predict")


def build_lstm_regression(n_in: int, n_hidden: int, lr: float = 0.01, batch: bool = True,
                          dtype: str | None = None, rng: np.random.RandomState | None = None,
                          weights: Sequence[np.ndarray] | None = None,
                          mode=None) -> LSTMRegression:
    """The W3 model: x (T, B, M) (or (T, M) when batch=False) -> y; cost SE(y, targets) over
    all steps; `train` runs the forward pass, BPTT and the SGD update in one call."""
    dtype = dtype or config.floatX
    if weights is None:
        weights = init_lstm_weights(n_in, n_hidden, rng or np.random.RandomState(0), dtype=dtype)
    params = lstm_shared([np.asarray(w, dtype=dtype) for w in weights])
    x = T.tensor3("x", dtype=dtype) if batch else T.matrix("x", dtype=dtype)
    targets = T.tensor3("targets", dtype=dtype) if batch else T.matrix("targets", dtype=dtype)
    y, _ = peephole_lstm(x, params, n_hidden)
    cost = squared_error(y, targets)
    train = function([x, targets], cost, updates=optim.sgd(cost, params, lr), mode=mode,
                     name="lstm_train")
    return LSTMRegression(params, x, targets, y, cost, train, mode)
