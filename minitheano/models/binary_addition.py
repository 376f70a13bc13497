"""Seed 002's binary-addition RNN (iamtrask) written with `scan`: it reads the bits of a and b
from the least significant up and learns to emit the bits of a + b.

    h_t = sigm(x_t S0 + h_{t-1} Sh),   out_t = sigm(h_t S1),   cost = 0.5 * sum((c_t - out_t)**2)

trained one example per step by SGD with alpha = 0.1 on the summed gradients, as the seed
(whose updates `synapse += update * alpha` are exactly minus this cost's gradient).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import tensor as T
from ..compiler.function import Function, function
from ..ops.sharedvar import SharedVariable, shared
from . import optim

BINARY_DIM = 8
INT2BINARY = np.unpackbits(np.arange(2 ** BINARY_DIM, dtype=np.uint8)[:, None], axis=1)


def bits_lsb_first(a: int, b: int) -> np.ndarray:
    """The (8, 2) input sequence of the seed: bit pairs of a and b, least significant first."""
    return np.stack([INT2BINARY[a][::-1], INT2BINARY[b][::-1]], axis=1).astype(np.float64)


@dataclass
class BinaryAdditionRNN:
    """`train(x, c) -> (overall_error, outputs)` takes one SGD step on one example."""
    synapses: list[SharedVariable]
    train: Function
    predict: Function

    def add(self, a: int, b: int) -> int:
        """The network's answer to a + b, decoded from its rounded output bits."""
        out = self.predict(bits_lsb_first(a, b))
        return int(sum(int(round(float(o))) << k for k, o in enumerate(out)))


def build_binary_addition(hidden_dim: int = 16, alpha: float = 0.1,
                          synapses: list[np.ndarray] | None = None,
                          rng: np.random.RandomState | None = None, mode=None) -> BinaryAdditionRNN:
    """The seed's network (input 2, hidden 16, output 1, weights uniform in [-1, 1))."""
    if synapses is None:
        rng = rng or np.random.RandomState(0)
        synapses = [2 * rng.random_sample(s) - 1 for s in [(2, hidden_dim), (hidden_dim, 1),
                                                           (hidden_dim, hidden_dim)]]
    s0, s1, sh = (shared(np.asarray(v, dtype="float64"), name=n)
                  for v, n in zip(synapses, ("synapse_0", "synapse_1", "synapse_h")))
    from ..ops.scan import scan
    x = T.matrix("x")  # (8, 2) bits, least significant first
    c = T.vector("c")  # (8,) bits of the sum, least significant first
    pre = T.dot(x, s0)
    h, _ = scan(lambda p, h_prev, sh: T.nnet.sigmoid(p + T.dot(h_prev, sh)),
                sequences=pre, outputs_info=T.zeros((hidden_dim,)), non_sequences=[sh],
                name="binary_addition")
    out = T.nnet.sigmoid(T.dot(h, s1)).flatten()
    err = c - out
    cost = 0.5 * T.sum(err ** 2)
    train = function([x, c], [T.sum(abs(err)), out], updates=optim.sgd(cost, [s0, s1, sh], alpha),
                     mode=mode, name="binary_addition_train")
    predict = function([x], out, mode=mode, name="binary_addition_predict")
    return BinaryAdditionRNN([s0, s1, sh], train, predict)
