"""Seed 003's character-level language model (Karpathy's min-char-rnn) written with `scan`.

    h_t = tanh(Wxh x_t + Whh h_{t-1} + bh),   y_t = Why h_t + by,   p_t = softmax(y_t)
    loss = -sum_t log p_t[target_t]

Parameters keep the seed's layout (Wxh (H,V), Whh (H,H), Why (V,H)); the biases are vectors.
The one-hot product Wxh x_t is a column gather done for all steps before the loop, and the
output layer is one matrix product after it: only h_{t-1} -> h_t is sequential.
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

PARAM_NAMES = ("Wxh", "Whh", "Why", "bh", "by")


def init_char_rnn(vocab_size: int, hidden_size: int, rng: np.random.RandomState,
                  scale: float = 0.01, dtype: str | None = None) -> list[np.ndarray]:
    """The seed's initialisation (Gaussian * 0.01, zero biases), biases as vectors."""
    dt = dtype or config.floatX
    return [(rng.randn(hidden_size, vocab_size) * scale).astype(dt),
            (rng.randn(hidden_size, hidden_size) * scale).astype(dt),
            (rng.randn(vocab_size, hidden_size) * scale).astype(dt),
            np.zeros(hidden_size, dt), np.zeros(vocab_size, dt)]


def one_hot(ix, n: int, dtype: str):
    """(len(ix), n) one-hot rows, built elementwise."""
    return T.cast(T.eq(ix.dimshuffle(0, "x"), T.arange(n).dimshuffle("x", 0)), dtype)


def char_rnn_loss(inputs, targets, h0, params: Sequence, vocab_size: int):
    """Summed cross-entropy of next-character predictions over the sequence, and the hidden
    states (T, H). inputs/targets are int vectors, h0 the initial hidden state (H,)."""
    from ..ops.scan import scan
    Wxh, Whh, Why, bh, by = params
    xh = Wxh.T[inputs] + bh  # Wxh x_t for every t: rows of Wxh^T

    def step(xh_t, h_prev, Whh):
        return T.tanh(xh_t + T.dot(Whh, h_prev))

    hs, _ = scan(step, sequences=xh, outputs_info=h0, non_sequences=[Whh], name="char_rnn")
    ys = T.dot(hs, Why.T) + by  # (T, V) unnormalised log-probabilities
    m = T.max(ys, axis=1, keepdims=True)
    log_z = T.log(T.sum(T.exp(ys - m), axis=1)) + m.flatten()
    loss = T.sum(log_z) - T.sum(one_hot(targets, vocab_size, ys.dtype) * ys)
    return loss, hs


@dataclass
class CharRNN:
    """A compiled char-RNN: `step(inputs, targets, hprev) -> (loss, h_last)` trains once;
    `loss_and_grads(inputs, targets, hprev)` returns the loss, the 5 gradients and h_last
    (compiled on first use: training does not need it)."""
    params: list[SharedVariable]
    vocab_size: int
    hidden_size: int
    step: Function
    grad_graph: tuple  # (inputs, [loss] + gradients + [h_last], mode)

    @cached_property
    def loss_and_grads(self) -> Function:
        """The compiled (inputs, targets, hprev) -> [loss, 5 gradients, h_last]."""
        inputs, outputs, mode = self.grad_graph
        return function(inputs, outputs, mode=mode, name="char_rnn_grads")

    def param_values(self) -> list[np.ndarray]:
        return [p.get_value() for p in self.params]

    def sample(self, h: np.ndarray, seed_ix: int, n: int, rng: np.random.Generator) -> list[int]:
        """The seed's sampler: n character indices drawn from the model (numpy)."""
        Wxh, Whh, Why, bh, by = self.param_values()
        ix, out = seed_ix, []
        for _ in range(n):
            h = np.tanh(Wxh[:, ix] + Whh @ h + bh)
            y = Why @ h + by
            p = np.exp(y - y.max())
            ix = int(rng.choice(len(p), p=p / p.sum()))
            out.append(ix)
        return out


def build_char_rnn(vocab_size: int, hidden_size: int = 100, lr: float = 0.1,
                   optimizer: str = "adagrad", clip: float | None = None,
                   rng: np.random.RandomState | None = None, dtype: str | None = None,
                   params: Sequence[np.ndarray] | None = None, mode=None) -> CharRNN:
    """Compile the char-RNN's training step (Adagrad as in min-char-rnn, or the seed notebook's
    plain SGD) and a loss-and-gradients function."""
    dtype = dtype or config.floatX
    if params is None:
        params = init_char_rnn(vocab_size, hidden_size, rng or np.random.RandomState(1337),
                               dtype=dtype)
    shared_params = [shared(np.asarray(v, dtype=dtype), name=n)
                     for v, n in zip(params, PARAM_NAMES)]
    inputs, targets = T.lvector("inputs"), T.lvector("targets")
    hprev = T.vector("hprev", dtype=dtype)
    loss, hs = char_rnn_loss(inputs, targets, hprev, shared_params, vocab_size)
    h_last = hs[-1]
    grads = T.grad(loss, shared_params)
    if optimizer == "adagrad":
        updates = optim.adagrad(None, shared_params, lr, grads=grads, clip=clip)
    elif optimizer == "sgd":
        if clip is not None:
            grads = [T.clip(g, -clip, clip) for g in grads]
        updates = optim.sgd(None, shared_params, lr, grads=grads)
    else:
        raise ValueError(f"optimizer must be 'adagrad' or 'sgd', got {optimizer!r}")
    step = function([inputs, targets, hprev], [loss, h_last], updates=updates, mode=mode,
                    name="char_rnn_step")
    return CharRNN(shared_params, vocab_size, hidden_size, step,
                   ([inputs, targets, hprev], [loss] + grads + [h_last], mode))
