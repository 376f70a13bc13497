"""Calls from generated code to separately compiled generated functions (a scan loop, a
kernel), through a table of machine-code addresses.

A call of one jitted function from another makes Numba link the callee's code into the
caller and optimise and generate machine code for it again there. Generated code instead
calls its units through their addresses, which `compiler/numba/units.py` puts in a table at
link time, with Numba's own calling convention (arrays are borrowed, results are new
references, an exception comes back as the callee's status and propagates):

    r = _ln.call(fns, k, callee, a, b)      # callee without calls of its own (a kernel)
    r = _ln.call_t(fns, k, callee, a, b)    # callee with a table of its own, passed first

`fns` is the address of the caller's table: int64 pairs (address of the function compiled
for these argument types, address of that function's own table or 0), one pair per slot k.
Nothing of a callee is compiled into its caller, so each unit is compiled once, is cached
on disk by itself and may be shared by graphs. The caller's machine code holds no address:
it stays cacheable, and the table is filled again in each process.

A generated unit declares its result type (`RESTYPE` in its module, units.py): C-contiguous
arrays (`c_out`) and scalars of the graph's dtypes. Its callers are then typed without
compiling it, so units compile in any order, and in parallel.
"""
from __future__ import annotations

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.core.typing import signature
from numba.extending import intrinsic

_I64 = ir.IntType(64)


def _make(with_table: bool):
    def typer(typingctx, fns, k, callee, *args):
        if not isinstance(k, types.IntegerLiteral) or not isinstance(callee, types.Dispatcher):
            return None
        from .. import units
        argtys = tuple(types.unliteral(a) for a in args)
        full = ((types.int64,) if with_table else ()) + argtys
        restype = units.result_type(callee.dispatcher, full)
        sig = signature(restype, types.int64, k, callee, types.StarArgTuple(args))

        def codegen(context, builder, sig, llargs):
            # Numba types a call once for all functions calling alike; it lowers each call
            # site, so the function being compiled learns its slots here
            units.lowered_slot(k.literal_value, callee.dispatcher, full)
            table = builder.inttoptr(llargs[0], _I64.as_pointer())
            slot = 2 * k.literal_value
            addr = builder.load(builder.gep(table, [_I64(slot)]))
            vals = []
            for i, (t, u) in enumerate(zip(args, argtys)):
                v = builder.extract_value(llargs[3], i)
                vals.append(context.cast(builder, v, t, u) if t != u else v)
            if with_table:
                vals.insert(0, builder.load(builder.gep(table, [_I64(slot + 1)])))
            fnty = context.call_conv.get_function_type(restype, full)
            fn = builder.inttoptr(addr, fnty.as_pointer())
            status, res = context.call_conv.call_function(builder, fn, restype, full, vals)
            with cgutils.if_unlikely(builder, status.is_error):
                context.call_conv.return_status_propagate(builder, status)
            return res
        return sig, codegen
    typer.__name__ = "call_t" if with_table else "call"  # as errors name the intrinsic
    return intrinsic(prefer_literal=True)(typer)


call = _make(False)
call_t = _make(True)


@intrinsic
def _as_c(typingctx, a):
    """`a` typed as a C-contiguous array (the caller checked that it is one)."""
    if not isinstance(a, types.Array):
        return None
    res = types.Array(a.dtype, a.ndim, "C")

    def codegen(context, builder, sig, args):
        context.nrt.incref(builder, sig.args[0], args[0])
        return args[0]  # the same structure: layout is a static property
    return res(a), codegen


@njit(cache=True)
def c_out(a):
    """An array result of a unit as a C-contiguous array: itself when it is one (always, for
    the arrays units allocate), else a copy."""
    if a.flags.c_contiguous:
        return _as_c(a)
    return a.copy()
