"""Lowering of ops/scan: the loop runs inside the one generated function as a plain
`for s in range(n)` over buffers allocated before it; the step graph is inlined in the body.

Buffer rows follow ScanInfo's layout: forward, the state of step tau is row L + tau (the L
initial states first); reverse, row n-1-tau (initial states after the last row). An output
of which only the last step is kept lives in a ring of L rows: state tau in row tau % L.
"""
from __future__ import annotations

from ...graphlib import FunctionGraph
from ...ops.scan import Scan
from .basic import tuple_src
from .dispatch import Ctx, literal, np_dtype, numba_funcify


@numba_funcify.register(Scan)
def numba_funcify_Scan(op: Scan, node, ctx: Ctx) -> None:
    info = op.info
    n_var, seqs, inits, non_seqs = info.split_outer(node.inputs)
    n, s, p = ctx.tmp("n"), ctx.tmp("s"), ctx.tmp("p")
    ctx.emit(f"{n} = {ctx[n_var]}")
    ctx.check(f"{n} < 0", "n_steps is {0}; it must be >= 0", n)
    for i, (sv, offs) in enumerate(zip(seqs, info.seq_taps)):
        x = ctx[sv]
        ctx.check(f"{x}.shape[0] < {n} + {max(offs)}",
                  f"sequence {i} ({{inp[{1 + i}]}}) has {{0}} entries; {{1}} steps with read "
                  f"offsets {list(offs)} need {{2}}", f"{x}.shape[0]", n, f"{n} + {max(offs)}")

    bufs = [_state_buffer(op, j, ctx[iv], n, ctx) for j, iv in enumerate(inits)]
    ys = [_nit_buffer(op, info.n_rec + m, n, ctx) for m in range(info.n_nit_sot)]

    fg = FunctionGraph(op.inner_inputs, op.inner_outputs)
    ctx.emit(f"for {s} in range({n}):")
    with ctx.indent():
        ctx.emit(f"{p} = {n} - 1 - {s}" if info.reverse else f"{p} = {s}")
        args = []
        for sv, offs in zip(seqs, info.seq_taps):
            for o in offs:
                args.append(ctx.tmp("x"))
                ctx.emit(f"{args[-1]} = {ctx[sv]}[{p} + {o}]" if o else
                         f"{args[-1]} = {ctx[sv]}[{p}]")
        for j, buf in enumerate(bufs):
            for k in info.out_taps[j]:
                args.append(ctx.tmp("x"))
                ctx.emit(f"{args[-1]} = {buf}[{_row(op, j, n, s, k)}]")
        args += [ctx[v] for v in non_seqs]
        outs = ctx.inline(fg, args)
        # a step output computed in its own ring row needs no write; one that views a state
        # row must be read before any row is written
        inputs = set(fg.inputs)
        in_place = [info.keep_last[j] and fg.outputs[j].ndim > 0 and _computed_in(fg.outputs[j], fg.inputs[
            info.inner_state_indices()[j][info.out_taps[j].index(-info.lookback(j))]])
            for j in range(info.n_rec)]
        for j in range(info.n_rec):
            o = fg.outputs[j]
            if o.ndim and not in_place[j] and ctx.gen.roots.get(o, frozenset()) & inputs:
                tmp = ctx.tmp("r")
                ctx.emit(f"{tmp} = {outs[j]}.copy()")
                outs[j] = tmp
        for j, buf in enumerate(bufs):
            if in_place[j]:
                continue
            _check_step_shape(ctx, outs[j], f"{buf}.shape", 1, op.state_type(j).ndim,
                              f"step {{0}} returned recurrent output {j} of shape dimension "
                              f"{{1}} = {{2}}, but its state has {{3}}", s)
            ctx.emit(f"{buf}[{_row(op, j, n, s, 0)}] = {outs[j]}")
        for m, y in enumerate(ys):
            _write_nit(op, info.n_rec + m, y, outs[info.n_rec + m], n, s, p, ctx)

    for j, buf in enumerate(bufs):
        L = info.lookback(j)
        if info.keep_last[j]:
            ctx.emit(f"{ctx.out(j)} = {buf}[{_row(op, j, n, f'{n} - 1', 0)}]")
        else:
            ctx.emit(f"{ctx.out(j)} = {buf}[:{n}]" if info.reverse else
                     f"{ctx.out(j)} = {buf}[{L}:]")
    for m, y in enumerate(ys):
        k = info.n_rec + m
        if info.keep_last[k]:
            ctx.check(f"{n} == 0", f"output {k} has no last step (0 steps)")
        ctx.emit(f"{ctx.out(k)} = {y}")


