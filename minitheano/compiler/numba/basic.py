"""Lowering of ops/shape.py, ops/alloc.py and ops/join.py: Shape, Shape_i, MakeVector,
SpecifyBroadcastable, Reshape; Alloc, ARange, Eye; Join."""
from __future__ import annotations

from ...ops.alloc import ARange, Alloc, Eye
from ...ops.join import Join
from ...ops.shape import MakeVector, Reshape, Shape, Shape_i, SpecifyBroadcastable
from .dispatch import Ctx, literal, np_dtype, numba_funcify
from .runtime.copy import COPIES, PLACES, STORES

SHAPE = "minitheano.compiler.numba.runtime.shape"


def tuple_src(items: list[str]) -> str:
    """Source of a tuple (`(a,)` for one item)."""
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def copy_into(ctx: Ctx, dst: str, src: str, ndim: int) -> None:
    """Emit `dst[...] = src` for `ndim`-d arrays of equal shape (the caller checks it), as a
    call of a `runtime.copy` helper or explicit loops: Numba's array setitem costs seconds of
    compile time (see runtime/copy.py). A 0-d `dst` is an indexed element: a plain store."""
    if ndim == 0:
        ctx.emit(f"{dst} = {src}")
    elif ndim in COPIES:
        ctx.emit(f"{ctx.helper('minitheano.compiler.numba.runtime.copy', '_cp')}."
                 f"{COPIES[ndim]}({dst}, {src})")
    else:
        d, s, js = ctx.tmp("d"), ctx.tmp("s"), [ctx.tmp("j") for _ in range(ndim)]
        ctx.emit(f"{d} = {dst}", f"{s} = {src}")
        for k, j in enumerate(js):
            ctx.emit("    " * k + f"for {j} in range({d}.shape[{k}]):")
        ctx.emit("    " * ndim + f"{d}[{', '.join(js)}] = {s}[{', '.join(js)}]")


def store_into(ctx: Ctx, buf: str, k: str, src: str, ndim: int) -> None:
    """Emit `buf[k] = src` for an `ndim`-d `src` of the shape of `buf[k]` (checked by the
    caller): a `runtime.copy` helper call, which indexes inside."""
    if ndim in STORES:
        ctx.emit(f"{ctx.helper('minitheano.compiler.numba.runtime.copy', '_cp')}."
                 f"{STORES[ndim]}({buf}, {k}, {src})")
    else:
        copy_into(ctx, f"{buf}[{k}]", src, ndim)


@numba_funcify.register(Shape)
def numba_funcify_Shape(op: Shape, node, ctx: Ctx) -> None:
    x, name = node.inputs[0], ctx.out()
    ctx.emit(f"{name} = np.empty({x.ndim}, np.int64)")
    for d in range(x.ndim):
        ctx.emit(f"{name}[{d}] = {ctx[x]}.shape[{d}]")


@numba_funcify.register(Shape_i)
def numba_funcify_Shape_i(op: Shape_i, node, ctx: Ctx) -> None:
    ctx.emit(f"{ctx.out()} = np.int64({ctx[node.inputs[0]]}.shape[{op.i}])")


@numba_funcify.register(MakeVector)
def numba_funcify_MakeVector(op: MakeVector, node, ctx: Ctx) -> None:
    name = ctx.out()
    ctx.emit(f"{name} = np.empty({len(node.inputs)}, {np_dtype(op.dtype)})")
    for k, s in enumerate(node.inputs):
        ctx.emit(f"{name}[{k}] = {ctx[s]}")


@numba_funcify.register(Alloc)
def numba_funcify_Alloc(op: Alloc, node, ctx: Ctx) -> None:
    value, shape = node.inputs[0], node.inputs[1:]
    out = node.outputs[0]
    name = ctx.out()
    if out.ndim == 0:
        ctx.emit(f"{name} = {ctx[value]}")
        return
    fill = ctx.scalar_of(value)
    ctx.emit(f"{name} = np.empty({tuple_src([ctx[s] for s in shape])}, {np_dtype(out.dtype)})")
    if fill is not None:
        ctx.emit(f"{name}[...] = {fill}")
        return
    # numpy broadcasting of the value into the trailing dims, as loops (a broadcasting
    # setitem would compile numba's shape-formatting error path, ~1.5 s once per process)
    v, lead = ctx[value], out.ndim - value.ndim
    js = [ctx.tmp("j") for _ in range(out.ndim)]
    step = []
    for d in range(value.ndim):
        if value.broadcastable[d]:
            step.append(None)
            continue
        ctx.check(f"({v}.shape[{d}] != 1) & ({v}.shape[{d}] != {name}.shape[{lead + d}])",
                  f"value of shape dimension {d} has length {{0}}, cannot fill length {{1}}",
                  f"{v}.shape[{d}]", f"{name}.shape[{lead + d}]")
        step.append(ctx.tmp("b"))
        ctx.emit(f"{step[-1]} = 0 if {v}.shape[{d}] == 1 else 1")
    for d in range(out.ndim):
        ctx.emit("    " * d + f"for {js[d]} in range({name}.shape[{d}]):")
    idx = ", ".join("0" if b is None else f"{js[lead + d]} * {b}" for d, b in enumerate(step))
    ctx.emit("    " * out.ndim + f"{name}[{', '.join(js)}] = {v}[{idx}]")


