"""Turn a FunctionGraph into the source of ONE Numba function: each node's lowering writes
a block, unread blocks are dropped, outputs that could alias inputs or each other are copied."""
from __future__ import annotations

import itertools
import re
import sys
from typing import Sequence

import numba
import numpy as np

from ...graphlib import Apply, Constant, FunctionGraph, Variable
from ...config import config
from ...ops.scan import Scan
from . import outline, predict, units
from .dispatch import Ctx, literal, numba_funcify
from .outline import VMATH

FUNC_NAME = "graph"
ARENA, WANT = "arena", "arena_want"  # parameters of the loops' arenas (runtime/arena.py)
TABLE = "fns"  # parameter: the address of the table of the units called (runtime/calls.py)
JIT_OPTIONS = 'cache=True, error_model="numpy", no_cfunc_wrapper=True'
UNIT_OPTIONS = JIT_OPTIONS + ", no_cpython_wrapper=True"  # called only through a table
# A graph's function that calls kernels holds no loop of its own: straight-line code run once
# per call, whose LLVM optimisation would cost more than it gains beyond this many lines
UNOPTIMISED_LINES = 60
_IDENT = re.compile(r"\b[A-Za-z_]\w*\b")


class _Block:
    def __init__(self, node: Apply | None, lines: list[str], defines: set[str], droppable: bool):
        self.node, self.lines, self.defines, self.droppable = node, lines, defines, droppable


