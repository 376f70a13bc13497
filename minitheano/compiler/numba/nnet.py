"""Lowering of ops/nnet.py: softmax family and crossentropies, as loops over the rows (the
lines along `axis`), three passes each: max, exp-sum, normalise."""
from __future__ import annotations

from ...ops.nnet import (CrossentropyCategorical1Hot, CrossentropySoftmaxArgmax1HotWithBias,
                         LogSoftmax, Softmax, SoftmaxGrad)
from .dispatch import Ctx, literal, np_dtype, numba_funcify


def _rows(ctx: Ctx, shape_of: str, nd: int, axis: int):
    """Emit loops over every dimension but `axis`; return (index template with {k} for the
    axis position, length of the axis). Call `_end(ctx, nd)` after writing the row body."""
    axis %= nd
    js = [ctx.tmp("j") for _ in range(nd)]
    loops = [d for d in range(nd) if d != axis]
    for k, d in enumerate(loops):
        ctx.emit("    " * k + f"for {js[d]} in range({shape_of}.shape[{d}]):")
    ctx.depth += len(loops)
    idx = ", ".join("{k}" if d == axis else js[d] for d in range(nd))
    return idx, f"{shape_of}.shape[{axis}]"


def _end(ctx: Ctx, nd: int) -> None:
    ctx.depth -= nd - 1


def _max_pass(ctx: Ctx, x: str, idx: str, n: str, dtype: str) -> str:
    m, k = ctx.tmp("m"), ctx.tmp("k")
    ctx.emit(f"{m} = {literal(float('-inf'), dtype)}", f"for {k} in range({n}):",
             f"    if {x}[{idx.format(k=k)}] > {m}:", f"        {m} = {x}[{idx.format(k=k)}]")
    return m


@numba_funcify.register(Softmax)
def numba_funcify_Softmax(op: Softmax, node, ctx: Ctx) -> None:
    xv = node.inputs[0]
    x, name, dt = ctx[xv], ctx.out(), np_dtype(xv.dtype)
    ctx.emit(f"{name} = np.empty_like({x})")
    idx, n = _rows(ctx, x, xv.ndim, op.axis)
    m = _max_pass(ctx, x, idx, n, xv.dtype)
    s, k, e = ctx.tmp("s"), ctx.tmp("k"), ctx.tmp("e")
    ctx.emit(f"{s} = {literal(0, xv.dtype)}", f"for {k} in range({n}):",
             f"    {e} = {dt}(math.exp({x}[{idx.format(k=k)}] - {m}))",
             f"    {name}[{idx.format(k=k)}] = {e}", f"    {s} += {e}",
             f"for {k} in range({n}):", f"    {name}[{idx.format(k=k)}] /= {s}")
    _end(ctx, xv.ndim)


@numba_funcify.register(LogSoftmax)
def numba_funcify_LogSoftmax(op: LogSoftmax, node, ctx: Ctx) -> None:
    xv = node.inputs[0]
    x, name, dt = ctx[xv], ctx.out(), np_dtype(xv.dtype)
    ctx.emit(f"{name} = np.empty_like({x})")
    idx, n = _rows(ctx, x, xv.ndim, op.axis)
    m = _max_pass(ctx, x, idx, n, xv.dtype)
    s, k, ls = ctx.tmp("s"), ctx.tmp("k"), ctx.tmp("ls")
    ctx.emit(f"{s} = {literal(0, xv.dtype)}", f"for {k} in range({n}):",
             f"    {s} += math.exp({x}[{idx.format(k=k)}] - {m})",
             f"{ls} = {m} + math.log({s})", f"for {k} in range({n}):",
             f"    {name}[{idx.format(k=k)}] = {dt}({x}[{idx.format(k=k)}] - {ls})")
    _end(ctx, xv.ndim)


