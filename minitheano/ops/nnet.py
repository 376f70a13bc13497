"""Neural-network ops (Theano's `T.nnet`): softmax, log-softmax, relu and crossentropies.

Stability is built into the graphs: softmax subtracts the row max, and the crossentropies of a
`softmax(x)` / `sigmoid(x)` output are built from the logits `x` (log-softmax, softplus), so
logits of +-1000 give finite costs and gradients in every mode, with or without rewrites.
"""
from __future__ import annotations

import numpy as np

from ..graphlib import Apply, Constant, Op, Variable
from .alloc import Alloc, zeros
from .basic import as_tensor_variable
from .elemwise import (Elemwise, cast, eq, log, log1p, reduce_to_input, sigmoid, softplus, switch,
                       zeros_like)
from .scalar import upcast
from .shape import shape_i
from .type import FLOAT_DTYPES, INT_DTYPES, TensorType, TensorVariable

__all__ = ["Softmax", "SoftmaxGrad", "LogSoftmax", "CrossentropyCategorical1Hot",
           "CrossentropySoftmaxArgmax1HotWithBias", "softmax_op", "softmax_grad",
           "logsoftmax_op", "crossentropy_categorical_1hot",
           "crossentropy_softmax_argmax_1hot_with_bias", "sigmoid", "softplus", "relu", "softmax",
           "log_softmax", "softmax_with_bias", "crossentropy_softmax_1hot",
           "crossentropy_softmax_1hot_with_bias", "categorical_crossentropy",
           "binary_crossentropy", "sigmoid_binary_crossentropy"]


def _label(v: Variable) -> str:
    return f"'{v.name}'" if v.name else str(v.type)


def _float_input(who: str, what: str, x, ndim: tuple[int, ...] | None = None) -> TensorVariable:
    """`x` as a tensor, checked to be float (and of one of the `ndim`s)."""
    x = as_tensor_variable(x)
    if x.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{who}: {what} {_label(x)} must be a float tensor, got {x.type}; "
                        f"cast it first, e.g. T.cast(x, 'floatX')")
    if ndim is not None and x.ndim not in ndim:
        want = " or ".join(f"{n}-d" for n in ndim)
        raise TypeError(f"{who}: {what} {_label(x)} must be {want}, got {x.ndim}-d ({x.type})")
    return x


def _int_input(who: str, what: str, y, ndim: int) -> TensorVariable:
    y = as_tensor_variable(y)
    if y.dtype not in INT_DTYPES or y.ndim != ndim:
        raise TypeError(f"{who}: {what} {_label(y)} must be a {ndim}-d integer tensor of class "
                        f"indices, got {y.type}")
    return y


def _axis_ok(who: str, x: Variable, axis: int) -> None:
    if x.ndim == 0 or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{who}: axis {axis} is out of range for {_label(x)} ({x.type}); "
                         f"softmax needs at least a vector")


def _check_labels(who: str, y: np.ndarray, n: int, k: int) -> None:
    """Class indices must be one per row and in [0, k): numpy would wrap negatives silently."""
    if y.shape[0] != n:
        raise ValueError(f"{who}: {y.shape[0]} class indices for {n} rows")
    bad = np.flatnonzero((y < 0) | (y >= k))
    if bad.size:
        i = int(bad[0])
        raise IndexError(f"{who}: class index y[{i}] = {int(y[i])} is out of range for "
                         f"{k} classes (expected 0 <= y < {k})")


def _one_hot(y: Variable, k: Variable, dtype: str) -> TensorVariable:
    """one_hot[i, j] = (y[i] == j), as an (n, k) matrix of `dtype`."""
    from .alloc import arange
    return cast(eq(y.dimshuffle(0, "x"), arange(k).dimshuffle("x", 0)), dtype)


def _is_zero(v: Variable) -> bool:
    """True for a gradient known to be all zeros (a zero constant, or zeros_like's Alloc)."""
    if v.owner is not None and isinstance(v.owner.op, Alloc):
        v = v.owner.inputs[0]
    return isinstance(v, Constant) and not np.any(v.data)


