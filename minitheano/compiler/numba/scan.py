"""Lowering of ops/scan: the loop is a plain `for s in range(n)` over buffers allocated
before it, with the step graph inlined in the body. Each outermost loop is its own `@njit`
function in its own generated (disk-cached) module, called from the graph's function: Numba's
compile time grows faster than a function's size, and splitting the W3 LSTM step this way
compiles about 3x faster. Loops nested in a step are inlined into their enclosing loop.
An outermost loop's buffers come from an arena the compiled function keeps between calls
(runtime/arena.py); the loop writes the bytes it used into `arena_want[0]`.

Buffer rows follow ScanInfo's layout: forward, the state of step tau is row L + tau (the L
initial states first); reverse, row n-1-tau (initial states after the last row). An output
of which only the last step is kept lives in a ring of L rows: state tau in row tau % L.
"""
from __future__ import annotations

import numpy as np

from ...graphlib import Constant, FunctionGraph
from ...ops.scan import Scan
from . import cache
from .basic import store_into, tuple_src
from .codegen import ARENA, TABLE, WANT
from .dispatch import Ctx, literal, np_dtype, numba_funcify


@numba_funcify.register(Scan)
def numba_funcify_Scan(op: Scan, node, ctx: Ctx) -> None:
    if getattr(ctx.gen, "inline_scans", False):
        _lower_loop(op, node, ctx)
    else:
        _lower_as_function(node, ctx)


def _lower_as_function(node, ctx: Ctx) -> None:
    """`outs = <module>.graph(inputs, constants)`: the loop compiled as a separate function."""
    from .codegen import Codegen
    fg = FunctionGraph(list(node.inputs), list(node.outputs))
    sub = Codegen(fg)
    sub.inline_scans = True
    sub.loop_arena = True
    sub.table_first = True  # called through the graph's table (runtime/calls.py)
    sub.from_python = False
    sub.nodes = list(ctx.gen.nodes)  # error indices continue the graph's
    src = sub.generate()
    ctx.gen.nodes.extend(sub.nodes[len(ctx.gen.nodes):])
    key = cache.cache_key(src)
    cache.load_module(src, key)  # importable by name from the graph's module
    mod = ctx.helper(f"{cache.PREFIX}{key}", f"_loop{key[:12]}")
    params = set(sub.params)
    consts = sorted((v for v, name in sub.names.items() if isinstance(v, Constant) and
                     name.startswith("c") and name in params), key=lambda v: int(sub.names[v][1:]))
    args = [ctx[v] for v in node.inputs]
    args += [ctx.gen.expr(c) for c in consts]
    k = len(ctx.gen.arenas)
    ctx.gen.arenas.append(f"{ARENA}{k}")
    ctx.gen.arena_vars.update(node.outputs)
    args += [f"{ARENA}{k}", f"{WANT}[{k}:{k + 1}]"]
    res = ctx.tmp("r")
    ctx.emit(f"# the loop: {cache.module_path(key).name} in the cache directory",
             f"{res} = {ctx.gen.call_unit(f'{mod}.graph', args, TABLE in sub.params)}")
    for k in range(len(node.outputs)):
        ctx.emit(f"{ctx.out(k)} = {res}[{k}]")  # a 0-d output comes back as a scalar


