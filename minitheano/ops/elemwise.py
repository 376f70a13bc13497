"""Elementwise ops (`Elemwise` of a scalar op, with broadcasting) and `DimShuffle`.

Inputs of lower rank are left-padded with broadcastable dimensions. A dimension broadcasts
only where its flag says so: a run-time length 1 on a non-broadcastable dimension that would
have to broadcast is an error, as in Theano.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..graphlib import Apply, Op, Variable
from . import scalar as S
from .type import TensorType, TensorVariable


class Elemwise(Op):
    """Apply `scalar_op` element by element; `inplace_pattern` maps output i to the input it overwrites."""

    __props__ = ("scalar_op", "inplace_pattern")

    def __init__(self, scalar_op: S.ScalarOp, inplace_pattern: dict | tuple = ()):
        self.scalar_op = scalar_op
        self.inplace_pattern = tuple(sorted(dict(inplace_pattern).items()))
        self.destroy_map = {o: [i] for o, i in self.inplace_pattern}

    @property
    def nout(self) -> int:
        return getattr(self.scalar_op, "nout", 1)

    def __str__(self) -> str:
        name = self.scalar_op.name
        if self.inplace_pattern:
            pat = ", ".join(f"({o}, {i})" for o, i in self.inplace_pattern)
            return f"Elemwise{{{name}}}[{pat}]"
        return f"Elemwise{{{name}}}"

    def make_node(self, *inputs) -> Apply:
        from .basic import as_tensor_variable
        inputs = [as_tensor_variable(x) for x in inputs]
        nin = self.scalar_op.nin
        if nin != -1 and len(inputs) != nin:
            raise TypeError(f"{self}: expected {nin} inputs, got {len(inputs)}")
        ndim = max(x.ndim for x in inputs)
        inputs = [x if x.ndim == ndim else
                  DimShuffle(x.broadcastable, ["x"] * (ndim - x.ndim) + list(range(x.ndim)))(x)
                  for x in inputs]
        out_bc = tuple(all(x.broadcastable[d] for x in inputs) for d in range(ndim))
        dtypes = [x.dtype for x in inputs]
        if isinstance(self.scalar_op, S.Composite):
            out_dtypes = self.scalar_op.output_dtypes()
        else:
            out_dtypes = [self.scalar_op.output_dtype(*dtypes)]
        for o, i in self.inplace_pattern:
            if inputs[i].broadcastable != out_bc or inputs[i].dtype != out_dtypes[o]:
                raise TypeError(f"{self}: input {i} ({inputs[i].type}) cannot hold output {o}")
        outputs = [TensorVariable(TensorType(dt, out_bc)) for dt in out_dtypes]
        return Apply(self, inputs, outputs)

    def perform(self, node, inputs, output_storage) -> None:
        check_broadcast(node, [np.shape(x) for x in inputs])
        res = self.scalar_op.impl(*inputs)
        results = res if isinstance(res, list) else [res]
        for o, (r, out) in enumerate(zip(results, node.outputs)):
            r = np.asarray(r, dtype=out.dtype)
            dest = dict(self.inplace_pattern).get(o)
            if dest is not None:
                inputs[dest][...] = r
                r = inputs[dest]
            else:
                shape = np.broadcast_shapes(*[np.shape(x) for x in inputs])
                if r.shape != shape:
                    r = np.broadcast_to(r, shape).copy()
            output_storage[o][0] = r

    def grad(self, inputs, output_grads):
        out = self(*inputs) if self.nout == 1 else None
        gs = self.scalar_op.grad(list(inputs), out, output_grads[0])
        result = []
        for x, g in zip(inputs, gs):
            if g is None or not x.dtype.startswith("float"):
                result.append(None)
                continue
            result.append(reduce_to_input(g, x))
        return result

    def infer_shape(self, node, input_shapes):
        shape = []
        for d, b in enumerate(node.outputs[0].broadcastable):
            if b:
                shape.append(1)
                continue
            cands = [s[d] for s, x in zip(input_shapes, node.inputs) if not x.broadcastable[d]]
            shape.append(cands[0])
        return [tuple(shape)] * len(node.outputs)


def check_broadcast(node: Apply, shapes: Sequence[tuple]) -> None:
    """Raise a clear error when run-time shapes break the node's broadcastable pattern."""
    ndim = node.outputs[0].ndim
    for d in range(ndim):
        fixed = [(i, s[d]) for i, (s, x) in enumerate(zip(shapes, node.inputs))
                 if not x.broadcastable[d]]
        lengths = {n for _, n in fixed}
        if len(lengths) > 1:
            desc = ", ".join(f"input {i} ({_label(node.inputs[i])}) has {n}" for i, n in fixed)
            hint = ""
            if 1 in lengths:
                hint = (" A length-1 dimension broadcasts only when its type says so "
                        "(T.row/T.col, T.addbroadcast or dimshuffle('x', ...)).")
            raise ValueError(f"{node.op}: shape mismatch in dimension {d}: {desc}.{hint}")


