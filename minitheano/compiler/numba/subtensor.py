"""Lowering of ops/subtensor.py and ops/inc_subtensor.py (index encoding: ops/indexing.py).

Basic reads (`Subtensor`) are Numba views with bounds-checked integers. Every other indexing
op follows one plan decided at lowering time: slices become loops, integer arrays and masks
(as their nonzero coordinates) broadcast together into loops placed as numpy places them, and
the body copies (read) or stores / accumulates (set / inc; repeated indices accumulate, as
np.add.at) one element.
"""
from __future__ import annotations

from ...ops.inc_subtensor import AdvancedIncSubtensor, AdvancedIncSubtensor1, IncSubtensor
from ...ops.indexing import Slot
from ...ops.subtensor import AdvancedSubtensor, AdvancedSubtensor1, Subtensor
from .basic import tuple_src
from .dispatch import Ctx, np_dtype, numba_funcify

_SUB = "minitheano.compiler.numba.runtime.subtensor"
OOB = "index {0} is out of bounds for axis {1} with size {2}"


def _entries(idx_list, index_vars, ctx: Ctx) -> list[tuple]:
    """idx_list with Slots filled: ('slice', a, b, c) | ('int', e) | ('arr', e, nd) | ('mask', e, nd)."""
    it = iter(index_vars)

    def part(p) -> str:
        if p is None:
            return "None"
        return ctx[next(it)] if isinstance(p, Slot) else repr(int(p))
    out = []
    for e in idx_list:
        if isinstance(e, slice):
            out.append(("slice", part(e.start), part(e.stop), part(e.step)))
        elif isinstance(e, Slot):
            v = next(it)
            kind = "int" if v.ndim == 0 else "mask" if v.dtype == "bool" else "arr"
            out.append((kind, ctx[v]) if kind == "int" else (kind, ctx[v], v.ndim))
        else:
            out.append(("int", repr(int(e))))
    return out


def _wrap(ctx: Ctx, value: str, x: str, d: int) -> str:
    """Emit a negative-index wrap and bounds check of `value` on dimension d of x."""
    k = ctx.tmp("k")
    ctx.emit(f"{k} = {value}", f"if {k} < 0:", f"    {k} += {x}.shape[{d}]")
    ctx.check(f"({k} < 0) | ({k} >= {x}.shape[{d}])", OOB, value, str(d), f"{x}.shape[{d}]",
              exc="IndexError")
    return k


class _Plan:
    """Loops over the indexed part of x: `loops` (var, length) in output order, `src` the x
    index expressions, `inner` the lines computing array indices inside the loops."""

    def __init__(self, ctx: Ctx, x: str, ndim: int, entries: list[tuple]):
        sub = ctx.helper(_SUB, "_sub")
        front, members, nonslice, p = [], [], [], 0
        src: list[str] = [""] * ndim
        for k, e in enumerate(entries):
            if e[0] == "slice":
                st, sp, ln = ctx.tmp("st"), ctx.tmp("sp"), ctx.tmp("ln")
                ctx.emit(f"{st}, {sp}, {ln} = {sub}.slice_indices({e[1]}, {e[2]}, {e[3]}, "
                         f"{x}.shape[{p}])")
                # a step known to be 1 is written as 1: the loop then reads consecutive
                # elements, which LLVM vectorises (with a run-time step it does not)
                front.append((p, st, "1" if e[3] in ("None", "1") else sp, ln))
                p += 1
                continue
            nonslice.append(k)
            if e[0] == "int":
                src[p] = _wrap(ctx, e[1], x, p)
                p += 1
            elif e[0] == "arr":
                members.append((p, e[1], e[2]))
                p += 1
            else:  # a k-d mask selects the coordinates of its True entries
                for j in range(e[2]):
                    ctx.check(f"{e[1]}.shape[{j}] != {x}.shape[{p + j}]",
                              "boolean index did not match indexed array along axis {0}; size "
                              "of axis is {1} but size of corresponding boolean axis is {2}",
                              str(p + j), f"{x}.shape[{p + j}]", f"{e[1]}.shape[{j}]",
                              exc="IndexError")
                nz = ctx.tmp("nz")
                ctx.emit(f"{nz} = np.nonzero({e[1]})")
                members += [(p + j, f"{nz}[{j}]", 1) for j in range(e[2])]
                p += e[2]
        trailing = [(d, "0", "1", f"{x}.shape[{d}]") for d in range(p, ndim)]
        nb = max([m[2] for m in members], default=0)
        bdims = []
        for d in range(nb):  # broadcast the index arrays together (numpy rules)
            n = ctx.tmp("nb")
            ctx.emit(f"{n} = 1")
            for _, a, nd in members:
                j = d - (nb - nd)
                if j >= 0:
                    ctx.emit(f"if {a}.shape[{j}] != 1:")
                    with ctx.indent():
                        ctx.check(f"{n} != 1 and {n} != {a}.shape[{j}]",
                                  "shape mismatch: indexing arrays could not be broadcast "
                                  "together ({0} vs {1})", n, f"{a}.shape[{j}]", exc="IndexError")
                        ctx.emit(f"{n} = {a}.shape[{j}]")
            bdims.append((ctx.tmp("b"), n))
        adjacent = nonslice == list(range(nonslice[0], nonslice[0] + len(nonslice))) \
            if nonslice else True
        at = sum(1 for e in entries[:nonslice[0]] if e[0] == "slice") if adjacent and nonslice else 0
        fl = [(ctx.tmp("s"), ln, (d, st, sp)) for d, st, sp, ln in front + trailing]
        order = fl[:at] + [(b, n, None) for b, n in bdims] + fl[at:]
        self.loops = [(v, n) for v, n, _ in order]
        for v, _, spec in order:
            if spec is not None:
                d, st, sp = spec
                src[d] = v if (st, sp) == ("0", "1") else f"{st} + {v}" if sp == "1" else \
                    f"{st} + {v} * {sp}"
        self.inner: list[str] = []
        for d, a, nd in members:
            bidx = [f"({bdims[nb - nd + j][0]} if {a}.shape[{j}] != 1 else 0)" for j in range(nd)]
            i = ctx.tmp("i")
            self.inner += [f"{i} = {a}[{', '.join(bidx)}]", f"if {i} < 0:",
                           f"    {i} += {x}.shape[{d}]",
                           f"if {i} < 0 or {i} >= {x}.shape[{d}]:",
                           f"    {ctx.raise_(OOB, i, str(d), f'{x}.shape[{d}]', exc='IndexError')}"]
            src[d] = i
        self.src = ", ".join(src)
        self.out_idx = ", ".join(v for v, _ in self.loops)
        self.shape = tuple_src([n for _, n in self.loops])

    def emit_loops(self, ctx: Ctx, body: list[str]) -> None:
        for k, (v, n) in enumerate(self.loops):
            ctx.emit("    " * k + f"for {v} in range({n}):")
        ctx.depth += len(self.loops)
        ctx.emit(*self.inner, *body)
        ctx.depth -= len(self.loops)