# -- softmax ----------------------------------------------------------------------------------
class Softmax(Op):
    """softmax(x)_j = exp(x_j - max(x)) / sum_k exp(x_k - max(x)), along `axis` (default last)."""

    __props__ = ("axis",)

    def __init__(self, axis: int = -1):
        self.axis = int(axis)

    def make_node(self, x) -> Apply:
        x = _float_input("softmax", "input", x)
        _axis_ok("softmax", x, self.axis)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, out) -> None:
        x = inputs[0]
        if x.shape[self.axis] == 0:
            out[0][0] = x.copy()
            return
        e = np.exp(x - x.max(axis=self.axis, keepdims=True))  # the max: no overflow
        out[0][0] = (e / e.sum(axis=self.axis, keepdims=True)).astype(x.dtype, copy=False)

    def grad(self, inputs, output_grads):
        return [SoftmaxGrad(self.axis)(output_grads[0], self(inputs[0]))]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]


class SoftmaxGrad(Op):
    """Gradient of softmax: dx = (dy - sum(dy * sm, axis)) * sm, for sm = softmax(x)."""

    __props__ = ("axis",)

    def __init__(self, axis: int = -1):
        self.axis = int(axis)

    def make_node(self, dy, sm) -> Apply:
        dy = _float_input("SoftmaxGrad", "dy", dy)
        sm = _float_input("SoftmaxGrad", "sm", sm, (dy.ndim,))
        _axis_ok("SoftmaxGrad", sm, self.axis)
        bc = tuple(a and b for a, b in zip(dy.broadcastable, sm.broadcastable))
        return Apply(self, [dy, sm], [TensorVariable(TensorType(upcast(dy.dtype, sm.dtype), bc))])

    def perform(self, node, inputs, out) -> None:
        dy, sm = inputs
        dx = (dy - (dy * sm).sum(axis=self.axis, keepdims=True)) * sm
        out[0][0] = dx.astype(node.outputs[0].dtype, copy=False)

    def grad(self, inputs, output_grads):
        # L = sum(g * dx): dL/ddy = t * sm, dL/dsm = t * dy - g * sum(dy * sm),
        # with t = g - sum(g * sm) (both sums along `axis`, kept)
        (dy, sm), (g,) = inputs, output_grads
        t = g - (g * sm).sum(axis=self.axis, keepdims=True)
        g_sm = t * dy - g * (dy * sm).sum(axis=self.axis, keepdims=True)
        return [reduce_to_input(t * sm, dy), reduce_to_input(g_sm, sm)]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[1]]


class LogSoftmax(Op):
    """log_softmax(x)_j = (x_j - max(x)) - log(sum_k exp(x_k - max(x))), along `axis`."""

    __props__ = ("axis",)

    def __init__(self, axis: int = -1):
        self.axis = int(axis)

    def make_node(self, x) -> Apply:
        x = _float_input("log_softmax", "input", x)
        _axis_ok("log_softmax", x, self.axis)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, out) -> None:
        x = inputs[0]
        if x.shape[self.axis] == 0:
            out[0][0] = x.copy()
            return
        xm = x - x.max(axis=self.axis, keepdims=True)
        res = xm - np.log(np.exp(xm).sum(axis=self.axis, keepdims=True))
        out[0][0] = res.astype(x.dtype, copy=False)

    def grad(self, inputs, output_grads):
        # d/dx_j sum_i g_i log_softmax(x)_i = g_j - softmax(x)_j * sum_i g_i
        (x,), (g,) = inputs, output_grads
        return [g - Softmax(self.axis)(x) * g.sum(axis=self.axis, keepdims=True)]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]


softmax_op = Softmax()
softmax_grad = SoftmaxGrad()
logsoftmax_op = LogSoftmax()


# -- crossentropy with integer targets ----------------------------------------------------------
class CrossentropyCategorical1Hot(Op):
    """nll[i] = -log(coding_dist[i, y[i]]) for a matrix of probabilities and class indices y."""

    def make_node(self, coding_dist, true_one_of_n) -> Apply:
        who = "crossentropy_categorical_1hot"
        p = _float_input(who, "coding_dist", coding_dist, (2,))
        y = _int_input(who, "true_one_of_n", true_one_of_n, 1)
        bc = (p.broadcastable[0] and y.broadcastable[0],)
        return Apply(self, [p, y], [TensorVariable(TensorType(p.dtype, bc))])

    def perform(self, node, inputs, out) -> None:
        p, y = inputs
        _check_labels("crossentropy_categorical_1hot", y, *p.shape)
        with np.errstate(divide="ignore"):  # a zero probability costs inf: that is the answer
            out[0][0] = -np.log(p[np.arange(len(y)), y])

    def grad(self, inputs, output_grads):
        # d nll[i] / d p[i, j] = -1 / p[i, y[i]] where j == y[i], else 0. The denominator is
        # 1 off-target so that zero probabilities there give no 0/0.
        (p, y), (g,) = inputs, output_grads
        hot = _one_hot(y, shape_i(p, 1), "bool")
        gp = cast(hot, p.dtype) * (-g.dimshuffle(0, "x") / switch(hot, p, 1))
        return [reduce_to_input(gp, p), None]

    def infer_shape(self, node, input_shapes):
        return [(input_shapes[1][0],)]