@numba_funcify.register(SoftmaxGrad)
def numba_funcify_SoftmaxGrad(op: SoftmaxGrad, node, ctx: Ctx) -> None:
    """dx = (dy - sum(dy * sm, axis)) * sm; dy is read at 0 on its broadcastable dims."""
    dyv, smv = node.inputs
    out = node.outputs[0]
    dy, sm, name, dt = ctx[dyv], ctx[smv], ctx.out(), np_dtype(out.dtype)
    for d in range(smv.ndim):
        if not dyv.broadcastable[d]:
            ctx.check(f"{dy}.shape[{d}] != {sm}.shape[{d}]",
                      f"dy and sm differ in dimension {d}: {{0}} != {{1}}",
                      f"{dy}.shape[{d}]", f"{sm}.shape[{d}]")
    ctx.emit(f"{name} = np.empty({sm}.shape, {dt})")
    idx, n = _rows(ctx, sm, smv.ndim, op.axis)
    dyidx = ", ".join("0" if b else p for b, p in zip(dyv.broadcastable, idx.split(", ")))
    s, k = ctx.tmp("s"), ctx.tmp("k")
    at, dat = idx.format(k=k), dyidx.format(k=k)
    ctx.emit(f"{s} = {literal(0, out.dtype)}", f"for {k} in range({n}):",
             f"    {s} += {dy}[{dat}] * {sm}[{at}]",
             f"for {k} in range({n}):",
             f"    {name}[{at}] = {dt}(({dy}[{dat}] - {s}) * {sm}[{at}])")
    _end(ctx, smv.ndim)


def _check_labels(ctx: Ctx, y: str, rows: str, k: str) -> None:
    ctx.check(f"{y}.shape[0] != {rows}", "{0} class indices for {1} rows", f"{y}.shape[0]", rows)
    i = ctx.tmp("i")
    ctx.emit(f"for {i} in range({y}.shape[0]):")
    with ctx.indent():
        ctx.check(f"({y}[{i}] < 0) | ({y}[{i}] >= {k})", "class index y[{0}] = {1} is out of range "
                  "for {2} classes", i, f"{y}[{i}]", k, exc="IndexError")


@numba_funcify.register(CrossentropyCategorical1Hot)
def numba_funcify_CrossentropyCategorical1Hot(op, node, ctx: Ctx) -> None:
    pv, yv = node.inputs
    p, y, name = ctx[pv], ctx[yv], ctx.out()
    _check_labels(ctx, y, f"{p}.shape[0]", f"{p}.shape[1]")
    i = ctx.tmp("i")
    ctx.emit(f"{name} = np.empty({y}.shape[0], {np_dtype(pv.dtype)})",
             f"for {i} in range({y}.shape[0]):",
             f"    {name}[{i}] = -np.log({p}[{i}, {y}[{i}]])")


@numba_funcify.register(CrossentropySoftmaxArgmax1HotWithBias)
def numba_funcify_CrossentropySoftmaxArgmax1HotWithBias(op, node, ctx: Ctx) -> None:
    """Per row of z = x + b: max (and its index), log-sum-exp, nll = lse - z[y], sm = exp(z - lse)."""
    xv, bv, yv = node.inputs
    x, b, y = ctx[xv], ctx[bv], ctx[yv]
    nll, sm, am = ctx.out(0), ctx.out(1), ctx.out(2)
    dt = np_dtype(node.outputs[0].dtype)
    ctx.check(f"{b}.shape[0] != {x}.shape[1]", "bias of length {0} for {1} classes",
              f"{b}.shape[0]", f"{x}.shape[1]")
    ctx.check(f"{x}.shape[1] == 0", "x has no classes")
    _check_labels(ctx, y, f"{x}.shape[0]", f"{x}.shape[1]")
    i, k, m, mi, s, z, lse = (ctx.tmp(p) for p in ("i", "k", "m", "mi", "s", "z", "lse"))
    ctx.emit(f"{nll} = np.empty({x}.shape[0], {dt})",
             f"{sm} = np.empty(({x}.shape[0], {x}.shape[1]), {dt})",
             f"{am} = np.empty({x}.shape[0], {np_dtype(yv.dtype)})",
             f"for {i} in range({x}.shape[0]):",
             f"    {m} = {x}[{i}, 0] + {b}[0]",
             f"    {mi} = 0",
             f"    for {k} in range(1, {x}.shape[1]):",
             f"        {z} = {x}[{i}, {k}] + {b}[{k}]",
             f"        if {z} > {m}:",
             f"            {m} = {z}",
             f"            {mi} = {k}",
             f"    {s} = 0.0",
             f"    for {k} in range({x}.shape[1]):",
             f"        {s} += math.exp({x}[{i}, {k}] + {b}[{k}] - {m})",
             f"    {lse} = {m} + math.log({s})",
             f"    for {k} in range({x}.shape[1]):",
             f"        {sm}[{i}, {k}] = math.exp({x}[{i}, {k}] + {b}[{k}] - {lse})",
             f"    {nll}[{i}] = {lse} - ({x}[{i}, {y}[{i}]] + {b}[{y}[{i}]])",
             f"    {am}[{i}] = {mi}")
