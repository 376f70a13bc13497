"""Basic tensor ops: constants and conversion, shapes, allocation, reshape, broadcast patterns."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..config import config
from ..graphlib import Apply, Constant, Op, Variable
from .type import TensorConstant, TensorType, TensorVariable


def constant(value: Any, name: str | None = None, ndim: int | None = None,
             dtype: str | None = None) -> TensorConstant:
    """A TensorConstant holding `value` (Python floats become config.floatX, ints the
    smallest int type that holds them, as in Theano)."""
    if dtype is not None:
        arr = np.asarray(value, dtype=config.floatX if dtype == "floatX" else dtype)
    elif isinstance(value, (bool, np.bool_)):
        arr = np.asarray(value, dtype=bool)
    elif isinstance(value, float) and not isinstance(value, np.floating):
        arr = np.asarray(value, dtype=config.floatX)
    elif isinstance(value, int) and not isinstance(value, np.integer):
        arr = np.asarray(value, dtype=_smallest_int(value))
    else:
        arr = np.asarray(value)
        if arr.dtype.kind == "f" and not isinstance(value, (np.ndarray, np.generic)):
            arr = arr.astype(config.floatX)
        elif arr.dtype.kind == "i" and not isinstance(value, (np.ndarray, np.generic)):
            arr = arr.astype("int64")
    if ndim is not None and arr.ndim != ndim:
        arr = arr.reshape((1,) * (ndim - arr.ndim) + arr.shape)
    arr = np.array(arr, copy=True)
    arr.setflags(write=False)
    bc = tuple(n == 1 for n in arr.shape)
    return TensorConstant(TensorType(str(arr.dtype), bc), arr, name=name)


def _smallest_int(v: int) -> str:
    for dt in ("int8", "int16", "int32", "int64"):
        info = np.iinfo(dt)
        if info.min <= v <= info.max:
            return dt
    raise OverflowError(f"integer {v} does not fit in int64")


def as_tensor_variable(x: Any, name: str | None = None, ndim: int | None = None) -> Variable:
    """`x` as a tensor Variable: variables pass through, values become constants."""
    if isinstance(x, Variable):
        if not isinstance(x.type, TensorType):
            raise TypeError(f"expected a tensor variable, got {x} of type {x.type}")
        if ndim is not None and x.ndim != ndim:
            raise TypeError(f"expected a {ndim}-d tensor, got {x} ({x.type})")
        return x
    if isinstance(x, (list, tuple)) and any(isinstance(e, Variable) for e in x):
        return stack([as_tensor_variable(e) for e in x])
    try:
        return constant(x, name=name, ndim=ndim)
    except Exception as e:  # noqa: BLE001
        raise TypeError(f"cannot convert {x!r} to a tensor variable: {e}") from e


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


def _const_int(v: Variable) -> int | None:
    if isinstance(v, Constant):
        return int(v.data)
    return None


# -- allocation -------------------------------------------------------------------------------
class Alloc(Op):
    """An array of the given shape filled with (a broadcast of) `value`."""

    def make_node(self, value, *shape) -> Apply:
        value = as_tensor_variable(value)
        shape = [as_tensor_variable(s) for s in shape]
        if len(shape) < value.ndim:
            raise TypeError(f"Alloc: {len(shape)} dimensions given for a {value.ndim}-d value")
        for s in shape:
            if s.ndim != 0 or not s.dtype.startswith(("int", "uint")):
                raise TypeError(f"Alloc: shape entries must be integer scalars, got {s.type}")
        bc = tuple(_const_int(s) == 1 for s in shape)
        return Apply(self, [value] + shape, [TensorVariable(TensorType(value.dtype, bc))])

    def perform(self, node, inputs, out) -> None:
        value, shape = inputs[0], tuple(int(s) for s in inputs[1:])
        res = np.empty(shape, dtype=node.outputs[0].dtype)
        try:
            res[...] = value
        except ValueError as e:
            raise ValueError(f"Alloc: a value of shape {np.shape(value)} cannot fill shape "
                             f"{shape}") from e
        out[0][0] = res

    def grad(self, inputs, output_grads):
        from .reduction import sum as tsum
        value, g = inputs[0], output_grads[0]
        nlead = g.ndim - value.ndim
        axes = list(range(nlead)) + [nlead + d for d in range(value.ndim)
                                     if value.broadcastable[d] and not g.broadcastable[nlead + d]]
        gv = tsum(g, axis=axes, keepdims=True) if axes else g
        if nlead:
            gv = gv.dimshuffle(*range(nlead, gv.ndim))
        gv = patternbroadcast(gv, value.broadcastable) if gv.broadcastable != value.broadcastable else gv
        return [gv if value.dtype.startswith("float") else None] + [None] * (len(inputs) - 1)

    def infer_shape(self, node, input_shapes):
        from .elemwise import cast
        return [tuple(cast(s, "int64") for s in node.inputs[1:])]


alloc_op = Alloc()


def alloc(value, *shape, like=None) -> TensorVariable:
    """An array of shape `shape` filled with `value` (Theano's T.alloc)."""
    if like is not None:
        shape = [shape_i(like, i) for i in range(like.ndim)]
    return alloc_op(value, *[constant(np.int64(s)) if isinstance(s, (int, np.integer)) else s
                             for s in shape])


def _filled(value, shape, dtype):
    dtype = config.floatX if dtype is None else dtype
    return alloc(constant(np.asarray(value, dtype=dtype)), *as_shape_scalars(shape))


def zeros(shape, dtype: str | None = None) -> TensorVariable:
    """Zeros of the given shape (default dtype config.floatX)."""
    return _filled(0, shape, dtype)


def ones(shape, dtype: str | None = None) -> TensorVariable:
    """Ones of the given shape (default dtype config.floatX)."""
    return _filled(1, shape, dtype)


def fill(model, value) -> TensorVariable:
    """`value` broadcast to the shape of `model`."""
    model = as_tensor_variable(model)
    return alloc(value, like=model)


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
        return [tuple(switch(eq(e, -1), missing, e) for e in entries)]


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


# -- joining ------------------------------------------------------------------------------------
class Join(Op):
    """Concatenate tensors along a (constant) axis."""

    __props__ = ("axis",)

    def __init__(self, axis: int):
        self.axis = int(axis)

    def __str__(self) -> str:
        return f"Join{{axis={self.axis}}}"

    def make_node(self, *tensors) -> Apply:
        tensors = [as_tensor_variable(t) for t in tensors]
        if not tensors:
            raise ValueError("join: nothing to join")
        ndim = tensors[0].ndim
        if any(t.ndim != ndim for t in tensors):
            raise TypeError(f"join: tensors of different ranks {[t.ndim for t in tensors]}")
        if not 0 <= self.axis < ndim:
            raise ValueError(f"join: axis {self.axis} out of range for {ndim}-d tensors")
        from .scalar import upcast
        dtype = upcast(*[t.dtype for t in tensors])
        from .elemwise import cast
        tensors = [cast(t, dtype) for t in tensors]
        bc = [all(t.broadcastable[d] for t in tensors) for d in range(ndim)]
        bc[self.axis] = len(tensors) == 1 and tensors[0].broadcastable[self.axis]
        return Apply(self, tensors, [TensorVariable(TensorType(dtype, bc))])

    def perform(self, node, inputs, out) -> None:
        try:
            out[0][0] = np.concatenate(inputs, axis=self.axis)
        except ValueError as e:
            shapes = [x.shape for x in inputs]
            raise ValueError(f"join along axis {self.axis}: incompatible shapes {shapes}") from e

    def grad(self, inputs, output_grads):
        from .subtensor import getitem
        g = output_grads[0]
        res, start = [], constant(np.int64(0))
        for t in inputs:
            stop = start + shape_i(t, self.axis)
            idx = [slice(None)] * t.ndim
            idx[self.axis] = slice(start, stop)
            gt = patternbroadcast(getitem(g, tuple(idx)), t.broadcastable)
            res.append(gt if t.dtype.startswith("float") else None)
            start = stop
        return res

    def infer_shape(self, node, input_shapes):
        s0 = list(input_shapes[0])
        total = s0[self.axis]
        for s in input_shapes[1:]:
            total = total + s[self.axis]
        s0[self.axis] = total
        return [tuple(s0)]


def concatenate(tensors: Sequence, axis: int = 0) -> TensorVariable:
    """Join tensors along an existing axis (numpy.concatenate)."""
    tensors = [as_tensor_variable(t) for t in tensors]
    if axis < 0:
        axis += tensors[0].ndim
    return Join(axis)(*tensors)


def join(axis: int, *tensors) -> TensorVariable:
    """Theano's argument order: join(axis, *tensors)."""
    return concatenate(tensors, axis)


def stack(tensors: Sequence, axis: int = 0) -> TensorVariable:
    """Join tensors along a new axis (numpy.stack)."""
    tensors = [as_tensor_variable(t) for t in tensors]
    nd = tensors[0].ndim
    if axis < 0:
        axis += nd + 1
    if nd == 0 and axis == 0:
        from .scalar import upcast
        return MakeVector(upcast(*[t.dtype for t in tensors]))(*tensors)
    expanded = [t.dimshuffle(*(list(range(axis)) + ["x"] + list(range(axis, nd)))) for t in tensors]
    return concatenate(expanded, axis)


# -- ranges ---------------------------------------------------------------------------------
class ARange(Op):
    """numpy.arange(start, stop, step) of a given dtype."""

    __props__ = ("dtype",)

    def __init__(self, dtype: str):
        self.dtype = dtype

    def make_node(self, start, stop, step) -> Apply:
        ins = [as_tensor_variable(v) for v in (start, stop, step)]
        return Apply(self, ins, [TensorVariable(TensorType(self.dtype, (False,)))])

    def perform(self, node, inputs, out) -> None:
        out[0][0] = np.arange(*[v.item() for v in inputs], dtype=self.dtype)

    def grad(self, inputs, output_grads):
        return [None, None, None]

    def infer_shape(self, node, input_shapes):
        from .elemwise import ceil, maximum, cast
        start, stop, step = node.inputs
        n = cast(maximum(ceil((stop - start) / step), 0), "int64")
        return [(n,)]


def arange(start, stop=None, step=1, dtype: str | None = None) -> TensorVariable:
    """Symbolic numpy.arange."""
    if stop is None:
        start, stop = 0, start
    ins = [as_tensor_variable(v) for v in (start, stop, step)]
    if dtype is None:
        from .scalar import upcast
        dtype = upcast(*[v.dtype for v in ins])
        if dtype.startswith(("int", "uint")):
            dtype = "int64"
    return ARange(dtype)(*ins)


class Eye(Op):
    """numpy.eye(n, m, k)."""

    __props__ = ("dtype",)

    def __init__(self, dtype: str):
        self.dtype = dtype

    def make_node(self, n, m, k) -> Apply:
        ins = [as_tensor_variable(v) for v in (n, m, k)]
        return Apply(self, ins, [TensorVariable(TensorType(self.dtype, (False, False)))])

    def perform(self, node, inputs, out) -> None:
        n, m, k = (int(v) for v in inputs)
        out[0][0] = np.eye(n, m, k, dtype=self.dtype)

    def grad(self, inputs, output_grads):
        return [None, None, None]

    def infer_shape(self, node, input_shapes):
        from .elemwise import cast
        return [(cast(node.inputs[0], "int64"), cast(node.inputs[1], "int64"))]


def eye(n, m=None, k: int = 0, dtype: str | None = None) -> TensorVariable:
    """Identity-like matrix (numpy.eye)."""
    m = n if m is None else m
    return Eye(dtype or config.floatX)(n, m, k)


def identity_like(x) -> TensorVariable:
    """An identity matrix shaped like the matrix `x`."""
    x = as_tensor_variable(x)
    return eye(shape_i(x, 0), shape_i(x, 1), 0, dtype=x.dtype)
