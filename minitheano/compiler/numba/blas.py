"""Lowering of ops/blas.py (Dot) and ops/gemm.py (Gemv, Gemm, Ger).

Float products call BLAS once each through `runtime.blas`: Dot as gemm/gemv/dot into a new
array; Gemv/Gemm/Ger writing into the destination buffer (the first input when inplace).
Integer products are plain loops (BLAS has none).
"""
from __future__ import annotations

from ...ops.blas import Dot
from ...ops.gemm import Gemm, Gemv, Ger
from .basic import tuple_src
from .dispatch import Ctx, literal, np_dtype, numba_funcify

_BLAS = "minitheano.compiler.numba.runtime.blas"


def _operand(ctx: Ctx, var, dtype: str) -> str:
    name = ctx[var]
    return name if var.dtype == dtype else f"{name}.astype({np_dtype(dtype)})"


@numba_funcify.register(Dot)
def numba_funcify_Dot(op: Dot, node, ctx: Ctx) -> None:
    xv, yv = node.inputs
    dt = node.outputs[0].dtype
    x, y, name = _operand(ctx, xv, dt), _operand(ctx, yv, dt), ctx.out()
    ka = f"{ctx[xv]}.shape[{xv.ndim - 1}]"
    kb = f"{ctx[yv]}.shape[0]"
    ctx.check(f"{ka} != {kb}", "shapes are not aligned: {0} != {1} (last dimension of "
              "{inp[0]}, first of {inp[1]})", ka, kb)
    if dt in ("float32", "float64"):  # one BLAS call, no numpy.dot typing at compile time
        fn = {(2, 2): "matmul", (2, 1): "matvec", (1, 2): "vecmat", (1, 1): "vdot"}
        ctx.emit(f"{name} = {ctx.helper(_BLAS, '_blas')}.{fn[xv.ndim, yv.ndim]}({x}, {y})")
        return
    if dt.startswith("complex"):
        ctx.emit(f"{name} = np.dot({x}, {y})")
        return
    # integers: loops, out[i, j] = sum_k x[i, k] * y[k, j] (i / j absent for vectors)
    a, b, k, acc = ctx.tmp("a"), ctx.tmp("b"), ctx.tmp("k"), ctx.tmp("acc")
    ctx.emit(f"{a} = {x}", f"{b} = {y}")
    loops = ([(ctx.tmp("i"), f"{a}.shape[0]")] if xv.ndim == 2 else []) + \
            ([(ctx.tmp("j"), f"{b}.shape[1]")] if yv.ndim == 2 else [])
    if loops:
        ctx.emit(f"{name} = np.empty({tuple_src([n for _, n in loops])}, {np_dtype(dt)})")
    for d, (i, n) in enumerate(loops):
        ctx.emit("    " * d + f"for {i} in range({n}):")
    ctx.depth += len(loops)
    idx = [i for i, _ in loops]
    ai = ", ".join(idx[:xv.ndim - 1] + [k])
    bi = ", ".join([k] + idx[xv.ndim - 1:])
    ctx.emit(f"{acc} = {literal(0, dt)}", f"for {k} in range({a}.shape[{xv.ndim - 1}]):",
             f"    {acc} += {a}[{ai}] * {b}[{bi}]")
    ctx.emit(f"{name}[{', '.join(idx)}] = {acc}" if loops else f"{name} = {acc}")
    ctx.depth -= len(loops)


def _blas_call(ctx: Ctx, node, fn: str) -> None:
    """`out = dest; runtime.<fn>_<dtype>(...)`: dest is the first input (inplace) or a copy."""
    op = node.op
    dest, *rest = node.inputs
    rt = ctx.helper(_BLAS, "_blas")
    name = ctx.out()
    beta = node.inputs[4] if fn in ("gemv", "gemm") else None
    beta_zero = beta is not None and ctx.const(beta) is not None and float(ctx.const(beta)) == 0
    if op.inplace:
        ctx.emit(f"{name} = {ctx[dest]}")
    elif beta_zero:  # beta*dest is not read: a fresh buffer is enough
        ctx.emit(f"{name} = np.empty_like({ctx[dest]})")
    else:
        ctx.emit(f"{name} = {ctx[dest]}.copy()")
    args = [ctx[v] for v in rest]
    ctx.emit(f"{name} = {rt}.{fn}({name}, {', '.join(args)})")


@numba_funcify.register(Gemv)
def numba_funcify_Gemv(op: Gemv, node, ctx: Ctx) -> None:
    y, alpha, A, x, beta = node.inputs
    ctx.check(f"({ctx[A]}.shape[1] != {ctx[x]}.shape[0]) | ({ctx[A]}.shape[0] != {ctx[y]}.shape[0])",
              "shapes do not match: A is ({0}, {1}), x has {2}, y has {3}",
              f"{ctx[A]}.shape[0]", f"{ctx[A]}.shape[1]", f"{ctx[x]}.shape[0]", f"{ctx[y]}.shape[0]")
    _blas_call(ctx, node, "gemv")


@numba_funcify.register(Gemm)
def numba_funcify_Gemm(op: Gemm, node, ctx: Ctx) -> None:
    Z, alpha, X, Y, beta = (ctx[v] for v in node.inputs)
    ctx.check(f"({X}.shape[1] != {Y}.shape[0]) | ({X}.shape[0] != {Z}.shape[0]) | "
              f"({Y}.shape[1] != {Z}.shape[1])",
              "shapes do not match: Z is ({0}, {1}), X is ({2}, {3}), Y is ({4}, {5})",
              f"{Z}.shape[0]", f"{Z}.shape[1]", f"{X}.shape[0]", f"{X}.shape[1]",
              f"{Y}.shape[0]", f"{Y}.shape[1]")
    _blas_call(ctx, node, "gemm")


@numba_funcify.register(Ger)
def numba_funcify_Ger(op: Ger, node, ctx: Ctx) -> None:
    A, alpha, x, y = (ctx[v] for v in node.inputs)
    ctx.check(f"({A}.shape[0] != {x}.shape[0]) | ({A}.shape[1] != {y}.shape[0])",
              "shapes do not match: A is ({0}, {1}), x has {2}, y has {3}",
              f"{A}.shape[0]", f"{A}.shape[1]", f"{x}.shape[0]", f"{y}.shape[0]")
    _blas_call(ctx, node, "ger")
