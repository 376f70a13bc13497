"""Lowering of ops/as_op.py: a Python function runs through `numba.objmode`.

This is the one deliberate Python step in compiled code (an `as_op` function is arbitrary
Python): the generated source marks it, and it costs an interpreter round trip per call.
"""
from __future__ import annotations

from ...ops.as_op import FromFunctionOp
from .dispatch import Ctx, numba_funcify
from .runtime import pyops


def objmode_type(var) -> str:
    """The Numba type string of a value as generated code holds it (C-contiguous arrays)."""
    base = "boolean" if var.dtype == "bool" else var.dtype
    if var.ndim == 0:
        return base
    return f"{base}[{', '.join([':'] * (var.ndim - 1) + ['::1'])}]"


def python_call(node, ctx: Ctx) -> None:
    """Emit an objmode block running `node.op.perform` in Python."""
    key = pyops.register(node.op, node)
    ctx.helper("numba", "numba")
    py = ctx.helper("minitheano.compiler.numba.runtime.pyops", "_py")
    outs = [ctx.out(k) for k in range(len(node.outputs))]
    types = ", ".join(f'{o}="{objmode_type(v)}"' for o, v in zip(outs, node.outputs))
    args = ", ".join([repr(key)] + [ctx[v] for v in node.inputs])
    ctx.emit("# Python step (numba.objmode): runs the interpreter",
             f"with numba.objmode({types}):",
             f"    {', '.join(outs)}, = {py}.call({args})")


@numba_funcify.register(FromFunctionOp)
def numba_funcify_FromFunctionOp(op: FromFunctionOp, node, ctx: Ctx) -> None:
    python_call(node, ctx)