@numba_funcify.register(Reshape)
def numba_funcify_Reshape(op: Reshape, node, ctx: Ctx) -> None:
    x, shp = node.inputs
    name = ctx.out()
    if shp.owner is not None and isinstance(shp.owner.op, MakeVector):
        dims = [ctx[e] for e in shp.owner.inputs]  # the scalars: the vector is not built
    else:
        dims = [f"{ctx[shp]}[{k}]" for k in range(op.ndim)]
        ctx.check(f"{ctx[shp]}.shape[0] != {op.ndim}",
                  f"the shape vector has {{0}} entries, expected {op.ndim}",
                  f"{ctx[shp]}.shape[0]")
    if x.ndim == 0:
        ctx.emit(f"{name} = np.full({tuple_src(dims)}, {ctx[x]}, {np_dtype(x.dtype)})"
                 if op.ndim else f"{name} = {ctx[x]}")
        return
    if op.ndim == 0:
        ctx.check(f"{ctx[x]}.size != 1", "cannot reshape an array of size {0} into shape ()",
                  f"{ctx[x]}.size")
        ctx.emit(f"{name} = {ctx[x]}[{', '.join(['0'] * x.ndim)}]")
        return
    # a view when x is contiguous, as numpy's reshape
    ctx.emit(f"{name} = {ctx.helper(SHAPE, '_sh')}.reshape({ctx[x]}, {tuple_src(dims)})")
    ctx.view(0, 0)


@numba_funcify.register(SpecifyBroadcastable)
def numba_funcify_SpecifyBroadcastable(op: SpecifyBroadcastable, node, ctx: Ctx) -> None:
    x = ctx[node.inputs[0]]
    for d, b in enumerate(op.broadcastable):
        if b and not node.inputs[0].broadcastable[d]:
            ctx.check(f"{x}.shape[{d}] != 1",
                      f"dimension {d} declared broadcastable but has length {{0}}", f"{x}.shape[{d}]")
    ctx.keep()
    ctx.emit(f"{ctx.out()} = {x}")


@numba_funcify.register(Join)
def numba_funcify_Join(op: Join, node, ctx: Ctx) -> None:
    ax, nd = op.axis, node.outputs[0].ndim
    xs = [ctx[x] for x in node.inputs]
    name = ctx.out()
    for k, x in enumerate(xs[1:], 1):
        for d in range(nd):
            if d != ax:
                ctx.check(f"{x}.shape[{d}] != {xs[0]}.shape[{d}]",
                          f"incompatible shapes: dimension {d} of input 0 has {{0}}, of input {k} "
                          f"has {{1}}", f"{xs[0]}.shape[{d}]", f"{x}.shape[{d}]")
    total = " + ".join(f"{x}.shape[{ax}]" for x in xs)
    shape = [total if d == ax else f"{xs[0]}.shape[{d}]" for d in range(nd)]
    ctx.emit(f"{name} = np.empty({tuple_src(shape)}, {np_dtype(node.outputs[0].dtype)})")
    off = ctx.tmp("o")
    ctx.emit(f"{off} = 0")
    for x in xs:
        if nd in PLACES:  # the slicing is inside the cached helper
            ctx.emit(f"{off} = {ctx.helper('minitheano.compiler.numba.runtime.copy', '_cp')}."
                     f"{PLACES[nd]}({name}, {ax}, {off}, {x})")
            continue
        idx = [":"] * nd
        idx[ax] = f"{off}:{off} + {x}.shape[{ax}]"
        copy_into(ctx, f"{name}[{', '.join(idx)}]", x, nd)
        ctx.emit(f"{off} += {x}.shape[{ax}]")


@numba_funcify.register(ARange)
def numba_funcify_ARange(op: ARange, node, ctx: Ctx) -> None:
    start, stop, step = (ctx[v] for v in node.inputs)
    name, n, k = ctx.out(), ctx.tmp("n"), ctx.tmp("k")
    ctx.check(f"{step} == 0", "step must not be zero", exc="ZeroDivisionError")
    ctx.emit(f"{n} = max(int(np.ceil(({stop} - {start}) / {step})), 0)",
             f"{name} = np.empty({n}, {np_dtype(op.dtype)})",
             f"for {k} in range({n}):",
             f"    {name}[{k}] = {start} + {k} * {step}")


@numba_funcify.register(Eye)
def numba_funcify_Eye(op: Eye, node, ctx: Ctx) -> None:
    n, m, k = (ctx[v] for v in node.inputs)
    name, i = ctx.out(), ctx.tmp("i")
    ctx.emit(f"{name} = np.zeros(({n}, {m}), {np_dtype(op.dtype)})",
             f"for {i} in range(max(0, -{k}), min({n}, {m} - {k})):",
             f"    {name}[{i}, {i} + {k}] = {literal(1, op.dtype)}")