class Codegen:
    """Generates the module source for `fgraph`; names are positional (v3, i0, c1) so equal
    graph structures give equal source, which is the disk-cache key."""

    def __init__(self, fgraph: FunctionGraph, snapshot: bool = False):
        self.fgraph = fgraph
        self.snapshot = snapshot  # return a copy of every node output, taken when computed
        self.names: dict[Variable, str] = {}
        self.roots: dict[Variable, frozenset] = {}
        self.imports: dict[str, str] = {}
        self.params: list[str] = []
        self.preamble: list[str] = []
        self.consts: list[np.ndarray] = []  # array constants, passed after the inputs
        self.nodes: list[Apply] = []        # error messages carry an index into this list
        self.arenas: list[str] = []         # one per outermost loop (runtime/arena.py)
        self.arena_vars: set = set()        # the loops' outputs, which may view an arena
        self.loop_arena = False             # a loop module: its loop takes an arena
        self.scalar_returns: list = []      # (position, dtype) of 0-d outputs, returned bare
        self.table_first = False            # a unit called with its table: a parameter first
        self.from_python = True             # called from Python (else only through a table)
        # a node's loops as a kernel (outline.py); not when every node's values are returned
        self.kernels = config.numba_kernels and not snapshot
        self._node_lines: dict[Apply, list[str]] = {}
        self.predicted: dict[Variable, object] = {}  # Numba types told before typing
        self._counter = itertools.count()
        self._blocks: list[_Block] = []
        self._defined: list[str] = []

    # -- names ---------------------------------------------------------------------------------
    def fresh(self, prefix: str) -> str:
        if prefix in ("i", "c"):  # i<k> / c<k> name the function's inputs and constants
            prefix += "_"
        return f"{prefix}{next(self._counter)}"

    def define(self, var: Variable) -> str:
        if var not in self.names:
            self.names[var] = self.fresh("v")
        self._defined.append(self.names[var])
        return self.names[var]

    def expr(self, var: Variable) -> str:
        name = self.names.get(var)
        if name is not None:
            return name
        if isinstance(var, Constant):
            data = np.asarray(var.data)
            if var.ndim == 0:
                return literal(data, var.dtype)
            name = f"c{len(self.consts)}"
            self.consts.append(data)
            self.params.append(name)
            self.names[var] = name
            self.roots[var] = frozenset([var])
            return name
        raise KeyError(f"numba codegen: {var} is used before it is computed")

    # -- lowering ------------------------------------------------------------------------------
    def lower_node(self, node: Apply, depth: int = 1) -> Ctx:
        index = len(self.nodes)
        self.nodes.append(node)
        ctx = Ctx(self, node, index, depth)
        numba_funcify(node.op, node, ctx)
        self._node_lines[node] = ctx.lines
        for o in node.outputs:
            if o not in self.names:
                raise RuntimeError(f"numba lowering of {node.op} did not define output {o.index}")
        views = {o: list(ins) for o, ins in node.op.view_map.items()}
        for o, ins in list(node.op.destroy_map.items()) + list(ctx.views.items()):
            views.setdefault(o, []).extend(ins)
        for k, o in enumerate(node.outputs):
            roots = frozenset([o]).union(*[self.roots.get(node.inputs[i], frozenset())
                                           for i in views.get(k, [])])
            self.roots[o] = roots
        return ctx

    def inline(self, fgraph: FunctionGraph, in_exprs: Sequence[str], ctx: Ctx) -> list[str]:
        """Lower `fgraph`'s nodes into `ctx` at its indentation; see Ctx.inline."""
        for v, e in zip(fgraph.inputs, in_exprs):
            self.names[v] = e
            self.roots[v] = frozenset([v])
        for node in fgraph.toposort():
            inner = self.lower_node(node, ctx.depth)
            ctx.lines.append(" " * 4 * ctx.depth + f"# {self.describe(node)}")
            ctx.lines.extend(self._outlined(node, inner.lines, ctx.depth))
        return [self.expr(o) for o in fgraph.outputs]

    def _outlined(self, node: Apply, lines: list[str], depth: int) -> list[str]:
        """A node's lines, its loops made a kernel (outline.py) when kernels are on."""
        if not self.kernel_node(node):
            return lines
        return outline.outline(self, lines, node.outputs, depth)

    def kernel_node(self, node: Apply) -> bool:
        """Whether the code of (lowered) `node` becomes a kernel."""
        lines = self._node_lines.get(node, [])
        return self.kernels and not isinstance(node.op, Scan) and outline.outlinable(self, lines)

    def call_unit(self, callee: str, args: Sequence[str], with_table: bool) -> str:
        """The expression calling the generated function `callee` (`alias.name` of an
        imported module) through this function's table (runtime/calls.py); slots are
        numbered when the function is complete (outline.numbered). When the arguments' types
        are certain already (predict.py) the callee is queued to compile now."""
        alias, func = callee.split(".")
        argtypes = predict.arg_types(self, list(args))
        if argtypes is not None:
            table = (numba.types.int64,) if with_table else ()
            units.needed(getattr(sys.modules[self.imports[alias]], func), table + argtypes)
        how = "call_t" if with_table else "call"
        return f"_ln.{how}({TABLE}, 0, {callee}{''.join(', ' + a for a in args)})"

    def describe(self, node: Apply) -> str:
        """`v3, v4 = Op(v1, c0)` (a comment above each node's code)."""
        op = str(node.op)
        op = op if len(op) <= 60 else op[:57] + "..."
        outs = ", ".join(self.names.get(o, "?") for o in node.outputs)
        ins = ", ".join(self.names.get(v) or (self.expr(v) if v.ndim == 0 else "const")
                        for v in node.inputs)
        return f"{outs} = {op}({ins})"

    def generate(self) -> str:
        """The module source."""
        fg = self.fgraph
        for k, v in enumerate(fg.inputs):
            self.roots[v] = frozenset([v])
            if v.ndim == 0 and not self.loop_arena:  # a loop module takes scalars as they are
                self.params.append(f"i{k}_")
                self.names[v] = f"i{k}"
                self.preamble.append(f"    i{k} = i{k}_[()]")
            else:
                self.params.append(f"i{k}")
                self.names[v] = f"i{k}"
        snaps = []
        for node in fg.toposort():
            self._defined = []
            ctx = self.lower_node(node)
            for o in node.outputs if self.snapshot else ():
                snaps.append(self.fresh("snap"))
                self._defined.append(snaps[-1])
                e = self.expr(o)
                ctx.lines.append(f"    {snaps[-1]} = " + (f"{e}.copy()" if o.ndim else f"np.asarray({e})"))
            self._blocks.append(_Block(node, ctx.lines, set(self._defined), ctx.droppable))
        returns = snaps if self.snapshot else self._returns()
        blocks = self._live_blocks(returns)
        for b in blocks:
            b.lines = [outline.routed(line) for line in self._outlined(b.node, b.lines, 1)]
        if self.arenas:  # after the constants: the linker passes them in this order
            self.params += self.arenas + [WANT]
        elif self.loop_arena:
            self.params += [ARENA, WANT]
        if not self.from_python:  # a unit: results of the type it declares (units.py)
            returns = [outline.result_expr(e, o.dtype, o.ndim)
                       for e, o in zip(returns, self.fgraph.outputs)]
        body = self._lines(blocks)
        if any(outline.SLOT.search(line) for line in body):
            self.params.insert(0, TABLE) if self.table_first else self.params.append(TABLE)
        options = UNIT_OPTIONS if not self.from_python else JIT_OPTIONS
        if self.from_python and TABLE in self.params and len(body) > UNOPTIMISED_LINES and \
                not any(line.lstrip().startswith(("for ", "while ")) for line in body):
            options += ", _dbg_optnone=True"  # LLVM leaves it as it is
        text = _function(FUNC_NAME, self.params, self.preamble + body, returns, options)
        text, n_slots = outline.numbered(text)
        if n_slots and TABLE not in self.params:
            raise AssertionError("unit calls without a table parameter")
        if "_vm." in text:
            self.imports["_vm"] = VMATH
        self.imports["_ln"] = outline.CALLS
        head = ["import math", "import numpy as np", "from numba import njit"]
        head += [f"import {m} as {a}" for a, m in sorted(self.imports.items())
                 if re.search(rf"\b{a}\.", text)]
        if n_slots:  # read by compiler/numba/units.py
            head.append(f"\nN_SLOTS = {n_slots}")
        if not self.from_python:
            specs = tuple(units.result_spec(o.dtype, o.ndim) for o in self.fgraph.outputs)
            head.append(f"RESTYPE = {specs!r}  # units.py")
        return "\n".join(head) + "\n\n" + text

    def _returns(self) -> list[str]:
        """Output expressions; copies where an output may share memory with an input, a
        constant, a loop's arena or an earlier output (an update of a shared variable may keep
        its buffer)."""
        fg = self.fgraph
        n_out = getattr(fg, "n_outputs", len(fg.outputs))
        targets = list(getattr(fg, "update_targets", []))
        external = {v for v in fg.inputs} | {v for v in self.roots if isinstance(v, Constant)}
        seen: set = set()  # roots of the outputs returned without a copy
        res = []
        for k, v in enumerate(fg.outputs):
            e = self.expr(v)
            if v.ndim == 0:  # a scalar: the linker makes the 0-d array (a third of a small
                res.append(e)  # call's time when Numba boxes one)
                self.scalar_returns.append((k, v.dtype))
                continue
            roots = self.roots.get(v, frozenset([v]))
            ext = roots & external
            is_update = n_out <= k < n_out + len(targets)
            own_update = is_update and ext <= {targets[k - n_out]}  # W <- f(W) inplace
            if (ext and not own_update) or roots & seen or roots & self.arena_vars:
                e = f"{e}.copy()"
            else:
                seen |= roots
            res.append(e)
        return res

    def _live_blocks(self, returns: list[str]) -> list[_Block]:
        """The blocks whose outputs are read (or that check something), in order."""
        needed = set(_IDENT.findall(" ".join(returns)))
        keep = []
        for block in reversed(self._blocks):
            if block.droppable and not (block.defines & needed):
                continue
            for line in block.lines:
                needed.update(_IDENT.findall(line))
            keep.append(block)
        return keep[::-1]

    def _lines(self, blocks: list[_Block]) -> list[str]:
        lines = []
        for block in blocks:
            lines.append(f"    # {self.describe(block.node)}")
            lines.extend(block.lines)
        return lines


def _function(name: str, params: list[str], body: list[str], returns: list[str],
              options: str = JIT_OPTIONS) -> str:
    ret = ", ".join(returns) + ("," if len(returns) == 1 else "")
    return f"\n@njit({options})\ndef {name}({', '.join(params)}):\n" + \
        "\n".join(body + [f"    return ({ret})"]) + "\n"
