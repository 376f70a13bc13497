"""Lowering of ops/rewrite_ops.py: AllocEmpty (an uninitialised buffer)."""
from __future__ import annotations

from ...ops.rewrite_ops import AllocEmpty
from .basic import tuple_src
from .dispatch import Ctx, literal, np_dtype, numba_funcify


@numba_funcify.register(AllocEmpty)
def numba_funcify_AllocEmpty(op: AllocEmpty, node, ctx: Ctx) -> None:
    name = ctx.out()
    if not node.inputs:  # a 0-d buffer is a scalar here; its value is never read
        ctx.emit(f"{name} = {literal(0, op.dtype)}")
        return
    ctx.emit(f"{name} = np.empty({tuple_src([ctx[s] for s in node.inputs])}, {np_dtype(op.dtype)})")
