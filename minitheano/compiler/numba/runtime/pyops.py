"""Python steps called from generated code through `numba.objmode` (ops with no Numba form,
such as `as_op` functions). Each call leaves compiled code, boxes the arrays and runs the
interpreter: correct, and as slow as the Python it calls.

Generated source names an op by a stable key (importable function name + types), so the
cached code finds it in a later process once the same op is compiled again.
"""
from __future__ import annotations

import numpy as np

_TABLE: dict[str, tuple] = {}


def register(op, node) -> str:
    """A key for `op` (stable across processes when its function is importable)."""
    fn = getattr(op, "fn", op)
    mod, qual = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    types = ",".join(str(v.type) for v in node.inputs) + "->" + \
        ",".join(str(v.type) for v in node.outputs)
    key = f"{mod}.{qual}({types})" if mod and qual and "<" not in qual else \
        f"{qual}@{id(op):x}({types})"
    prev = _TABLE.get(key)
    if prev is not None and prev[0] != op:
        key = f"{key}@{id(op):x}"
    _TABLE[key] = (op, node)
    return key


def call(key: str, *args):
    """Run the op's `perform` (its checks included) and return C-contiguous outputs
    (0-d outputs as scalars, as generated code holds them)."""
    op, node = _TABLE[key]
    values = [np.asarray(a, dtype=v.dtype) if v.ndim == 0 else a
              for a, v in zip(args, node.inputs)]
    cells = [[None] for _ in node.outputs]
    op.perform(node, values, cells)
    out = []
    for (r,), v in zip(cells, node.outputs):
        r = np.asarray(r)
        out.append(r[()] if v.ndim == 0 else np.ascontiguousarray(r))
    return tuple(out)
