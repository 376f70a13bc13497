"""Variable constructors: T.scalar, vector, matrix, row, col, tensor3, tensor4 with dtype
prefixes (fmatrix, dvector, ivector, lscalar, ...) and plurals (dscalars('a', 'b'))."""
from __future__ import annotations

from typing import Sequence

from ..config import config
from ..ops.type import TensorType, TensorVariable

_PREFIX = {"": None, "b": "int8", "w": "int16", "i": "int32", "l": "int64",
           "f": "float32", "d": "float64", "c": "complex64", "z": "complex128"}
_KINDS = {"scalar": (), "vector": (False,), "matrix": (False, False), "row": (True, False),
          "col": (False, True), "tensor3": (False,) * 3, "tensor4": (False,) * 4,
          "tensor5": (False,) * 5}


def tensor(dtype: str | None = None, broadcastable: Sequence[bool] = (), name: str | None = None,
           shape=None) -> TensorVariable:
    """A free tensor variable of the given dtype and broadcastable pattern."""
    return TensorType(dtype or config.floatX, broadcastable, shape=shape)(name)


def _make(kind: str, dtype: str | None):
    bc = _KINDS[kind]

    def single(name: str | None = None, dtype: str | None = dtype) -> TensorVariable:
        return TensorType(dtype or config.floatX, bc)(name)

    def plural(*names: str, dtype: str | None = dtype) -> list[TensorVariable]:
        if len(names) == 1 and isinstance(names[0], int):
            return [single(None, dtype) for _ in range(names[0])]
        return [single(n, dtype) for n in names]
    desc = f"{dtype or 'config.floatX'} {kind}"
    single.__doc__ = f"A symbolic {desc} (broadcastable {bc})."
    plural.__doc__ = f"Several symbolic {desc}s, one per name."
    return single, plural


__all__ = ["tensor"]
for _p, _dt in _PREFIX.items():
    for _k in _KINDS:
        _s, _pl = _make(_k, _dt)
        _plural = _p + ("matrices" if _k == "matrix" else _k + "s")  # Theano's dmatrices
        _s.__name__, _pl.__name__ = _p + _k, _plural
        globals()[_p + _k] = _s
        globals()[_plural] = _pl
        __all__ += [_p + _k, _plural]