def _label(v: Variable) -> str:
    """The user's name for `v`, looking through the DimShuffle that padded it."""
    if v.name:
        return f"'{v.name}'"
    src = v.owner.inputs[0] if v.owner is not None and isinstance(v.owner.op, DimShuffle) else None
    if src is not None and src.name:
        return f"'{src.name}' as {v.owner.op}"
    return str(v.type)


def reduce_to_input(g: Variable, x: Variable) -> Variable:
    """Sum a gradient over the dimensions where `x` was broadcast; match x's dtype/pattern."""
    from .shape import patternbroadcast
    from .reduction import sum as tsum
    axes = [d for d in range(x.ndim) if x.broadcastable[d] and not g.broadcastable[d]]
    if axes:
        g = tsum(g, axis=axes, keepdims=True)
    if g.dtype != x.dtype:
        g = cast(g, x.dtype)
    if g.broadcastable != x.broadcastable:
        g = patternbroadcast(g, x.broadcastable)
    return g


class DimShuffle(Op):
    """Permute dimensions, insert broadcastable ones ('x'), drop broadcastable ones (a view).

    `new_order` lists, for each output dimension, an input dimension or 'x'.
    """

    __props__ = ("input_broadcastable", "new_order")
    view_map = {0: [0]}

    def __init__(self, input_broadcastable: Sequence[bool], new_order: Sequence):
        self.input_broadcastable = tuple(bool(b) for b in input_broadcastable)
        self.new_order = tuple("x" if o == "x" else int(o) for o in new_order)
        kept = [o for o in self.new_order if o != "x"]
        if len(set(kept)) != len(kept):
            raise ValueError(f"DimShuffle: dimension repeated in {self.new_order}")
        for o in kept:
            if not 0 <= o < len(self.input_broadcastable):
                raise ValueError(f"DimShuffle: {self.new_order} refers to dimension {o} of a "
                                 f"{len(self.input_broadcastable)}-d input")
        for d, b in enumerate(self.input_broadcastable):
            if d not in kept and not b:
                raise ValueError(f"DimShuffle {self.new_order}: cannot drop dimension {d}, which "
                                 f"is not broadcastable (pattern {self.input_broadcastable})")
        self.drop = tuple(d for d in range(len(self.input_broadcastable)) if d not in kept)
        self.shuffle = tuple(kept)
        self.augment = tuple(i for i, o in enumerate(self.new_order) if o == "x")

    def __str__(self) -> str:
        return "DimShuffle{" + ",".join(str(o) for o in self.new_order) + "}"

    @property
    def is_transpose(self) -> bool:
        return not self.augment and not self.drop

    def make_node(self, x) -> Apply:
        from .basic import as_tensor_variable
        x = as_tensor_variable(x)
        if x.broadcastable != self.input_broadcastable:
            if len(x.broadcastable) != len(self.input_broadcastable) or any(
                    b_need and not b_have for b_need, b_have in
                    zip(self.input_broadcastable, x.broadcastable)):
                raise TypeError(f"{self}: input {_label(x)} has pattern {x.broadcastable}, "
                                f"expected {self.input_broadcastable}")
        bc = tuple(True if o == "x" else x.broadcastable[o] for o in self.new_order)
        return Apply(self, [x], [TensorVariable(TensorType(x.dtype, bc))])

    def perform(self, node, inputs, output_storage) -> None:
        x = inputs[0]
        out_shape = tuple(1 if o == "x" else x.shape[o] for o in self.new_order)
        res = np.transpose(x, self.shuffle + self.drop).reshape(out_shape) if x.ndim else x.reshape(out_shape)
        output_storage[0][0] = res

    def grad(self, inputs, output_grads):
        (x,), (gz,) = inputs, output_grads
        # undo: drop the inserted axes, reinsert the dropped ones, then invert the permutation
        kept_positions = [i for i, o in enumerate(self.new_order) if o != "x"]
        gz = DimShuffle(gz.broadcastable, kept_positions)(gz) if self.augment else gz
        # dims in self.shuffle map back to their position; dropped dims come back as 'x'
        pattern = [self.shuffle.index(d) if d in self.shuffle else "x" for d in range(x.ndim)]
        g = DimShuffle(gz.broadcastable, pattern)(gz)
        return [reduce_to_input(g, x)]

    def infer_shape(self, node, input_shapes):
        s = input_shapes[0]
        return [tuple(1 if o == "x" else s[o] for o in self.new_order)]


# ---------------------------------------------------------------------------------------------
# User functions
def _op(name: str) -> Elemwise:
    return Elemwise(S.SCALAR_OPS[name])


def _weak_pair(a, b):
    """Python scalars take the other operand's dtype kind (NumPy 2 style weak scalars)."""
    return _weak_all([a, b])


