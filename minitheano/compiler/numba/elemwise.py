"""Lowering of Elemwise (one loop nest per node, fused Composites included) and DimShuffle.

Broadcasting is decided from the static flags: operands broadcast in every dimension become
scalars read once before the loop; when no operand broadcasts, one flat loop runs over
contiguous views (the fast path); otherwise a loop nest indexes broadcast dimensions with 0.
"""
from __future__ import annotations

import numpy as np

from ...graphlib import Variable
from ...ops.elemwise import DimShuffle, Elemwise
from ...ops.subtensor import Subtensor
from .basic import SHAPE
from .dispatch import Ctx, np_dtype, numba_funcify
from .scalar import scalar_body

class Operand:
    """An array read by a loop nest: output dimension d reads dimension `dims[d]` of `base`
    (None: a dimension the operand broadcasts along); other base dimensions are read at 0.
    Reading a DimShuffle's input this way skips building the view. A basic slice
    `view = base[a:, b:]` is read as `base[a + i, b + j]` (`offsets`; lengths from `view`):
    Numba types a slice view with layout 'A', whose loops LLVM does not vectorise, while the
    base of a slice is most often a C array (a Gemm result, a buffer)."""

    def __init__(self, k: int, base: str, dims: list, bc: tuple, base_ndim: int,
                 offsets: list | None = None, view: str | None = None):
        self.k, self.base, self.dims, self.bc, self.base_ndim = k, base, dims, bc, base_ndim
        self.offsets, self.view = offsets, view

    @property
    def plain(self) -> bool:
        return self.dims == list(range(len(self.dims))) and self.base_ndim == len(self.dims) \
            and self.view is None

    def length(self, d: int) -> str:
        return f"{self.view}.shape[{d}]" if self.view else f"{self.base}.shape[{self.dims[d]}]"

    def at(self, idx: list[str]) -> str:
        pos = {b: d for d, b in enumerate(self.dims) if b is not None}
        parts = []
        for b in range(self.base_ndim):
            i = "0" if b not in pos or self.bc[pos[b]] else idx[pos[b]]
            off = self.offsets[b] if self.offsets else 0
            parts.append(i if not off else (str(off) if i == "0" else f"{off} + {i}"))
        return ", ".join(parts)


def operand(ctx: Ctx, k: int, x, look_through: bool = True) -> Operand:
    """`x` as an Operand, looking through a DimShuffle of an n-d array or a basic slice."""
    node = x.owner
    if look_through and node is not None and isinstance(node.op, DimShuffle) and \
            node.inputs[0].ndim > 0:
        dims = [None if o == "x" else o for o in node.op.new_order]
        return Operand(k, ctx[node.inputs[0]], dims, x.broadcastable, node.inputs[0].ndim)
    if look_through and node is not None and isinstance(node.op, Subtensor):
        offsets = _slice_offsets(ctx, node, x.ndim)
        if offsets is not None and node.inputs[0].ndim == x.ndim:
            return Operand(k, ctx[node.inputs[0]], list(range(x.ndim)), x.broadcastable, x.ndim,
                           offsets, ctx[x])
    return Operand(k, ctx[x], list(range(x.ndim)), x.broadcastable, x.ndim)


def _slice_offsets(ctx: Ctx, node, ndim: int) -> list | None:
    """The start of each dimension of a Subtensor's view when every entry is a slice of step
    1 whose start is never negative (a constant >= 0, or a length, sums of lengths...; then
    view[i, j] is base[start0 + i, start1 + j]): ints and expressions; else None."""
    from ...ops.indexing import Slot, slice_parts
    from ...ops.shape import _never_negative
    symbolic = iter(node.inputs[1:])
    offsets: list = []
    for e in node.op.idx_list:
        if not isinstance(e, slice):
            return None
        start, _, step = (next(symbolic) if isinstance(p, Slot) else p for p in slice_parts(e))
        if isinstance(step, Variable):
            step = ctx.const(step)
            step = None if step is None else int(step)
        if step not in (None, 1):
            return None
        if start is None:
            offsets.append(0)
        elif isinstance(start, Variable):
            if not _never_negative(start):
                return None
            offsets.append(ctx[start])
        elif isinstance(start, (int, np.integer)) and not isinstance(start, bool) and start >= 0:
            offsets.append(int(start))
        else:
            return None
    return offsets + [0] * (ndim - len(offsets))