class CrossentropySoftmaxArgmax1HotWithBias(Op):
    """For z = x + b: nll[i] = -log_softmax(z)[i, y[i]], sm = softmax(z), am = argmax(z, 1).

    Computed from the log-softmax, so large logits give finite costs.
    """

    def make_node(self, x, b, y_idx) -> Apply:
        who = "crossentropy_softmax_argmax_1hot_with_bias"
        x = _float_input(who, "x", x, (2,))
        b = _float_input(who, "b", b, (1,))
        y = _int_input(who, "y_idx", y_idx, 1)
        dt = upcast(x.dtype, b.dtype)
        rows = (x.broadcastable[0] and y.broadcastable[0],)
        sm_bc = rows + (x.broadcastable[1] and b.broadcastable[0],)
        outs = [TensorVariable(TensorType(dt, rows)), TensorVariable(TensorType(dt, sm_bc)),
                TensorVariable(TensorType(y.dtype, rows))]
        return Apply(self, [x, b, y], outs)

    def perform(self, node, inputs, out) -> None:
        x, b, y = inputs
        who = "crossentropy_softmax_argmax_1hot_with_bias"
        if b.shape[0] != x.shape[1]:
            raise ValueError(f"{who}: bias of length {b.shape[0]} for {x.shape[1]} classes")
        if x.shape[1] == 0:
            raise ValueError(f"{who}: x has no classes (shape {x.shape})")
        _check_labels(who, y, *x.shape)
        z = x + b
        zm = z - z.max(axis=1, keepdims=True)
        logsm = zm - np.log(np.exp(zm).sum(axis=1, keepdims=True))
        dt = node.outputs[0].dtype
        out[0][0] = (-logsm[np.arange(len(y)), y]).astype(dt, copy=False)
        out[1][0] = np.exp(logsm).astype(dt, copy=False)
        out[2][0] = z.argmax(axis=1).astype(y.dtype)

    def grad(self, inputs, output_grads):
        # dz = g_nll[:, None] * (sm - one_hot(y)) + SoftmaxGrad(g_sm, sm); db = sum_rows(dz)
        (x, b, y), (g_nll, g_sm, _) = inputs, output_grads
        _, sm, _ = self(x, b, y)
        dz = None
        if not _is_zero(g_nll):
            dz = g_nll.dimshuffle(0, "x") * (sm - _one_hot(y, shape_i(sm, 1), sm.dtype))
        if not _is_zero(g_sm):
            d_sm = SoftmaxGrad(-1)(g_sm, sm)
            dz = d_sm if dz is None else dz + d_sm
        if dz is None:
            return [zeros_like(x), zeros_like(b), None]
        return [reduce_to_input(dz, x), reduce_to_input(dz.sum(axis=0), b), None]

    def infer_shape(self, node, input_shapes):
        (n, k), _, _ = input_shapes
        return [(n,), (n, k), (n,)]


crossentropy_categorical_1hot = CrossentropyCategorical1Hot()
crossentropy_softmax_argmax_1hot_with_bias = CrossentropySoftmaxArgmax1HotWithBias()


# -- user functions -----------------------------------------------------------------------------
def softmax(c, axis: int = -1) -> TensorVariable:
    """Numerically stable softmax of `c` along `axis` (rows of a matrix by default)."""
    return softmax_op(c) if axis == -1 else Softmax(axis)(c)


def log_softmax(c, axis: int = -1) -> TensorVariable:
    """Numerically stable log(softmax(c)) along `axis`."""
    return logsoftmax_op(c) if axis == -1 else LogSoftmax(axis)(c)


def softmax_with_bias(x, b) -> TensorVariable:
    """softmax(x + b) row-wise, for a matrix `x` and a bias vector `b`."""
    x = _float_input("softmax_with_bias", "x", x, (2,))
    b = _float_input("softmax_with_bias", "b", b, (1,))
    return softmax(x + b)


