"""Shared variables: symbolic variables with a value stored between function calls."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .type import TensorType, TensorVariable


class SharedVariable(TensorVariable):
    """A tensor variable whose value lives in `container`; functions read it as an implicit
    input and may replace it through `updates`."""

    def __init__(self, type: TensorType, value: np.ndarray, name: str | None = None):
        super().__init__(type, None, None, name)
        self.container = [value]

    def get_value(self, borrow: bool = False) -> np.ndarray:
        """The current value (a copy unless borrow=True)."""
        v = self.container[0]
        return v if borrow else v.copy()

    def set_value(self, value: Any, borrow: bool = False) -> None:
        """Replace the value (copied unless borrow=True); dtype and ndim must fit the type."""
        arr = self.type.filter(value, name=self.name or "shared variable")
        if not borrow and arr is value:
            arr = arr.copy()
        self.container[0] = arr

    @property
    def value(self) -> np.ndarray:
        return self.container[0]

    def clone(self) -> "SharedVariable":
        return self  # a shared variable is one storage; cloning a graph keeps it

    def __str__(self) -> str:
        return self.name if self.name is not None else f"<SharedVariable {self.type}>"


def shared(value: Any, name: str | None = None, borrow: bool = False,
           broadcastable: Sequence[bool] | None = None, strict: bool = False) -> SharedVariable:
    """A shared variable initialised with `value` (copied unless borrow=True).

    No dimension is broadcastable unless `broadcastable` says so, as in Theano: the length of
    a shared value may change with set_value.
    """
    arr = np.asarray(value)
    if not borrow or arr is not value:
        arr = np.array(arr, copy=True)
    if arr.dtype.kind == "O":
        raise TypeError(f"shared: cannot hold a value of type {type(value).__name__}")
    if broadcastable is None:
        broadcastable = (False,) * arr.ndim
    t = TensorType(str(arr.dtype), broadcastable)
    return SharedVariable(t, t.filter(arr, name=name or "shared"), name)