def shape_checks(ctx: Ctx, arrays: list[Operand], nd: int) -> list[str]:
    """Emit the run-time length of each output dimension and the checks that every
    non-broadcastable operand agrees; return the length expressions."""
    lengths, checks = [], []
    for d in range(nd):
        owners = [a for a in arrays if not a.bc[d]]
        if not owners:
            lengths.append("1")
            continue
        n = ctx.tmp("n")
        ctx.emit(f"{n} = {owners[0].length(d)}")
        checks += [(f"{a.length(d)} != {n}", _bcast_message(d, owners[0].k, a.k), n, a.length(d))
                   for a in owners[1:]]
        lengths.append(n)
    for cond, template, *values in checks:  # after the lengths, so they merge into one branch
        ctx.check(cond, template, *values)
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

    destroyed = {i for _, i in op.inplace_pattern}
    scalars: dict[int, str] = {}
    arrays: list[Operand] = []
    for k, x in enumerate(node.inputs):
        s = ctx.scalar_of(x)
        if s is None and all(x.broadcastable):
            s = ctx.tmp("s")
            ctx.emit(f"{s} = {ctx[x]}[{', '.join(['0'] * nd)}]")
        if s is not None:
            scalars[k] = s
        else:
            arrays.append(operand(ctx, k, x, look_through=k not in destroyed))
    lengths = shape_checks(ctx, arrays, nd)
    shape = _shape_tuple(lengths)
    # fast path: one flat loop over contiguous views when no operand broadcasts
    flat = nd > 1 and all(a.plain and not any(a.bc) for a in arrays)
    inplace = {o: i for o, i in op.inplace_pattern if i not in scalars}
    by_k = {a.k: a for a in arrays}
    if flat:
        for a in arrays:
            f = ctx.tmp("f")
            ctx.emit(f"{f} = {ctx.helper(SHAPE, '_sh')}.flat({a.base})")
            by_k[a.k] = Operand(a.k, f, [0], (False,), 1)
    dest = []
    for o, out in enumerate(outs):
        name = ctx.out(o)
        if o in inplace:
            src = by_k[inplace[o]].base
            if flat:  # write into the contiguous view (a copy if it was strided)
                ctx.emit(f"{name} = {ctx.helper(SHAPE, '_sh')}.reshape({src}, {shape})")
                dest.append(src)
            else:
                ctx.emit(f"{name} = {src}")
                dest.append(name)
            continue
        ctx.emit(f"{name} = np.empty({shape}, {np_dtype(out.dtype)})")
        if flat:
            g = ctx.tmp("g")
            ctx.emit(f"{g} = {ctx.helper(SHAPE, '_sh')}.flat({name})")
            dest.append(g)
        else:
            dest.append(name)

    # the loop; with sin/cos in the body, a vectorisable version first, and the exact (libm)
    # loop again only if some argument was beyond the range where it is accurate
    # (not when an output overwrites an input: the rerun would read the overwritten values)
    guards: list[str] | None = None if inplace else []
    big = _loop(ctx, node, op, nd, lengths, scalars, by_k, dest, flat, guards)
    if big:
        ctx.emit(f"if {big}:")
        with ctx.indent():
            _loop(ctx, node, op, nd, lengths, scalars, by_k, dest, flat, None)


def _loop(ctx: Ctx, node, op, nd, lengths, scalars, by_k, dest, flat, guards) -> str | None:
    """Emit one loop over the output; return the name of the 'rerun exactly' flag, if any."""
    start = len(ctx.lines)
    if flat:
        js = [ctx.tmp("j")]
        ctx.emit(f"for {js[0]} in range({' * '.join(lengths)}):")
    else:
        js = [ctx.tmp("j") for _ in range(nd)]
        for d in range(nd):
            ctx.emit("    " * d + f"for {js[d]} in range({lengths[d]}):")
    ctx.depth += len(js)
    args = []
    for k in range(len(node.inputs)):
        if k in scalars:
            args.append(scalars[k])
        else:
            x = ctx.tmp("x")
            ctx.emit(f"{x} = {by_k[k].base}[{by_k[k].at(js)}]")
            args.append(x)
    lines, exprs = scalar_body(op.scalar_op, args, [x.dtype for x in node.inputs],
                              [o.dtype for o in node.outputs], ctx.tmp, guards)
    ctx.emit(*lines)
    for d_name, e in zip(dest, exprs):
        ctx.emit(f"{d_name}[{', '.join(js)}] = {e}")
    flag = None
    if guards:
        flag = ctx.tmp("big")
        ctx.emit(f"{flag} = {flag} | " + " | ".join(f"({g})" for g in guards))
        ctx.lines.insert(start, "    " * (ctx.depth - len(js)) + f"{flag} = False")
    ctx.depth -= len(js)
    return flag


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
    if op.is_transpose and op.new_order == tuple(range(x.ndim)):
        ctx.emit(f"{name} = {ctx[x]}")
        return
    if op.is_transpose and x.ndim == 2:  # Numba knows x.T of a C array is F-contiguous
        ctx.emit(f"{name} = {ctx[x]}.T")
        return
    shape = _shape_tuple(["1" if o == "x" else f"{ctx[x]}.shape[{o}]" for o in op.new_order])
    if [o for o in op.new_order if o != "x"] == list(range(x.ndim)):
        # only inserted dimensions: a reshape, so that Numba keeps the C layout (a strided
        # view is typed 'A', and loops over it do not vectorise); a copy if x is strided
        ctx.emit(f"{name} = {ctx.helper(SHAPE, '_sh')}.reshape({ctx[x]}, {shape})")
        return
    # other permutations and inserted dimensions as a strided view (np.transpose with axes
    # costs ~1 s of compile time per array type)
    strides = _shape_tuple(["0" if o == "x" else f"{ctx[x]}.strides[{o}]" for o in op.new_order])
    ctx.emit(f"{name} = np.lib.stride_tricks.as_strided({ctx[x]}, shape={shape}, "
             f"strides={strides})")
