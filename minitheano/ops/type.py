"""Tensor types and variables: TensorType(dtype, broadcastable), TensorVariable, TensorConstant.

`broadcastable[i]` is True only where the length is statically 1; such a dimension
broadcasts against any length, all others must match at run time.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..config import config
from ..graphlib import Constant, Type, Variable

ALL_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
              "float32", "float64", "complex64", "complex128")
FLOAT_DTYPES = ("float32", "float64")
INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


class TensorType(Type):
    """The type of an n-d array: its dtype and, per dimension, whether its length is fixed to 1."""

    __props__ = ("dtype", "broadcastable")

    def __init__(self, dtype: str, broadcastable: Sequence[bool] = (), shape=None):
        if dtype == "floatX":
            dtype = config.floatX
        dtype = str(np.dtype(dtype))
        if dtype not in ALL_DTYPES:
            raise TypeError(f"TensorType: unsupported dtype {dtype!r}")
        if shape is not None:
            broadcastable = tuple(s == 1 for s in shape)
        self.dtype = dtype
        self.broadcastable = tuple(bool(b) for b in broadcastable)

    @property
    def ndim(self) -> int:
        return len(self.broadcastable)

    def __call__(self, name: str | None = None) -> "TensorVariable":
        """A new free variable of this type (Theano's `T.TensorType(...)('x')`)."""
        return TensorVariable(self, None, None, name)

    def make_variable(self, name: str | None = None) -> "TensorVariable":
        return TensorVariable(self, None, None, name)

    def clone(self, dtype: str | None = None, broadcastable=None) -> "TensorType":
        return TensorType(dtype or self.dtype,
                          self.broadcastable if broadcastable is None else broadcastable)

    def filter(self, value: Any, name: str = "", allow_downcast: bool = False) -> np.ndarray:
        """Check and convert a runtime value for a variable of this type."""
        label = f"'{name}'" if name else "input"
        if isinstance(value, np.ndarray) and value.dtype == self.dtype:
            arr = value
        else:
            arr = np.asarray(value)
            if arr.dtype != self.dtype:
                arr = self._convert_dtype(arr, value, label, allow_downcast)
        if arr.ndim != self.ndim:
            raise TypeError(f"{label}: expected a {self.ndim}-d array ({self}), got a "
                            f"{arr.ndim}-d array of shape {arr.shape}")
        for d, (b, n) in enumerate(zip(self.broadcastable, arr.shape)):
            if b and n != 1:
                raise TypeError(f"{label}: dimension {d} is declared broadcastable (length 1) "
                                f"by {self}, got shape {arr.shape}")
        return arr

    def _convert_dtype(self, arr: np.ndarray, value: Any, label: str, allow_downcast) -> np.ndarray:
        src = arr.dtype
        if src == np.dtype(self.dtype):
            return arr
        if np.can_cast(src, self.dtype, "safe"):
            return arr.astype(self.dtype)
        python_scalar_or_list = not isinstance(value, np.ndarray) and not isinstance(value, np.generic)
        if allow_downcast or (python_scalar_or_list and src.kind == "f" and self.dtype in FLOAT_DTYPES
                              and (allow_downcast is None or self.dtype == config.floatX)):
            return arr.astype(self.dtype)
        if python_scalar_or_list and src.kind in "biu":
            conv = arr.astype(self.dtype)
            if np.array_equal(conv, arr):
                return conv
        raise TypeError(f"{label}: expected dtype {self.dtype} ({self}), got {src}; converting "
                        f"would lose precision. Cast the value (e.g. .astype('{self.dtype}')) "
                        f"or pass allow_input_downcast=True to function()")

    def convert_variable(self, var: Variable) -> Variable | None:
        """`var` as this type when compatible (same dtype/ndim, at least as broadcastable)."""
        t = var.type
        if t == self:
            return var
        if isinstance(t, TensorType) and t.dtype == self.dtype and t.ndim == self.ndim:
            if all(b_new <= b_old for b_new, b_old in zip(self.broadcastable, t.broadcastable)):
                from .shape import patternbroadcast
                return patternbroadcast(var, self.broadcastable)
        return None

    def value_zeros(self, shape) -> np.ndarray:
        return np.zeros(shape, dtype=self.dtype)

    def __str__(self) -> str:
        named = {(): "scalar", (False,): "vector", (False, False): "matrix",
                 (True, False): "row", (False, True): "col"}
        kind = named.get(self.broadcastable)
        if kind is None:
            kind = "(" + ", ".join(str(b) for b in self.broadcastable) + ")"
            return f"TensorType({self.dtype}, {kind})"
        return f"TensorType({self.dtype}, {kind})"

    __repr__ = __str__


class _TensorOperators:
    """Operator overloading and methods shared by tensor variables and constants."""

    # arithmetic -------------------------------------------------------------------------
    def __add__(self, other): return _ew().add(self, other)
    def __radd__(self, other): return _ew().add(other, self)
    def __sub__(self, other): return _ew().sub(self, other)
    def __rsub__(self, other): return _ew().sub(other, self)
    def __mul__(self, other): return _ew().mul(self, other)
    def __rmul__(self, other): return _ew().mul(other, self)
    def __truediv__(self, other): return _ew().true_div(self, other)
    def __rtruediv__(self, other): return _ew().true_div(other, self)
    def __floordiv__(self, other): return _ew().int_div(self, other)
    def __rfloordiv__(self, other): return _ew().int_div(other, self)
    def __mod__(self, other): return _ew().mod(self, other)
    def __rmod__(self, other): return _ew().mod(other, self)
    def __pow__(self, other): return _ew().pow(self, other)
    def __rpow__(self, other): return _ew().pow(other, self)
    def __neg__(self): return _ew().neg(self)
    def __pos__(self): return self
    def __abs__(self): return _ew().abs(self)
    # comparisons (symbolic; == stays identity as in Theano: use T.eq) ----------------------
    def __lt__(self, other): return _ew().lt(self, other)
    def __le__(self, other): return _ew().le(self, other)
    def __gt__(self, other): return _ew().gt(self, other)
    def __ge__(self, other): return _ew().ge(self, other)
    def __and__(self, other): return _ew().and_(self, other)
    def __rand__(self, other): return _ew().and_(other, self)
    def __or__(self, other): return _ew().or_(self, other)
    def __ror__(self, other): return _ew().or_(other, self)
    def __xor__(self, other): return _ew().xor(self, other)
    def __invert__(self): return _ew().invert(self)
    def __matmul__(self, other): return _blas().dot(self, other)
    def __rmatmul__(self, other): return _blas().dot(other, self)

    def __iter__(self):
        raise TypeError("a symbolic tensor cannot be iterated; index it (x[i]) or use scan")

    def __bool__(self):
        raise TypeError("a symbolic tensor has no truth value; use T.switch or T.and_/or_")

    def __len__(self):
        raise TypeError("a symbolic tensor has no len(); use x.shape[0]")

    # attributes ---------------------------------------------------------------------------
    @property
    def dtype(self) -> str: return self.type.dtype
    @property
    def ndim(self) -> int: return self.type.ndim
    @property
    def broadcastable(self) -> tuple: return self.type.broadcastable
    @property
    def shape(self): return _shape().shape(self)
    @property
    def size(self): return _red().prod(self.shape)
    @property
    def T(self): return _ew().transpose(self)

    # methods ------------------------------------------------------------------------------
    def dimshuffle(self, *pattern):
        """Reorder/insert ('x')/drop broadcastable dims, e.g. x.dimshuffle('x', 0)."""
        if len(pattern) == 1 and isinstance(pattern[0], (list, tuple)):
            pattern = tuple(pattern[0])
        return _ew().DimShuffle(self.broadcastable, pattern)(self)

    def transpose(self, *axes):
        return _ew().transpose(self, axes or None)

    def reshape(self, shape, ndim=None): return _shape().reshape(self, shape, ndim)
    def flatten(self, ndim=1): return _shape().flatten(self, ndim)
    def astype(self, dtype): return _ew().cast(self, dtype)
    def sum(self, axis=None, keepdims=False, dtype=None):
        return _red().sum(self, axis, keepdims=keepdims, dtype=dtype)
    def prod(self, axis=None, keepdims=False, dtype=None):
        return _red().prod(self, axis, keepdims=keepdims, dtype=dtype)
    def mean(self, axis=None, keepdims=False, dtype=None):
        return _red().mean(self, axis, keepdims=keepdims, dtype=dtype)
    def var(self, axis=None, keepdims=False): return _red().var(self, axis, keepdims=keepdims)
    def std(self, axis=None, keepdims=False): return _red().std(self, axis, keepdims=keepdims)
    def max(self, axis=None, keepdims=False): return _red().max(self, axis, keepdims=keepdims)
    def min(self, axis=None, keepdims=False): return _red().min(self, axis, keepdims=keepdims)
    def argmax(self, axis=None, keepdims=False): return _red().argmax(self, axis, keepdims=keepdims)
    def argmin(self, axis=None, keepdims=False): return _red().argmin(self, axis, keepdims=keepdims)
    def all(self, axis=None, keepdims=False): return _red().all(self, axis, keepdims=keepdims)
    def any(self, axis=None, keepdims=False): return _red().any(self, axis, keepdims=keepdims)
    def dot(self, other): return _blas().dot(self, other)
    def clip(self, lo, hi): return _ew().clip(self, lo, hi)
    def nonzero(self): raise NotImplementedError("nonzero is not supported")
    def __getitem__(self, idx): return _sub().getitem(self, idx)
    def copy(self, name=None):
        out = _ew().tensor_copy(self)
        out.name = name
        return out

    def eval(self, inputs_to_values: dict | None = None):
        """Compile (cached per variable and input set) and evaluate with the given values."""
        from ..compiler.function import function
        inputs_to_values = inputs_to_values or {}
        keys = tuple(inputs_to_values)
        cache = self.__dict__.setdefault("_eval_cache", {})
        if keys not in cache:
            cache[keys] = function(list(keys), self, on_unused_input="ignore")
        return cache[keys](*[inputs_to_values[k] for k in keys])


class TensorVariable(_TensorOperators, Variable):
    """A symbolic n-d array."""


class TensorConstant(_TensorOperators, Constant):
    """A constant n-d array (its value is `.data`)."""

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        from ..graphlib.basic import _short_data
        return f"TensorConstant{{{_short_data(self.data)}}}"


TensorType.variable_class = TensorVariable


# Lazy module accessors keep the import graph acyclic (ops modules build on this one).
def _ew():
    from . import elemwise
    return elemwise


def _shape():
    from . import shape
    return shape


def _red():
    from . import reduction
    return reduction


def _blas():
    from . import blas
    return blas


def _sub():
    from . import subtensor
    return subtensor