def _weak_all(xs):
    """Python scalars among `xs` take the dtype of the (upcast) tensor operands."""
    from .basic import as_tensor_variable

    def is_py(v):
        return isinstance(v, (int, float, bool)) and not isinstance(v, np.generic)
    tensors = [v for v in xs if isinstance(v, Variable)]
    if tensors and len(tensors) < len(xs):
        like = S.upcast(*[v.dtype for v in tensors])
        xs = [_weak_constant(v, like) if is_py(v) else v for v in xs]
    return [as_tensor_variable(v) for v in xs]


def _weak_constant(value, like_dtype: str):
    from .basic import constant
    from ..config import config
    if isinstance(value, bool):
        return constant(value)
    if like_dtype.startswith(("float", "complex")):
        return constant(np.asarray(value, dtype=like_dtype))
    if isinstance(value, float):
        return constant(np.asarray(value, dtype=config.floatX))
    if like_dtype != "bool":
        info = np.iinfo(like_dtype)
        if info.min <= value <= info.max:
            return constant(np.asarray(value, dtype=like_dtype))
    return constant(value)


def _binary(name):
    def f(a, b):
        a, b = _weak_pair(a, b)
        return _op(name)(a, b)
    f.__name__ = name
    f.__doc__ = f"Elementwise {name}(a, b) with broadcasting."
    return f


def _unary(name):
    def f(a):
        return _op(name)(a)
    f.__name__ = name
    f.__doc__ = f"Elementwise {name}(x)."
    return f


def add(*xs):
    """Elementwise sum of any number of tensors."""
    return _op("add")(*_weak_all(xs))


def mul(*xs):
    """Elementwise product of any number of tensors."""
    return _op("mul")(*_weak_all(xs))


sub, true_div, int_div, mod, pow = (_binary(n) for n in ("sub", "true_div", "int_div", "mod", "pow"))
maximum, minimum = _binary("maximum"), _binary("minimum")
lt, le, gt, ge, eq, neq = (_binary(n) for n in ("lt", "le", "gt", "ge", "eq", "neq"))
and_, or_, xor = _binary("and_"), _binary("or_"), _binary("xor")
(neg, abs, sgn, exp, exp2, log, log2, log10, log1p, expm1, sqrt, sqr, sin, cos, tan, tanh,
 sigmoid, softplus, floor, ceil, invert) = (
    _unary(n) for n in ("neg", "abs", "sgn", "exp", "exp2", "log", "log2", "log10", "log1p",
                        "expm1", "sqrt", "sqr", "sin", "cos", "tan", "tanh", "sigmoid",
                        "softplus", "floor", "ceil", "invert"))
abs_ = abs
true_divide = true_div
neq.__name__ = "neq"
bitwise_not = invert


def round(x, mode: str = "half_to_even"):
    """Round to the nearest integer, ties to even (numpy's rule)."""
    if mode != "half_to_even":
        raise ValueError("round: only mode='half_to_even' is supported")
    return _op("round_half_to_even")(x)


def switch(cond, ift, iff):
    """Elementwise `ift if cond else iff` (Theano's T.switch)."""
    from .basic import as_tensor_variable
    ift, iff = _weak_pair(ift, iff)
    return _op("switch")(as_tensor_variable(cond), ift, iff)


where = switch


def clip(x, lo, hi):
    """Elementwise min(max(x, lo), hi)."""
    from .basic import as_tensor_variable
    x = as_tensor_variable(x)
    _, lo = _weak_pair(x, lo)
    _, hi = _weak_pair(x, hi)
    return _op("clip")(x, lo, hi)


def cast(x, dtype: str):
    """`x` converted to `dtype` ('floatX' means config.floatX)."""
    from ..config import config
    from .basic import as_tensor_variable
    x = as_tensor_variable(x)
    dtype = config.floatX if dtype == "floatX" else str(np.dtype(dtype))
    if x.dtype == dtype:
        return x
    return Elemwise(S.Cast(dtype))(x)


def tensor_copy(x):
    """A copy of `x` (a new buffer)."""
    return _op("identity")(x)


def zeros_like(x, dtype: str | None = None):
    """Zeros with the shape (and dtype unless given) of `x`."""
    from .alloc import alloc
    from .basic import as_tensor_variable, constant
    x = as_tensor_variable(x)
    return alloc(constant(np.zeros((), dtype or x.dtype)), like=x)


def ones_like(x, dtype: str | None = None):
    """Ones with the shape (and dtype unless given) of `x`."""
    from .alloc import alloc
    from .basic import as_tensor_variable, constant
    x = as_tensor_variable(x)
    return alloc(constant(np.ones((), dtype or x.dtype)), like=x)


def transpose(x, axes=None):
    """Reverse (or permute by `axes`) the dimensions of `x`."""
    from .basic import as_tensor_variable
    x = as_tensor_variable(x)
    if axes is None:
        axes = list(range(x.ndim))[::-1]
    out = DimShuffle(x.broadcastable, list(axes))(x)
    if x.name and x.ndim == 2 and list(axes) == [1, 0]:
        out.name = x.name + ".T"
    return out
