"""Optimisers as update builders: each returns a list of (shared variable, new value) pairs
for `function(..., updates=...)`, the Theano way.

`sgd` and `adagrad` descend the gradient of a cost (seed 003's loop; Adagrad as in Karpathy's
min-char-rnn); `rmaxprop` is SuperSpike's r-max-prop (seed 004), which ascends a given
direction (SuperSpike's eligibility-trace estimate of minus the gradient) and clips the result.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .. import tensor as T
from ..gradient import grad
from ..ops.sharedvar import SharedVariable, shared

Updates = list  # list[tuple[SharedVariable, TensorVariable]]


def _grads(cost, params, grads):
    if grads is None:
        if cost is None:
            raise ValueError("give a cost or its gradients")
        return grad(cost, list(params))
    if len(grads) != len(params):
        raise ValueError(f"{len(grads)} gradients for {len(params)} parameters")
    return list(grads)


def _zeros_like(p: SharedVariable, name: str) -> SharedVariable:
    return shared(np.zeros_like(p.get_value(borrow=True)), name=f"{name}_{p.name or 'param'}")


def sgd(cost, params: Sequence[SharedVariable], lr=0.01, grads=None) -> Updates:
    """p <- p - lr * dcost/dp."""
    gs = _grads(cost, params, grads)
    return [(p, p - lr * g) for p, g in zip(params, gs)]


def adagrad(cost, params: Sequence[SharedVariable], lr=0.1, eps=1e-8, grads=None,
            clip: float | None = None) -> Updates:
    """mem <- mem + g**2;  p <- p - lr * g / sqrt(mem + eps)  (min-char-rnn's Adagrad).

    `clip` first clips each gradient to [-clip, clip], as the seed's lossFun does with 5.
    """
    gs = _grads(cost, params, grads)
    updates = []
    for p, g in zip(params, gs):
        if clip is not None:
            g = T.clip(g, -clip, clip)
        mem = _zeros_like(p, "adagrad_mem")
        new_mem = mem + g * g
        updates += [(mem, new_mem), (p, p - lr * g / T.sqrt(new_mem + eps))]
    return updates


def rmaxprop(params: Sequence[SharedVariable], directions: Sequence, r0, exp_rms: float,
             eps: float = 1e-32, w_min: float = -np.inf, w_max: float = np.inf) -> Updates:
    """SuperSpike's r-max-prop (seed 004), for an ascent direction g per parameter:
    upsilon <- max(upsilon * exp_rms, g**2);  w <- clip(w + r0 / (sqrt(upsilon) + eps) * g).
    """
    updates = []
    for p, g in zip(params, directions):
        ups = _zeros_like(p, "upsilon")
        new_ups = T.maximum(ups * exp_rms, g * g)
        new_p = p + r0 / (T.sqrt(new_ups) + eps) * g
        if np.isfinite(w_min) or np.isfinite(w_max):
            new_p = T.clip(new_p, w_min, w_max)
        updates += [(ups, new_ups), (p, new_p)]
    return updates
