"""Shape ops: Shape, Shape_i, MakeVector (shape vectors), SpecifyBroadcastable (broadcast
patterns), Reshape and flatten."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..graphlib import Apply, Constant, Op, Variable
from .basic import _const_int, as_tensor_variable, constant
from .type import TensorType, TensorVariable


# -- shapes -----------------------------------------------------------------------------------
class Shape(Op):
    """The shape of a tensor, as an int64 vector."""

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorVariable(TensorType("int64", (x.ndim == 1,)))])

    def perform(self, node, inputs, out) -> None:
        out[0][0] = np.asarray(inputs[0].shape, dtype="int64")

    def grad(self, inputs, output_grads):
        return [None]

    def infer_shape(self, node, input_shapes):
        return [(node.inputs[0].ndim,)]


class Shape_i(Op):
    """The length of dimension `i`, as an int64 scalar."""

    __props__ = ("i",)

    def __init__(self, i: int):
        self.i = int(i)

    def __str__(self) -> str:
        return f"Shape_i{{{self.i}}}"

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        if not 0 <= self.i < x.ndim:
            raise IndexError(f"Shape_i{{{self.i}}} of a {x.ndim}-d tensor")
        return Apply(self, [x], [TensorVariable(TensorType("int64", ()))])

    def perform(self, node, inputs, out) -> None:
        out[0][0] = np.asarray(inputs[0].shape[self.i], dtype="int64")

    def grad(self, inputs, output_grads):
        return [None]

    def infer_shape(self, node, input_shapes):
        return [()]


_shape = Shape()


def shape(x) -> TensorVariable:
    """Symbolic shape vector of `x`."""
    return _shape(as_tensor_variable(x))


def shape_i(x, i: int) -> TensorVariable:
    """Symbolic length of dimension i of `x` (1 when statically broadcastable)."""
    x = as_tensor_variable(x)
    if x.broadcastable[i]:
        return constant(np.int64(1))
    return Shape_i(i)(x)


class MakeVector(Op):
    """A vector from scalars (all of one dtype)."""

    __props__ = ("dtype",)

    def __init__(self, dtype: str = "int64"):
        self.dtype = dtype

    def make_node(self, *scalars) -> Apply:
        scalars = [as_tensor_variable(s) for s in scalars]
        from .elemwise import cast
        scalars = [cast(s, self.dtype) if s.dtype != self.dtype else s for s in scalars]
        for s in scalars:
            if s.ndim != 0:
                raise TypeError(f"MakeVector: element {s} is not a scalar ({s.type})")
        bc = (len(scalars) == 1,)
        return Apply(self, scalars, [TensorVariable(TensorType(self.dtype, bc))])

    def perform(self, node, inputs, out) -> None:
        out[0][0] = np.array(inputs, dtype=self.dtype)

    def grad(self, inputs, output_grads):
        from .subtensor import getitem
        g = output_grads[0]
        return [getitem(g, i) if self.dtype.startswith("float") else None for i in range(len(inputs))]

    def infer_shape(self, node, input_shapes):
        return [(len(node.inputs),)]


def as_shape_scalars(shape_arg) -> list[Variable]:
    """A shape given as a tuple/list of ints and scalars, or a vector Variable -> scalars."""
    if isinstance(shape_arg, Variable) and shape_arg.ndim == 1:
        owner = shape_arg.owner
        if owner is not None and isinstance(owner.op, MakeVector):
            return list(owner.inputs)
        if owner is not None and isinstance(owner.op, Shape):  # x.shape: read each length
            return [shape_i(owner.inputs[0], i) for i in range(owner.inputs[0].ndim)]
        if isinstance(shape_arg, Constant):
            return [constant(np.int64(s)) for s in shape_arg.data]
        n = _static_length(shape_arg)
        from .subtensor import getitem
        return [getitem(shape_arg, i) for i in range(n)]
    if isinstance(shape_arg, Variable) and shape_arg.ndim == 0:
        return [shape_arg]
    if isinstance(shape_arg, (int, np.integer)):
        return [constant(np.int64(shape_arg))]
    return [constant(np.int64(s)) if isinstance(s, (int, np.integer)) else as_tensor_variable(s)
            for s in shape_arg]


def _static_length(vec: Variable) -> int:
    if vec.owner is not None and isinstance(vec.owner.op, MakeVector):
        return len(vec.owner.inputs)
    if vec.owner is not None and isinstance(vec.owner.op, Shape):
        return vec.owner.inputs[0].ndim
    if isinstance(vec, Constant):
        return len(vec.data)
    raise ValueError(f"the length of shape vector {vec} is not known statically; pass ndim=")


# -- broadcast patterns -------------------------------------------------------------------------
class SpecifyBroadcastable(Op):
    """Declare a new broadcastable pattern; checked at run time (length 1 where True)."""

    __props__ = ("broadcastable",)
    view_map = {0: [0]}

    def __init__(self, broadcastable: Sequence[bool]):
        self.broadcastable = tuple(bool(b) for b in broadcastable)

    def __str__(self) -> str:
        return "SpecifyBroadcastable{" + ",".join("1" if b else "?" for b in self.broadcastable) + "}"

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        if x.ndim != len(self.broadcastable):
            raise TypeError(f"patternbroadcast: pattern {self.broadcastable} for a {x.ndim}-d tensor")
        return Apply(self, [x], [TensorVariable(TensorType(x.dtype, self.broadcastable))])

    def perform(self, node, inputs, out) -> None:
        x = inputs[0]
        for d, b in enumerate(self.broadcastable):
            if b and x.shape[d] != 1:
                v = node.inputs[0]
                label = f"'{v.name}'" if v.name else str(v.type)
                raise ValueError(f"{self}: dimension {d} of {label} is declared broadcastable "
                                 f"(length 1) but has length {x.shape[d]} (shape {x.shape})")
        out[0][0] = x

    def grad(self, inputs, output_grads):
        x, g = inputs[0], output_grads[0]
        return [patternbroadcast(g, x.broadcastable)]

    def infer_shape(self, node, input_shapes):
        return [tuple(1 if b else s for b, s in zip(self.broadcastable, input_shapes[0]))]


def patternbroadcast(x, broadcastable: Sequence[bool]) -> TensorVariable:
    """`x` with the given broadcastable pattern (Theano's T.patternbroadcast)."""
    x = as_tensor_variable(x)
    if tuple(broadcastable) == x.broadcastable:
        return x
    return SpecifyBroadcastable(broadcastable)(x)


def addbroadcast(x, *axes: int) -> TensorVariable:
    """`x` with `axes` declared broadcastable."""
    x = as_tensor_variable(x)
    return patternbroadcast(x, [b or d in axes for d, b in enumerate(x.broadcastable)])


def unbroadcast(x, *axes: int) -> TensorVariable:
    """`x` with `axes` declared not broadcastable."""
    x = as_tensor_variable(x)
    return patternbroadcast(x, [b and d not in axes for d, b in enumerate(x.broadcastable)])


# -- reshape ----------------------------------------------------------------------------------
class Reshape(Op):
    """Reshape to `ndim` dimensions given by a shape vector (one entry may be -1)."""

    __props__ = ("ndim",)
    view_map = {0: [0]}  # np.reshape returns a view when it can: inplace ops must know

    def __init__(self, ndim: int):
        self.ndim = int(ndim)

    def __str__(self) -> str:
        return f"Reshape{{{self.ndim}}}"

    def make_node(self, x, shp) -> Apply:
        x, shp = as_tensor_variable(x), as_tensor_variable(shp)
        if shp.ndim != 1 or not shp.dtype.startswith(("int", "uint")):
            raise TypeError(f"Reshape: the shape must be an integer vector, got {shp.type}")
        bc = [False] * self.ndim
        if shp.owner is not None and isinstance(shp.owner.op, MakeVector):
            bc = [_const_int(s) == 1 for s in shp.owner.inputs]
        elif isinstance(shp, Constant):
            bc = [int(s) == 1 for s in shp.data]
        return Apply(self, [x, shp], [TensorVariable(TensorType(x.dtype, bc))])

    def perform(self, node, inputs, out) -> None:
        x, shp = inputs
        if len(shp) != self.ndim:
            raise ValueError(f"Reshape{{{self.ndim}}}: shape {tuple(shp)} has {len(shp)} entries")
        new = tuple(int(s) for s in shp)
        try:
            out[0][0] = np.reshape(x, new)
        except ValueError as e:
            v = node.inputs[0]
            label = f"'{v.name}'" if v.name else str(v.type)
            raise ValueError(f"Reshape: cannot reshape {label} of shape {x.shape} (size {x.size}) "
                             f"into {new}") from e

    def grad(self, inputs, output_grads):
        x, g = inputs[0], output_grads[0]
        # the gradient has x's type: keep its broadcastable (length-1) dimensions
        return [patternbroadcast(reshape(g, shape(x), ndim=x.ndim), x.broadcastable), None]

    def infer_shape(self, node, input_shapes):
        x, shp = node.inputs
        from .reduction import prod
        entries = as_shape_scalars(shp)
        total = prod(shape(x)) if x.ndim else constant(np.int64(1))
        known = prod(MakeVector("int64")(*entries)) if entries else constant(np.int64(1))
        from .elemwise import int_div, neg, switch, eq
        missing = int_div(total, neg(known))  # the -1 entry makes `known` negative
        return [tuple(e if _never_negative(e) else switch(eq(e, -1), missing, e)
                      for e in entries)]


def _never_negative(v: Variable, depth: int = 4) -> bool:
    """Whether `v` is >= 0 whatever the inputs (a length, a constant >= 0, sums and products
    of such): such a reshape entry is never the -1 to infer, and its shape needs no switch."""
    if isinstance(v, Constant):
        return bool(np.all(np.asarray(v.data) >= 0))
    node = v.owner
    if node is None or depth == 0:
        return False
    if isinstance(node.op, Shape_i):
        return True
    scalar_op = getattr(node.op, "scalar_op", None)
    name = getattr(scalar_op, "name", None)
    if name in _KEEPS_SIGN or type(node.op).__name__ == "DimShuffle" or \
            (hasattr(scalar_op, "graph") and all(s[0].name in _KEEPS_SIGN
                                                  for s in scalar_op.graph)):  # fused
        return all(_never_negative(i, depth - 1) for i in node.inputs)
    return False


_KEEPS_SIGN = ("add", "mul", "int_div", "maximum")  # of arguments >= 0, a result >= 0


def reshape(x, newshape, ndim: int | None = None) -> TensorVariable:
    """`x` reshaped (numpy semantics, one entry may be -1)."""
    x = as_tensor_variable(x)
    if isinstance(newshape, Variable) and newshape.ndim == 1:
        shp = newshape
        if ndim is None:
            ndim = _static_length(shp)
    else:
        scalars = as_shape_scalars(newshape)
        ndim = len(scalars)
        shp = MakeVector("int64")(*scalars) if scalars else constant(np.zeros(0, "int64"))
    return Reshape(ndim)(x, shp)


def flatten(x, ndim: int = 1) -> TensorVariable:
    """Keep the first ndim-1 dimensions and merge the rest."""
    x = as_tensor_variable(x)
    if ndim < 1 or ndim > max(x.ndim, 1):
        raise ValueError(f"flatten: ndim={ndim} for a {x.ndim}-d tensor")
    lead = [shape_i(x, i) for i in range(ndim - 1)]
    return reshape(x, lead + [-1])

