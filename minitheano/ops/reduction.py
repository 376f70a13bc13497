"""Reductions along axes: sum, prod, max, min, all, any (CAReduce), argmax/argmin, and
mean, var, std built from them."""
from __future__ import annotations

import builtins
from typing import Sequence

import numpy as np

from ..graphlib import Apply, Op
from .basic import as_tensor_variable, constant
from .shape import shape_i
from .type import TensorType, TensorVariable

_NUMPY = {"sum": np.sum, "prod": np.prod, "max": np.max, "min": np.min, "all": np.all,
          "any": np.any}


def _norm_axes(axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = [axis]
    out = []
    for a in axis:
        a = int(a)
        if not -ndim <= a < builtins.max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a {ndim}-d tensor")
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(set(out)))


class CAReduce(Op):
    """Reduce `axis` (a sorted tuple) with a commutative-associative operation `kind`."""

    __props__ = ("kind", "axis", "keepdims")

    def __init__(self, kind: str, axis: Sequence[int], keepdims: bool = False):
        if kind not in _NUMPY:
            raise ValueError(f"unknown reduction {kind!r}")
        self.kind, self.axis, self.keepdims = kind, tuple(axis), bool(keepdims)

    def __str__(self) -> str:
        keep = ", keepdims" if self.keepdims else ""
        return f"{self.kind.capitalize()}{{axis={list(self.axis)}{keep}}}"

    def output_dtype(self, dtype: str) -> str:
        if self.kind in ("all", "any"):
            return "bool"
        if self.kind in ("sum", "prod") and dtype in ("bool", "int8", "int16", "int32"):
            return "int64"
        if self.kind in ("sum", "prod") and dtype in ("uint8", "uint16", "uint32"):
            return "uint64"
        return dtype

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        for a in self.axis:
            if not 0 <= a < x.ndim:
                raise ValueError(f"{self}: axis {a} out of range for {x} ({x.type})")
        if self.keepdims:
            bc = tuple(True if d in self.axis else b for d, b in enumerate(x.broadcastable))
        else:
            bc = tuple(b for d, b in enumerate(x.broadcastable) if d not in self.axis)
        return Apply(self, [x], [TensorVariable(TensorType(self.output_dtype(x.dtype), bc))])

    def perform(self, node, inputs, out) -> None:
        x = inputs[0]
        if self.kind in ("max", "min") and builtins.any(x.shape[a] == 0 for a in self.axis):
            raise ValueError(f"{self}: cannot reduce an empty dimension (shape {x.shape})")
        res = _NUMPY[self.kind](x, axis=self.axis, keepdims=self.keepdims)
        out[0][0] = np.asarray(res, dtype=node.outputs[0].dtype)

    def grad(self, inputs, output_grads):
        (x,), (g,) = inputs, output_grads
        if not x.dtype.startswith("float"):
            return [None]
        from .elemwise import cast, eq, switch, true_div
        keep = g if self.keepdims else _expand(g, self.axis, x.ndim)
        if self.kind == "sum":
            return [_broadcast_like(keep, x)]
        z = self(x)
        zk = z if self.keepdims else _expand(z, self.axis, x.ndim)
        if self.kind == "prod":
            # d prod / dx_i = prod / x_i for x_i != 0; at a zero it is the product of the
            # others: the non-zero product if that is the only zero, else 0
            is_zero = eq(x, 0)
            nonzero = switch(is_zero, 1, x)
            prod_nz = CAReduce("prod", self.axis, True)(nonzero)
            n_zero = CAReduce("sum", self.axis, True)(is_zero)
            at_zero = switch(eq(n_zero, 1), prod_nz, 0)
            return [_broadcast_like(keep, x) * switch(is_zero, at_zero, true_div(zk, nonzero))]
        if self.kind in ("max", "min"):
            mask = cast(eq(x, zk), x.dtype)  # ties share the gradient, as in Theano
            return [keep * mask]
        return [None]

    def infer_shape(self, node, input_shapes):
        s = input_shapes[0]
        if self.keepdims:
            return [tuple(1 if d in self.axis else n for d, n in enumerate(s))]
        return [tuple(n for d, n in enumerate(s) if d not in self.axis)]


def _expand(g, axes, ndim):
    """Reinsert reduced `axes` as broadcastable dimensions."""
    pattern, k = [], 0
    for d in range(ndim):
        if d in axes:
            pattern.append("x")
        else:
            pattern.append(k)
            k += 1
    return g.dimshuffle(*pattern)


