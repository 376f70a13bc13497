"""BLAS-shaped ops made by the specialisation rewrites: Gemv, Gemm, Ger.

Argument orders follow Theano's: gemv(y, alpha, A, x, beta) = beta*y + alpha*A·x;
gemm(Z, alpha, X, Y, beta) = beta*Z + alpha*X·Y; ger(A, alpha, x, y) = A + alpha*outer(x, y).
`inplace=True` writes the result into the first input (destroy_map {0: [0]}).
"""
from __future__ import annotations

import numpy as np

from ..graphlib import Apply, Op
from .basic import as_tensor_variable
from .type import TensorType, TensorVariable


class _Blas(Op):
    __props__ = ("inplace",)
    ndims: tuple = ()
    formula = ""

    def __init__(self, inplace: bool = False):
        self.inplace = bool(inplace)
        self.destroy_map = {0: [0]} if inplace else {}

    def __str__(self) -> str:
        return f"{type(self).__name__}{{{'inplace' if self.inplace else 'no_inplace'}}}"

    def make_node(self, *inputs) -> Apply:
        inputs = [as_tensor_variable(v) for v in inputs]
        if len(inputs) != len(self.ndims):
            raise TypeError(f"{self}: expected {len(self.ndims)} inputs, got {len(inputs)}")
        for k, (v, nd) in enumerate(zip(inputs, self.ndims)):
            if v.ndim != nd:
                raise TypeError(f"{self} ({self.formula}): input {k} must be {nd}-d, got {v.type}")
        dtypes = {v.dtype for v in inputs}
        if len(dtypes) != 1 or not inputs[0].dtype.startswith("float"):
            raise TypeError(f"{self}: all inputs must share one float dtype, got "
                            f"{[v.dtype for v in inputs]}")
        return Apply(self, inputs, [TensorVariable(TensorType(inputs[0].dtype,
                                                              inputs[0].broadcastable))])

    def _store(self, node, inputs, out, result) -> None:
        target = inputs[0]
        if self.inplace:
            target[...] = result
            out[0][0] = target
        else:
            # a fresh writable array: later inplace ops may overwrite it
            out[0][0] = np.array(result, dtype=node.outputs[0].dtype)

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]


def _aligned(node, i: int, j: int, a, b) -> None:
    """Raise like `dot` when the product of inputs i and j of `node` is not defined."""
    if a.shape[-1] != b.shape[0]:
        name = lambda v: f"'{v.name}'" if v.name else str(v.type)  # noqa: E731
        raise ValueError(f"{node.op}: shapes {a.shape} ({name(node.inputs[i])}) and {b.shape} "
                         f"({name(node.inputs[j])}) are not aligned: {a.shape[-1]} != "
                         f"{b.shape[0]}")


class Gemv(_Blas):
    """beta * y + alpha * dot(A, x) for vectors y, x and a matrix A."""

    ndims = (1, 0, 2, 1, 0)
    formula = "beta*y + alpha*A·x"

    def perform(self, node, inputs, out) -> None:
        y, alpha, A, x, beta = inputs
        _aligned(node, 2, 3, A, x)
        res = alpha * np.dot(A, x)
        if beta != 0:
            res = res + beta * y
        self._store(node, inputs, out, np.broadcast_to(res, y.shape))

    def grad(self, inputs, output_grads):
        from .blas import dot, outer
        y, alpha, A, x, beta = inputs
        g = output_grads[0]
        Ax = dot(A, x)
        return [g * beta, (g * Ax).sum(), alpha * outer(g, x), alpha * dot(A.T, g),
                (g * y).sum()]


class Gemm(_Blas):
    """beta * Z + alpha * dot(X, Y) for matrices."""

    ndims = (2, 0, 2, 2, 0)
    formula = "beta*Z + alpha*X·Y"

    def perform(self, node, inputs, out) -> None:
        Z, alpha, X, Y, beta = inputs
        _aligned(node, 2, 3, X, Y)
        res = alpha * np.dot(X, Y)
        if beta != 0:
            res = res + beta * Z
        self._store(node, inputs, out, np.broadcast_to(res, Z.shape))

    def grad(self, inputs, output_grads):
        from .blas import dot
        Z, alpha, X, Y, beta = inputs
        g = output_grads[0]
        return [g * beta, (g * dot(X, Y)).sum(), alpha * dot(g, Y.T), alpha * dot(X.T, g),
                (g * Z).sum()]


class Ger(_Blas):
    """A + alpha * outer(x, y)."""

    ndims = (2, 0, 1, 1)
    formula = "A + alpha*outer(x, y)"

    def perform(self, node, inputs, out) -> None:
        A, alpha, x, y = inputs
        self._store(node, inputs, out, A + alpha * np.outer(x, y))

    def grad(self, inputs, output_grads):
        from .blas import dot
        A, alpha, x, y = inputs
        g = output_grads[0]
        return [g, (g * x.dimshuffle(0, "x") * y.dimshuffle("x", 0)).sum(), alpha * dot(g, y),
                alpha * dot(g.T, x)]


gemv_no_inplace, gemv_inplace = Gemv(False), Gemv(True)
gemm_no_inplace, gemm_inplace = Gemm(False), Gemm(True)
ger, ger_destructive = Ger(False), Ger(True)
