"""`as_op`: make an Op from a Python function (Theano's `theano.compile.ops.as_op`).

The op's `perform` calls the function on numpy arrays and checks each result against the
declared output type. Compiled backends run it as a Python step: the op exposes `.fn`,
`.itypes` and `.otypes` for that.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable, Sequence

import numpy as np

from ..graphlib import Apply, Op, Type, Variable
from .basic import as_tensor_variable
from .type import TensorConstant, TensorType


class FromFunctionOp(Op):
    """outputs = fn(*inputs) on numpy arrays, with declared input and output types.

    Two such ops are equal when they wrap the same function with the same types, shape and
    gradient functions. Without `grad` the op is not differentiable.
    """

    __props__ = ("fn", "itypes", "otypes", "infer_shape_fn", "grad_fn")

    def __init__(self, fn: Callable, itypes: Sequence[Type], otypes: Sequence[Type],
                 infer_shape: Callable | None = None, grad: Callable | None = None):
        self.fn = fn
        self.itypes = tuple(itypes)
        self.otypes = tuple(otypes)
        self.infer_shape_fn = infer_shape
        self.grad_fn = grad
        # look like the wrapped function (name, docstring) where it is used in its place
        self.__name__ = getattr(fn, "__name__", type(fn).__name__)
        self.__qualname__ = getattr(fn, "__qualname__", self.__name__)
        self.__module__ = getattr(fn, "__module__", None)
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__wrapped__ = fn

    def __str__(self) -> str:
        return f"FromFunctionOp{{{self.__name__}}}"

    __repr__ = __str__

    def make_node(self, *inputs: Any) -> Apply:
        if len(inputs) != len(self.itypes):
            raise TypeError(f"{self.__name__}: expected {len(self.itypes)} inputs "
                            f"({', '.join(map(str, self.itypes))}), got {len(inputs)}")
        ins = [self._convert_input(k, x, t) for k, (x, t) in enumerate(zip(inputs, self.itypes))]
        return Apply(self, ins, [t.make_variable() for t in self.otypes])

    def _convert_input(self, k: int, x: Any, itype: Type) -> Variable:
        label = f"{self.__name__}: input {k}"
        if not isinstance(x, Variable):  # a value becomes a constant of the declared type
            return TensorConstant(itype, itype.filter(x, name=label, allow_downcast=None))
        if x.type == itype:
            return x
        conv = itype.convert_variable(x) if isinstance(itype, TensorType) else None
        if conv is None:
            name = f"'{x.name}'" if x.name else str(x)
            raise TypeError(f"{label} ({name}) has type {x.type}, expected {itype}")
        return conv

    def perform(self, node, inputs, output_storage) -> None:
        res = self.fn(*inputs)
        if len(self.otypes) == 1 and not isinstance(res, (list, tuple)):
            res = [res]
        if not isinstance(res, (list, tuple)) or len(res) != len(self.otypes):
            got = len(res) if isinstance(res, (list, tuple)) else 1
            raise ValueError(f"{self.__name__} returned {got} values, its otypes declare "
                             f"{len(self.otypes)}")
        for k, (r, otype, cell) in enumerate(zip(res, self.otypes, output_storage)):
            r = _check_output(self.__name__, k, r, otype)
            # the op declares no view_map, so its outputs must not alias its inputs
            if any(isinstance(i, np.ndarray) and np.may_share_memory(r, i) for i in inputs):
                r = r.copy()
            cell[0] = r

    def grad(self, inputs, output_grads):
        if self.grad_fn is None:
            raise TypeError(f"{self} is not differentiable: an as_op op has no gradient unless "
                            f"one is given, as_op(itypes, otypes, grad=fn) with "
                            f"fn(inputs, output_grads) -> list of symbolic gradients")
        return list(self.grad_fn(inputs, output_grads))

    def infer_shape(self, node, input_shapes):
        if self.infer_shape_fn is None:
            raise NotImplementedError(f"{self} has no infer_shape: pass infer_shape= to as_op")
        return self.infer_shape_fn(node, input_shapes)

    def __reduce__(self):
        # pickled by reference: the decorated op is importable as module.name, as in Theano
        mod, name = self.__module__, self.__qualname__
        if mod is None or "<" in name:
            raise TypeError(f"cannot pickle {self}: its function is not importable by name")
        return (_load_back, (mod, name))


def _load_back(mod: str, name: str) -> FromFunctionOp:
    obj = importlib.import_module(mod)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _check_output(fname: str, k: int, value: Any, otype: Type) -> Any:
    """`value` as output k of type `otype`, or a TypeError saying what was expected."""
    if not isinstance(otype, TensorType):
        return otype.filter(value, name=f"{fname} output {k}")
    arr = np.asarray(value)
    if not isinstance(value, (np.ndarray, np.generic)) and \
            np.can_cast(arr.dtype, otype.dtype, "same_kind"):
        arr = arr.astype(otype.dtype)  # plain Python numbers take the declared dtype
    if arr.dtype != otype.dtype or arr.ndim != otype.ndim:
        raise TypeError(f"{fname} returned, as output {k}, a {arr.ndim}-d {arr.dtype} array of "
                        f"shape {arr.shape}; its otypes declare {otype} ({otype.ndim}-d "
                        f"{otype.dtype}). Convert the result, e.g. .astype('{otype.dtype}')")
    for d, (b, n) in enumerate(zip(otype.broadcastable, arr.shape)):
        if b and n != 1:
            raise TypeError(f"{fname} returned, as output {k}, shape {arr.shape}; its otype "
                            f"{otype} declares dimension {d} of length 1")
    return arr


def _as_type(t: Any, what: str) -> Type:
    """A Type from a Type or a variable constructor such as `T.fmatrix`."""
    if isinstance(t, Type):
        return t
    if callable(t):
        v = t()
        if isinstance(v, Variable):
            return v.type
    raise TypeError(f"as_op: {what} must be types (T.TensorType(...)) or variable "
                    f"constructors (T.fmatrix), got {t!r}")


def as_op(itypes, otypes, infer_shape: Callable | None = None,
          grad: Callable | None = None) -> Callable[[Callable], FromFunctionOp]:
    """Decorator turning a numpy function into an Op with input types `itypes` and output types
    `otypes` (Types or constructors like T.fmatrix). `infer_shape(node, input_shapes)` returns
    the output shapes; `grad(inputs, output_grads)` the symbolic gradients, if differentiable.
    """
    itypes = list(itypes) if isinstance(itypes, (list, tuple)) else [itypes]
    otypes = list(otypes) if isinstance(otypes, (list, tuple)) else [otypes]
    itypes = [_as_type(t, "itypes") for t in itypes]
    otypes = [_as_type(t, "otypes") for t in otypes]
    for name, f in (("infer_shape", infer_shape), ("grad", grad)):
        if f is not None and not callable(f):
            raise TypeError(f"as_op: {name} must be a callable, got {f!r}")

    def make_op(fn: Callable) -> FromFunctionOp:
        if not callable(fn):
            raise TypeError(f"as_op decorates a function, got {fn!r}")
        return FromFunctionOp(fn, itypes, otypes, infer_shape, grad)
    return make_op
