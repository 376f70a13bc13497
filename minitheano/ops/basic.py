"""Constants and conversion: `constant`, `as_tensor_variable` (every op's first step)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..config import config
from ..graphlib import Constant, Variable
from .type import TensorConstant, TensorType


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
        from .join import stack
        return stack([as_tensor_variable(e) for e in x])
    try:
        return constant(x, name=name, ndim=ndim)
    except Exception as e:  # noqa: BLE001
        raise TypeError(f"cannot convert {x!r} to a tensor variable: {e}") from e


def _const_int(v: Variable) -> int | None:
    if isinstance(v, Constant):
        return int(v.data)
    return None
