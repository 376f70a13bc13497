"""Lowering of reductions (CAReduce, Argmax) to loops.

Loops run in the input's C order. When the reduced axes are the trailing ones, each output
element is accumulated in a scalar; otherwise the output array is the accumulator.
"""
from __future__ import annotations

import numpy as np

from ...ops.reduction import Argmax, CAReduce
from .basic import SHAPE, tuple_src
from .dispatch import Ctx, literal, np_dtype, numba_funcify


def _init(kind: str, dtype: str) -> str:
    if kind in ("sum", "any"):
        return literal(0, dtype)
    if kind in ("prod", "all"):
        return literal(1, dtype)
    if dtype == "bool":
        return literal(kind == "min", dtype)
    if dtype.startswith("float"):
        return literal(-np.inf if kind == "max" else np.inf, dtype)
    info = np.iinfo(dtype)
    return literal(info.min if kind == "max" else info.max, dtype)


def _combine(kind: str, acc: str, val: str, dtype: str) -> str:
    if kind == "sum":
        return f"{acc} + {val}"
    if kind == "prod":
        return f"{acc} * {val}"
    if kind == "all":
        return f"{acc} and {val} != 0"
    if kind == "any":
        return f"{acc} or {val} != 0"
    cmp = ">" if kind == "max" else "<"
    if dtype.startswith("float"):  # numpy propagates NaN
        return f"{val} if ({val} {cmp} {acc} or {val} != {val}) else {acc}"
    return f"{val} if {val} {cmp} {acc} else {acc}"


def _loops(ctx: Ctx, x: str, dims: list[int], js: list[str]) -> None:
    for k, d in enumerate(dims):
        ctx.emit("    " * k + f"for {js[d]} in range({x}.shape[{d}]):")


@numba_funcify.register(CAReduce)
def numba_funcify_CAReduce(op: CAReduce, node, ctx: Ctx) -> None:
    xv, out = node.inputs[0], node.outputs[0]
    x, name, nd, dt = ctx[xv], ctx.out(), xv.ndim, out.dtype
    if nd == 0 or not op.axis:
        ctx.emit(f"{name} = {x}" if out.dtype == xv.dtype else
                 f"{name} = {np_dtype(dt)}({x})" if nd == 0 else f"{name} = {x}.astype({np_dtype(dt)})")
        return
    if op.kind in ("max", "min"):
        for a in op.axis:
            ctx.check(f"{x}.shape[{a}] == 0", f"cannot reduce an empty dimension ({a})")
    js = [ctx.tmp("j") for _ in range(nd)]
    kept = [d for d in range(nd) if d not in op.axis]
    val = f"{x}[{', '.join(js)}]"
    if xv.dtype != dt and op.kind in ("sum", "prod"):
        val = f"{np_dtype(dt)}({val})"
    out_idx = ", ".join("0" if d in op.axis else js[d] for d in range(nd)) if op.keepdims \
        else ", ".join(js[d] for d in kept)
    out_shape = tuple_src(["1" if d in op.axis else f"{x}.shape[{d}]" for d in range(nd)]
                          if op.keepdims else [f"{x}.shape[{d}]" for d in kept])
    trailing = all(a > d for a in op.axis for d in kept)
    if trailing:
        acc, v = ctx.tmp("acc"), ctx.tmp("x")
        # a float32 sum or product accumulates in float64: a long run of float32 additions
        # drifts (~1e-5 relative over 1e5 terms, where numpy's pairwise sum keeps ~1e-7)
        acc_dt = "float64" if dt in ("float16", "float32") and op.kind in ("sum", "prod") \
            else dt
        if kept:
            ctx.emit(f"{name} = np.empty({out_shape}, {np_dtype(dt)})")
            _loops(ctx, x, kept, js)
        ctx.depth += len(kept)
        ctx.emit(f"{acc} = {_init(op.kind, acc_dt)}")
        _loops(ctx, x, list(op.axis), js)
        with ctx.indent():
            ctx.depth += len(op.axis) - 1
            ctx.emit(f"{v} = {val}", f"{acc} = {_combine(op.kind, acc, v, dt)}")
            ctx.depth -= len(op.axis) - 1
        if kept:
            ctx.emit(f"{name}[{out_idx}] = {acc}")
        ctx.depth -= len(kept)
        if not kept:
            ctx.emit(f"{name} = np.full({out_shape}, {acc}, {np_dtype(dt)})" if op.keepdims
                     else f"{name} = {acc}" if acc_dt == dt else f"{name} = {np_dtype(dt)}({acc})")
        return
    ctx.emit(f"{name} = np.full({out_shape}, {_init(op.kind, dt)}, {np_dtype(dt)})")
    _loops(ctx, x, list(range(nd)), js)
    v, o = ctx.tmp("x"), ctx.tmp("a")
    ctx.depth += nd
    ctx.emit(f"{v} = {val}", f"{o} = {name}[{out_idx}]",
             f"{name}[{out_idx}] = {_combine(op.kind, o, v, dt)}")
    ctx.depth -= nd