def _lower_loop(op: Scan, node, ctx: Ctx) -> None:
    info = op.info
    n_var, seqs, inits, non_seqs = info.split_outer(node.inputs)
    n, s, p = ctx.tmp("n"), ctx.tmp("s"), ctx.tmp("p")
    ctx.emit(f"{n} = {ctx[n_var]}")
    ctx.check(f"{n} < 0", "n_steps is {0}; it must be >= 0", n)
    # one raise per kind of error: each raise statement costs Numba compile time (the
    # message's values come from the py reference, re-run when a check fails)
    if seqs:
        short = " | ".join(f"({ctx[sv]}.shape[0] < {n} + {max(offs)})"
                           for sv, offs in zip(seqs, info.seq_taps))
        ctx.check(short, "sequence {0} has {1} entries; {2} steps with its read offsets "
                  "need {3}")

    # the outermost loop of a loop module takes its buffers from the module's arena
    ao = ctx.tmp("ao") if ctx.depth == 1 and getattr(ctx.gen, "loop_arena", False) else None
    if ao:
        ctx.gen.imports["_ar"] = "minitheano.compiler.numba.runtime.arena"
        ctx.emit(f"{ao} = 0")
    bufs = [_state_buffer(op, j, ctx[iv], n, ctx, ao) for j, iv in enumerate(inits)]
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
        oldest = [idx[taps.index(-info.lookback(j))] for j, (idx, taps) in
                  enumerate(zip(info.inner_state_indices(), info.out_taps))]
        in_place = [info.keep_last[j] and fg.outputs[j].ndim > 0 and
                    _computed_in(fg.outputs[j], fg.inputs[oldest[j]]) for j in range(info.n_rec)]
        for j in range(info.n_rec):
            o = fg.outputs[j]
            if o.ndim and not in_place[j] and ctx.gen.roots.get(o, frozenset()) & inputs:
                tmp = ctx.tmp("r")
                ctx.emit(f"{tmp} = {outs[j]}.copy()")
                outs[j] = tmp
        checks = [(outs[j], f"{buf}.shape", op.state_type(j).ndim, j)
                  for j, buf in enumerate(bufs) if not in_place[j]]
        for m, y in enumerate(ys):
            k = info.n_rec + m
            t = op.inner_outputs[k].type
            if not info.keep_last[k] and t.ndim:  # sized at step 0, when the shape is known
                shape = tuple_src([n] + [f"{outs[k]}.shape[{d}]" for d in range(t.ndim)])
                ctx.emit(f"if {s} == 0:", f"    {_alloc(y, shape, t.dtype, ao)}")
                checks.append((outs[k], f"{y}.shape", t.ndim, k))
        _check_shapes(ctx, checks)
        for j, buf in enumerate(bufs):
            if not in_place[j]:
                store_into(ctx, buf, _row(op, j, n, s, 0), outs[j], op.state_type(j).ndim)
        for m, y in enumerate(ys):
            _write_nit(op, info.n_rec + m, y, outs[info.n_rec + m], n, s, p, ctx)

    if ao:
        ctx.emit(f"{WANT}[0] = {ao}")
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


def _alloc(name: str, shape: str, dtype: str, offset: str | None) -> str:
    """`name = np.empty(shape)`, or taken from the loop module's arena at `offset`."""
    if offset is None:
        return f"{name} = np.empty({shape}, {np_dtype(dtype)})"
    return (f"{name}, {offset} = _ar.take({ARENA}, {offset}, {shape}, {np_dtype(dtype)}, "
            f"{np.dtype(dtype).itemsize})")


def _state_buffer(op: Scan, j: int, init: str, n: str, ctx: Ctx, offset: str | None) -> str:
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
    ctx.emit(_alloc(buf, tuple_src(shape), st.dtype, offset))
    for i in range(L):  # state -L + i
        src = init if info.init_is_state[j] else f"{init}[{i}]"
        store_into(ctx, buf, _row(op, j, n, str(i - L), 0), src, st.ndim)
    return buf


def _nit_buffer(op: Scan, k: int, n: str, ctx: Ctx) -> str:
    """The output array of nit-sot output k (an n-d one is sized in the loop's step 0)."""
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
    if op.info.keep_last[k]:
        ctx.emit(f"if {s} == {n} - 1:")
        with ctx.indent():
            ctx.emit(f"{y} = {val}" if t.ndim == 0 else f"{y} = np.asarray({val}).copy()")
        return
    store_into(ctx, y, p, val, t.ndim)


def _check_shapes(ctx: Ctx, checks: list) -> None:
    """One raise when a step value's shape differs from its buffer's rows (state shape, or
    the shape of step 0's value)."""
    if not any(c[2] for c in checks):
        return
    differ = " | ".join(f"({val}.shape[{d}] != {shape}[{d + 1}])"
                        for val, shape, ndim, _ in checks for d in range(ndim))
    ctx.check(differ, "step {0} returned output {1} of length {3} in dimension {2}, but its "
              "state (or step 0's value) has {4}")