def _broadcast_like(g, x):
    from .alloc import alloc
    if g.broadcastable == x.broadcastable:
        return g
    return alloc(g, like=x)


def _reduce(kind):
    def f(x, axis=None, keepdims: bool = False, **kwargs) -> TensorVariable:
        x = as_tensor_variable(x)
        axes = _norm_axes(axis, x.ndim)
        dtype = kwargs.get("dtype")
        if dtype is None:
            return CAReduce(kind, axes, keepdims)(x)
        from .elemwise import cast  # numpy's dtype=: accumulate and return in `dtype`
        return cast(CAReduce(kind, axes, keepdims)(cast(x, dtype)), dtype)
    f.__name__ = kind
    f.__doc__ = f"{kind} over `axis` (None: all axes), numpy semantics."
    return f


sum, prod, max, min, all, any = (_reduce(k) for k in ("sum", "prod", "max", "min", "all", "any"))


class Argmax(Op):
    """Index of the largest (or, `kind='min'`, smallest) element along one axis (None: flat)."""

    __props__ = ("kind", "axis", "keepdims")

    def __init__(self, kind: str, axis: int | None, keepdims: bool = False):
        self.kind, self.axis, self.keepdims = kind, axis, bool(keepdims)

    def __str__(self) -> str:
        return f"Arg{self.kind}{{axis={self.axis}}}"

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        if self.axis is None:
            bc = (True,) * x.ndim if self.keepdims else ()
        elif self.keepdims:
            bc = tuple(True if d == self.axis else b for d, b in enumerate(x.broadcastable))
        else:
            bc = tuple(b for d, b in enumerate(x.broadcastable) if d != self.axis)
        return Apply(self, [x], [TensorVariable(TensorType("int64", bc))])

    def perform(self, node, inputs, out) -> None:
        f = np.argmax if self.kind == "max" else np.argmin
        out[0][0] = np.asarray(f(inputs[0], axis=self.axis, keepdims=self.keepdims), dtype="int64")

    def grad(self, inputs, output_grads):
        return [None]

    def infer_shape(self, node, input_shapes):
        s = input_shapes[0]
        if self.axis is None:
            return [(1,) * len(s) if self.keepdims else ()]
        if self.keepdims:
            return [tuple(1 if d == self.axis else n for d, n in enumerate(s))]
        return [tuple(n for d, n in enumerate(s) if d != self.axis)]


def _argfn(kind):
    def f(x, axis=None, keepdims: bool = False) -> TensorVariable:
        x = as_tensor_variable(x)
        if axis is not None:
            axes = _norm_axes(axis, x.ndim)
            if len(axes) != 1:
                raise ValueError(f"arg{kind}: axis must be one dimension or None, got {axis}")
            (axis,) = axes
        return Argmax(kind, axis, keepdims)(x)
    f.__name__ = f"arg{kind}"
    f.__doc__ = f"Index of the {kind}imum along `axis` (None: of the flattened tensor)."
    return f


argmax, argmin = _argfn("max"), _argfn("min")


def _count(x, axes):
    n = constant(np.int64(1))
    for a in axes:
        n = n * shape_i(x, a)
    return n


def mean(x, axis=None, keepdims: bool = False, dtype=None) -> TensorVariable:
    """Arithmetic mean over `axis`."""
    from .elemwise import cast, true_div
    x = as_tensor_variable(x)
    axes = _norm_axes(axis, x.ndim)
    s = sum(x, axes, keepdims)
    n = _count(x, axes)
    out_dtype = dtype or (x.dtype if x.dtype.startswith("float") else "float64")
    return cast(true_div(s, cast(n, out_dtype)), out_dtype)


def var(x, axis=None, keepdims: bool = False, ddof: int = 0) -> TensorVariable:
    """Variance over `axis` (ddof as in numpy)."""
    from .elemwise import cast, sqr
    x = as_tensor_variable(x)
    axes = _norm_axes(axis, x.ndim)
    centered = x - mean(x, axes, keepdims=True)
    s = sum(sqr(centered), axes, keepdims)
    n = _count(x, axes) - ddof
    return s / cast(n, s.dtype)


def std(x, axis=None, keepdims: bool = False, ddof: int = 0) -> TensorVariable:
    """Standard deviation over `axis`."""
    from .elemwise import sqrt
    return sqrt(var(x, axis, keepdims, ddof))