def _read(op, node, ctx: Ctx, idx_list) -> None:
    xv, out = node.inputs[0], node.outputs[0]
    x, name = ctx[xv], ctx.out()
    plan = _Plan(ctx, x, xv.ndim, _entries(idx_list, node.inputs[1:], ctx))
    if not plan.loops:
        plan.emit_loops(ctx, [f"{name} = {x}[{plan.src}]"])
        return
    ctx.emit(f"{name} = np.empty({plan.shape}, {np_dtype(out.dtype)})")
    plan.emit_loops(ctx, [f"{name}[{plan.out_idx}] = {x}[{plan.src}]"])


def _write(op, node, ctx: Ctx, idx_list) -> None:
    xv, yv = node.inputs[:2]
    x, y, name = ctx[xv], ctx[yv], ctx.out()
    ctx.emit(f"{name} = {x}" if op.inplace else f"{name} = {x}.copy()")
    plan = _Plan(ctx, name, xv.ndim, _entries(idx_list, node.inputs[2:], ctx))
    lengths = [n for _, n in plan.loops]
    lead = len(lengths) - yv.ndim
    yidx = []
    for e in range(yv.ndim):
        if yv.broadcastable[e]:
            yidx.append("0")
            continue
        t = lead + e
        ctx.check(f"{y}.shape[{e}] != {lengths[t]}",
                  f"the value {{inp[1]}} has length {{0}} in dimension {e}, the indexed part "
                  f"has {{1}}", f"{y}.shape[{e}]", lengths[t])
        yidx.append(plan.loops[t][0])
    value = f"{y}[{', '.join(yidx)}]" if yv.ndim else y
    sym = "=" if op.set_instead_of_inc else "+="
    plan.emit_loops(ctx, [f"{name}[{plan.src}] {sym} {value}"])


@numba_funcify.register(Subtensor)
def numba_funcify_Subtensor(op: Subtensor, node, ctx: Ctx) -> None:
    xv = node.inputs[0]
    x, name = ctx[xv], ctx.out()
    parts = []
    for d, e in enumerate(_entries(op.idx_list, node.inputs[1:], ctx)):
        if e[0] == "int":
            parts.append(_wrap(ctx, e[1], x, d))
        else:
            parts.append(":".join("" if p == "None" else p for p in e[1:]))
    ctx.emit(f"{name} = {x}[{', '.join(parts)}]" if parts else f"{name} = {x}")


@numba_funcify.register(AdvancedSubtensor1)
def numba_funcify_AdvancedSubtensor1(op, node, ctx: Ctx) -> None:
    _read(op, node, ctx, [Slot(node.inputs[1].dtype, 1)])


@numba_funcify.register(AdvancedSubtensor)
def numba_funcify_AdvancedSubtensor(op, node, ctx: Ctx) -> None:
    _read(op, node, ctx, op.idx_list)


@numba_funcify.register(AdvancedIncSubtensor1)
def numba_funcify_AdvancedIncSubtensor1(op, node, ctx: Ctx) -> None:
    _write(op, node, ctx, [Slot(node.inputs[2].dtype, 1)])


@numba_funcify.register(IncSubtensor)
@numba_funcify.register(AdvancedIncSubtensor)
def numba_funcify_IncSubtensor(op, node, ctx: Ctx) -> None:
    _write(op, node, ctx, op.idx_list)