@numba_funcify.register(Argmax)
def numba_funcify_Argmax(op: Argmax, node, ctx: Ctx) -> None:
    xv, out = node.inputs[0], node.outputs[0]
    x, name, nd = ctx[xv], ctx.out(), xv.ndim
    cmp = ">" if op.kind == "max" else "<"
    floating = xv.dtype.startswith("float")

    def better(v: str, b: str) -> str:  # numpy returns the first NaN
        return f"{v} {cmp} {b}" + (f" or ({v} != {v} and {b} == {b})" if floating else "")
    if nd == 0:
        ctx.emit(f"{name} = np.int64(0)")
        return
    if op.axis is None:  # index into the C-order flattening
        f, k, b, bi, v = ctx.tmp("f"), ctx.tmp("k"), ctx.tmp("b"), ctx.tmp("bi"), ctx.tmp("v")
        ctx.check(f"{x}.size == 0", "attempt to get arg{op.kind} of an empty sequence")
        ctx.emit(f"{f} = {ctx.helper(SHAPE, '_sh')}.flat({x})",
                 f"{b} = {f}[0]", f"{bi} = 0",
                 f"for {k} in range(1, {f}.size):",
                 f"    {v} = {f}[{k}]",
                 f"    if {better(v, b)}:",
                 f"        {b} = {v}", f"        {bi} = {k}")
        res = f"np.int64({bi})"
        ctx.emit(f"{name} = np.full({tuple_src(['1'] * nd)}, {res})" if op.keepdims
                 else f"{name} = {res}")
        return
    a = op.axis
    js = [ctx.tmp("j") for _ in range(nd)]
    kept = [d for d in range(nd) if d != a]
    ctx.check(f"{x}.shape[{a}] == 0", "attempt to get arg{op.kind} of an empty sequence")
    out_shape = [("1" if d == a else f"{x}.shape[{d}]") for d in range(nd)] if op.keepdims \
        else [f"{x}.shape[{d}]" for d in kept]
    out_idx = ", ".join("0" if d == a else js[d] for d in range(nd)) if op.keepdims \
        else ", ".join(js[d] for d in kept)
    if kept or op.keepdims:
        ctx.emit(f"{name} = np.empty({tuple_src(out_shape)}, np.int64)")
    _loops(ctx, x, kept, js)
    b, bi, v = ctx.tmp("b"), ctx.tmp("bi"), ctx.tmp("v")
    at = lambda i: f"{x}[{', '.join(i if d == a else js[d] for d in range(nd))}]"  # noqa: E731
    ctx.depth += len(kept)
    ctx.emit(f"{b} = {at('0')}", f"{bi} = 0",
             f"for {js[a]} in range(1, {x}.shape[{a}]):",
             f"    {v} = {at(js[a])}",
             f"    if {better(v, b)}:",
             f"        {b} = {v}", f"        {bi} = {js[a]}")
    if kept or op.keepdims:
        ctx.emit(f"{name}[{out_idx}] = {bi}")
    else:
        ctx.emit(f"{name} = np.int64({bi})")
    ctx.depth -= len(kept)
