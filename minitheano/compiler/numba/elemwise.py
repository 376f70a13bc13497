"""Lowering of Elemwise (one loop nest per node, fused Composites included) and DimShuffle.

Broadcasting is decided from the static flags: operands broadcast in every dimension become
scalars read once before the loop; when no operand broadcasts, one flat loop runs over
contiguous views (the fast path); otherwise a loop nest indexes broadcast dimensions with 0.
"""
from __future__ import annotations

from ...ops.elemwise import DimShuffle, Elemwise
from .dispatch import Ctx, np_dtype, numba_funcify
from .scalar import scalar_body

def shape_checks(ctx: Ctx, arrays: list[tuple[int, str, tuple]], nd: int) -> list[str]:
    """Emit the run-time length of each output dimension and the checks that every
    non-broadcastable operand agrees; return the length expressions."""
    lengths = []
    for d in range(nd):
        owners = [(k, name) for k, name, bc in arrays if not bc[d]]
        if not owners:
            lengths.append("1")
            continue
        n = ctx.tmp("n")
        k0, first = owners[0]
        ctx.emit(f"{n} = {first}.shape[{d}]")
        for k, name in owners[1:]:
            ctx.check(f"{name}.shape[{d}] != {n}", _bcast_message(d, k0, k),
                      f"{n}", f"{name}.shape[{d}]")
        lengths.append(n)
    return lengths


def _bcast_message(d: int, i: int, j: int) -> str:
    return (f"shape mismatch in dimension {d}: input {i} ({{inp[{i}]}}) has {{0}}, "
            f"input {j} ({{inp[{j}]}}) has {{1}}.")


def _shape_tuple(lengths: list[str]) -> str:
    return "(" + ", ".join(lengths) + ("," if len(lengths) == 1 else "") + ")"


@numba_funcify.register(Elemwise)
def numba_funcify_Elemwise(op: Elemwise, node, ctx: Ctx) -> None:
    outs = node.outputs
    nd = outs[0].ndim
    in_dtypes = [x.dtype for x in node.inputs]
    out_dtypes = [o.dtype for o in outs]
    if nd == 0:
        lines, exprs = scalar_body(op.scalar_op, [ctx[x] for x in node.inputs], in_dtypes,
                                   out_dtypes, ctx.tmp)
        ctx.emit(*lines)
        for k, e in enumerate(exprs):
            ctx.emit(f"{ctx.out(k)} = {e}")
        return

    scalars: dict[int, str] = {}
    arrays: list[tuple[int, str, tuple]] = []
    for k, x in enumerate(node.inputs):
        s = ctx.scalar_of(x)
        if s is None and all(x.broadcastable):
            s = ctx.tmp("s")
            ctx.emit(f"{s} = {ctx[x]}[{', '.join(['0'] * nd)}]")
        if s is not None:
            scalars[k] = s
        else:
            arrays.append((k, ctx[x], x.broadcastable))
    lengths = shape_checks(ctx, arrays, nd)
    shape = _shape_tuple(lengths)
    flat = nd == 1 or all(not any(bc) for _, _, bc in arrays)
    inplace = {o: i for o, i in op.inplace_pattern if i not in scalars}

    # operand and output buffers
    src = {}
    for k, name, _ in arrays:
        if flat and nd > 1:
            f = ctx.tmp("f")
            ctx.emit(f"{f} = np.ascontiguousarray({name}).ravel()")
            src[k] = f
        else:
            src[k] = name
    dest = []
    for o, out in enumerate(outs):
        name = ctx.out(o)
        if o in inplace:
            i = inplace[o]
            if flat and nd > 1:  # write into the contiguous view (a copy if it was strided)
                ctx.emit(f"{name} = {src[i]}.reshape({shape})")
                dest.append(src[i])
            else:
                ctx.emit(f"{name} = {src[i]}")
                dest.append(name)
            continue
        ctx.emit(f"{name} = np.empty({shape}, {np_dtype(out.dtype)})")
        if flat and nd > 1:
            g = ctx.tmp("g")
            ctx.emit(f"{g} = {name}.ravel()")
            dest.append(g)
        else:
            dest.append(name)

    # the loop
    if flat:
        j = ctx.tmp("j")
        idx_of = {k: j for k in src}
        out_idx = j
        ctx.emit(f"for {j} in range({' * '.join(lengths)}):")
        depth = 1
    else:
        js = [ctx.tmp("j") for _ in range(nd)]
        idx_of = {k: ", ".join("0" if bc[d] else js[d] for d in range(nd)) for k, _, bc in arrays}
        out_idx = ", ".join(js)
        for d in range(nd):
            ctx.emit("    " * d + f"for {js[d]} in range({lengths[d]}):")
        depth = nd
    ctx.depth += depth
    args = []
    for k in range(len(node.inputs)):
        if k in scalars:
            args.append(scalars[k])
        else:
            x = ctx.tmp("x")
            ctx.emit(f"{x} = {src[k]}[{idx_of[k]}]")
            args.append(x)
    lines, exprs = scalar_body(op.scalar_op, args, in_dtypes, out_dtypes, ctx.tmp)
    ctx.emit(*lines)
    for d_name, e in zip(dest, exprs):
        ctx.emit(f"{d_name}[{out_idx}] = {e}")
    ctx.depth -= depth


@numba_funcify.register(DimShuffle)
def numba_funcify_DimShuffle(op: DimShuffle, node, ctx: Ctx) -> None:
    x, out = node.inputs[0], node.outputs[0]
    name = ctx.out()
    if x.ndim == 0:
        shape = _shape_tuple(["1"] * out.ndim)
        ctx.emit(f"{name} = np.full({shape}, {ctx[x]}, {np_dtype(out.dtype)})")
        return
    if out.ndim == 0:  # every dimension dropped: the single element
        ctx.emit(f"{name} = {ctx[x]}[{', '.join(['0'] * x.ndim)}]")
        return
    if op.is_transpose:
        if op.new_order == tuple(range(x.ndim)):
            ctx.emit(f"{name} = {ctx[x]}")
        elif x.ndim == 2:
            ctx.emit(f"{name} = {ctx[x]}.T")
        else:
            ctx.emit(f"{name} = np.transpose({ctx[x]}, {_shape_tuple([str(o) for o in op.new_order])})")
        return
    shape = _shape_tuple(["1" if o == "x" else f"{ctx[x]}.shape[{o}]" for o in op.new_order])
    strides = _shape_tuple(["0" if o == "x" else f"{ctx[x]}.strides[{o}]" for o in op.new_order])
    ctx.emit(f"{name} = np.lib.stride_tricks.as_strided({ctx[x]}, shape={shape}, "
             f"strides={strides})")