def _computed_in(v, target) -> bool:
    """Whether `v` is `target`'s buffer, overwritten in place (following destroy_maps)."""
    while v is not target:
        dm = v.owner.op.destroy_map.get(v.index) if v.owner is not None else None
        if not dm:
            return False
        v = v.owner.inputs[dm[0]]
    return True


def _row(op: Scan, j: int, n: str, tau: str, k: int) -> str:
    """Source of the buffer row holding the state of step `tau + k` of recurrent output j."""
    info = op.info
    L = info.lookback(j)
    if info.keep_last[j]:
        return "0" if L == 1 else f"({tau} + {k + L}) % {L}"
    if info.reverse:
        return f"{n} - 1 - {tau}" + (f" + {-k}" if k else "")
    return f"{tau} + {L + k}"


def _state_buffer(op: Scan, j: int, init: str, n: str, ctx: Ctx) -> str:
    """Allocate recurrent output j's buffer and write its initial states; return its name."""
    info = op.info
    L, st = info.lookback(j), op.state_type(j)
    first = 0 if info.init_is_state[j] else 1
    if not info.init_is_state[j]:
        ctx.check(f"{init}.shape[0] < {L}",
                  f"the initial value of recurrent output {j} has {{0}} rows; taps "
                  f"{list(info.out_taps[j])} need {L}", f"{init}.shape[0]")
    rows = str(L) if info.keep_last[j] else f"{n} + {L}"
    shape = [rows] + [f"{init}.shape[{d + first}]" for d in range(st.ndim)]
    buf = ctx.tmp("buf")
    ctx.emit(f"{buf} = np.empty({tuple_src(shape)}, {np_dtype(st.dtype)})")
    for i in range(L):  # state -L + i
        src = init if info.init_is_state[j] else f"{init}[{i}]"
        ctx.emit(f"{buf}[{_row(op, j, n, str(i - L), 0)}] = {src}")
    return buf


def _nit_buffer(op: Scan, k: int, n: str, ctx: Ctx) -> str:
    """The output array of nit-sot output k: sized at step 0, when its shape is known."""
    t = op.inner_outputs[k].type
    y = ctx.tmp("y")
    if op.info.keep_last[k]:
        ctx.emit(f"{y} = {literal(0, t.dtype)}" if t.ndim == 0 else
                 f"{y} = np.empty({tuple_src(['0'] * t.ndim)}, {np_dtype(t.dtype)})")
    elif t.ndim == 0:
        ctx.emit(f"{y} = np.empty({n}, {np_dtype(t.dtype)})")
    else:
        dims = ["0"] + ["1" if b else "0" for b in t.broadcastable]
        ctx.emit(f"{y} = np.empty({tuple_src(dims)}, {np_dtype(t.dtype)})")
    return y


def _write_nit(op: Scan, k: int, y: str, val: str, n: str, s: str, p: str, ctx: Ctx) -> None:
    t = op.inner_outputs[k].type
    dt = np_dtype(t.dtype)
    if op.info.keep_last[k]:
        ctx.emit(f"if {s} == {n} - 1:")
        with ctx.indent():
            ctx.emit(f"{y} = {val}" if t.ndim == 0 else f"{y} = np.asarray({val}).copy()")
        return
    if t.ndim:
        shape = tuple_src([n] + [f"{val}.shape[{d}]" for d in range(t.ndim)])
        ctx.emit(f"if {s} == 0:")
        with ctx.indent():
            ctx.emit(f"{y} = np.empty({shape}, {dt})")
        _check_step_shape(ctx, val, f"{y}.shape", 1, t.ndim,
                          f"step {{0}} returned output {k} of shape dimension {{1}} = {{2}}, "
                          f"earlier steps {{3}}", s)
    ctx.emit(f"{y}[{p}] = {val}")


def _check_step_shape(ctx: Ctx, val: str, shape: str, skip: int, ndim: int, template: str,
                      s: str) -> None:
    for d in range(ndim):
        ctx.check(f"{val}.shape[{d}] != {shape}[{d + skip}]", template, s, str(d),
                  f"{val}.shape[{d}]", f"{shape}[{d + skip}]")
