"""The Numba types of a graph function's values, told from the ops that make them, before
Numba types the function: so the units it calls can start compiling at once (in the compile
worker, pool.py) instead of when its typing reaches each call.

Only what the lowerings make certain: the function's inputs (C arrays, its signature),
constants (as passed), results of units (C arrays and scalars, declared), allocations,
reshapes by `runtime/shape.py`, a matrix's transpose, BLAS results. Anything else is None,
and a call with such an argument is left to the typing. A wrong guess costs a compile of a
signature no one calls, never a wrong call: the tables come from the typing.
"""
from __future__ import annotations

import numpy as np
from numba import from_dtype, typeof, types

from ...graphlib import Constant, Variable
from ...ops.alloc import ARange, Alloc, Eye
from ...ops.elemwise import DimShuffle
from ...ops.gemm import Gemm, Gemv, Ger
from ...ops.join import Join
from ...ops.rewrite_ops import AllocEmpty
from ...ops.scan import Scan
from ...ops.shape import MakeVector, Reshape, Shape

WANT = "arena_want"  # codegen.WANT

_FRESH = (Alloc, AllocEmpty, ARange, Eye, Join, MakeVector, Shape, Reshape, Scan)


def numba_type(gen, var: Variable):
    """The type Numba will give `var` in `gen`'s function, or None when it is not certain."""
    if var not in gen.predicted:
        gen.predicted[var] = _type(gen, var)
    return gen.predicted[var]


def arg_types(gen, args: list[str]) -> tuple | None:
    """The types of a call's argument expressions (names of values), or None."""
    var_of = {name: v for v, name in gen.names.items()}
    out = []
    for a in args:
        if a in gen.arenas:
            t = types.Array(types.uint8, 1, "C")
        elif a.startswith(WANT + "["):  # a slice of the C vector of the arenas' sizes
            t = types.Array(types.int64, 1, "C")
        else:
            v = var_of.get(a)
            t = None if v is None else numba_type(gen, v)
        if t is None:
            return None
        out.append(t)
    return tuple(out)


def _type(gen, var: Variable):
    layout = _layout(gen, var)
    if layout is None:
        return None
    if layout == "scalar":
        return from_dtype(np.dtype(var.dtype))
    if layout == "const":
        return typeof(np.asarray(var.data)) if var.ndim else from_dtype(np.dtype(var.dtype))
    return types.Array(from_dtype(np.dtype(var.dtype)), var.ndim, layout)


def _layout(gen, var: Variable) -> str | None:
    if var.ndim == 0:
        return "scalar"
    if isinstance(var, Constant):
        return "const"
    node = var.owner
    if node is None:
        return "C" if gen.from_python and var in gen.fgraph.inputs else None
    op = node.op
    if isinstance(op, _FRESH) or gen.kernel_node(node):
        return "C"  # np.empty, a `runtime/shape` view, a unit's declared result
    if isinstance(op, (Gemm, Gemv, Ger)):
        dest = _layout(gen, node.inputs[0])
        return dest if op.inplace or dest == "C" else None
    if isinstance(op, DimShuffle):
        src = _layout(gen, node.inputs[0])
        if op.is_transpose and node.inputs[0].ndim == 2 and op.new_order == (1, 0):
            return {"C": "F", "F": "C"}.get(src)  # x.T
        if [o for o in op.new_order if o != "x"] == list(range(node.inputs[0].ndim)):
            return "C" if op.new_order != tuple(range(node.inputs[0].ndim)) else src
    return None