def relu(x, alpha=0) -> TensorVariable:
    """Rectifier: x where x > 0, else alpha * x (alpha = 0: max(x, 0); else leaky)."""
    x = as_tensor_variable(x)
    if isinstance(alpha, (int, float)) and alpha == 0:
        return switch(x > 0, x, 0)
    return switch(x > 0, x, alpha * x)


def crossentropy_softmax_1hot_with_bias(x, b, y_idx) -> list[TensorVariable]:
    """[nll, softmax(x + b)] with nll[i] = -log softmax(x + b)[i, y_idx[i]], stable."""
    nll, sm, _ = crossentropy_softmax_argmax_1hot_with_bias(x, b, y_idx)
    return [nll, sm]


def crossentropy_softmax_1hot(x, y_idx) -> list[TensorVariable]:
    """[nll, softmax(x)] with nll[i] = -log softmax(x)[i, y_idx[i]], stable."""
    x = _float_input("crossentropy_softmax_1hot", "x", x, (2,))
    return crossentropy_softmax_1hot_with_bias(x, zeros([shape_i(x, 1)], x.dtype), y_idx)


def _softmax_logits(c: Variable) -> Variable | None:
    """The logits x when `c` is softmax(x) along its last axis, else None."""
    if c.owner is not None and isinstance(c.owner.op, Softmax) and \
            c.owner.op.axis in (-1, c.ndim - 1):
        return c.owner.inputs[0]
    return None


def categorical_crossentropy(coding_dist, true_dist) -> TensorVariable:
    """-sum_j true_dist[..., j] * log(coding_dist[..., j]) along the last axis.

    `true_dist` holds probabilities (one-hot or soft, same shape as `coding_dist`) or integer
    class indices (one dimension fewer). When `coding_dist` is softmax(x), the cost is built from
    x with a log-softmax, which stays finite for large logits.
    """
    who = "categorical_crossentropy"
    c = _float_input(who, "coding_dist", coding_dist)
    t = as_tensor_variable(true_dist)
    logits = _softmax_logits(c)
    if t.ndim == c.ndim and c.ndim >= 1:
        logp = log(c) if logits is None else log_softmax(logits)
        if t.dtype != logp.dtype:
            t = cast(t, logp.dtype)
        return -(t * logp).sum(axis=-1)
    if t.ndim == c.ndim - 1 and c.ndim in (1, 2):
        t = _int_input(who, "true_dist", t, t.ndim)
        if c.ndim == 1:  # one distribution, one index: use the matrix path on a single row
            row = (logits if logits is not None else c).dimshuffle("x", 0)
            nll = (crossentropy_softmax_1hot(row, t.dimshuffle("x"))[0] if logits is not None
                   else crossentropy_categorical_1hot(row, t.dimshuffle("x")))
            return nll.dimshuffle()
        if logits is not None:
            return crossentropy_softmax_1hot(logits, t)[0]
        return crossentropy_categorical_1hot(c, t)
    raise TypeError(f"{who}: true_dist {_label(t)} ({t.type}) must have the shape of coding_dist "
                    f"{_label(c)} ({c.type}) or one dimension fewer (integer class indices of "
                    f"a vector or matrix)")


def _target(target, like: Variable) -> TensorVariable:
    t = as_tensor_variable(target)
    if t.dtype not in FLOAT_DTYPES:  # integer/bool labels take the output's float type
        t = cast(t, like.dtype)
    return t


def binary_crossentropy(output, target) -> TensorVariable:
    """-(target * log(output) + (1 - target) * log(1 - output)), elementwise.

    When `output` is sigmoid(x), this is sigmoid_binary_crossentropy(x, target), which stays
    finite where sigmoid(x) rounds to 0 or 1.
    """
    o = _float_input("binary_crossentropy", "output", output)
    t = _target(target, o)
    if o.owner is not None and isinstance(o.owner.op, Elemwise) and \
            getattr(o.owner.op.scalar_op, "name", None) == "sigmoid":
        return sigmoid_binary_crossentropy(o.owner.inputs[0], t)
    return -(t * log(o) + (1 - t) * log1p(-o))


def sigmoid_binary_crossentropy(output, target) -> TensorVariable:
    """binary_crossentropy(sigmoid(output), target) from the logits `output`, stably:
    target * softplus(-output) + (1 - target) * softplus(output)."""
    x = _float_input("sigmoid_binary_crossentropy", "output", output)
    t = _target(target, x)
    return t * softplus(-x) + (1 - t) * softplus(x)
