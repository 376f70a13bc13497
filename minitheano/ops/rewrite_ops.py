"""Ops that only the compiler's rewrites introduce: `AllocEmpty`, an uninitialised buffer for
BLAS ops to write into (Gemv/Gemm with beta=0 never read it)."""
from __future__ import annotations

import numpy as np

from ..graphlib import Apply, Op
from .basic import _const_int, as_tensor_variable
from .type import TensorType, TensorVariable


class AllocEmpty(Op):
    """An uninitialised array of `dtype` with the given shape (numpy.empty)."""

    __props__ = ("dtype",)

    def __init__(self, dtype: str):
        self.dtype = str(np.dtype(dtype))

    def __str__(self) -> str:
        return f"AllocEmpty{{dtype='{self.dtype}'}}"

    def make_node(self, *shape) -> Apply:
        shape = [as_tensor_variable(s) for s in shape]
        for s in shape:
            if s.ndim != 0 or not s.dtype.startswith(("int", "uint")):
                raise TypeError(f"AllocEmpty: shape entries must be integer scalars, got {s.type}")
        bc = tuple(_const_int(s) == 1 for s in shape)
        return Apply(self, shape, [TensorVariable(TensorType(self.dtype, bc))])

    def perform(self, node, inputs, out) -> None:
        out[0][0] = np.empty(tuple(int(s) for s in inputs), dtype=self.dtype)

    def grad(self, inputs, output_grads):
        return [None] * len(inputs)

    def infer_shape(self, node, input_shapes):
        return [tuple(node.inputs)]
