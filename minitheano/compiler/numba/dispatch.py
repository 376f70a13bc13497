"""The lowering registry (`numba_funcify`, keyed by Op type) and `Ctx`, the code builder a
lowering writes one node's code into."""
from __future__ import annotations

import contextlib
import functools
import textwrap
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import numpy as np

from ...graphlib import Apply, Constant, Op, Variable

if TYPE_CHECKING:  # pragma: no cover
    from .codegen import Codegen


class MissingLoweringError(NotImplementedError):
    """An op of the graph has no Numba lowering (there is no silent fallback)."""


@functools.singledispatch
def numba_funcify(op: Op, node: Apply, ctx: "Ctx") -> None:
    """Write the Numba code of `node` into `ctx`; register one function per Op type."""
    raise MissingLoweringError(
        f"no Numba lowering for op {op} (type {type(op).__module__}.{type(op).__name__}); "
        f"register one with @numba_funcify.register({type(op).__name__}) in "
        f"minitheano/compiler/numba/, or compile with mode='py'")


def literal(value: Any, dtype: str) -> str:
    """Source text of a scalar of `dtype` (a bare literal where Numba's default type matches)."""
    v = np.asarray(value, dtype=dtype).item()
    if dtype == "bool":
        return repr(bool(v))
    if dtype.startswith("float"):
        if np.isnan(v):
            text = "np.nan"
        elif np.isinf(v):
            text = "np.inf" if v > 0 else "(-np.inf)"
        else:
            text = repr(float(v))
        return text if dtype == "float64" else f"np.{dtype}({text})"
    if dtype.startswith("complex"):
        return f"np.{dtype}({complex(v)!r})"
    return repr(int(v)) if dtype == "int64" else f"np.{dtype}({int(v)})"


def np_dtype(dtype: str) -> str:
    """The Numba source name of a dtype (`np.float64`, `np.bool_`)."""
    return "np.bool_" if dtype == "bool" else f"np.{dtype}"


class Ctx:
    """Where a lowering writes the code of one node.

    Values are named in the generated source: `ctx[var]` is the expression of an input (a
    name, or a literal for a scalar constant), `ctx.out(i)` declares the name of output i.
    0-d tensors are plain Numba scalars inside generated code; n-d tensors are arrays.
    """

    def __init__(self, gen: "Codegen", node: Apply, index: int, depth: int = 0):
        self.gen, self.node, self.index = gen, node, index
        self.lines: list[str] = []
        self.depth = depth
        self.droppable = True  # the block may be removed when no output is read
        self.views: dict[int, list[int]] = {}
        self._checks: list[tuple[str, str]] = []  # the run of checks just emitted
        self._checks_end = -1

    # -- values --------------------------------------------------------------------------------
    def __getitem__(self, var: Variable) -> str:
        return self.gen.expr(var)

    def out(self, i: int = 0) -> str:
        """The name of output i (defined by the code the lowering emits)."""
        return self.gen.define(self.node.outputs[i])

    def tmp(self, prefix: str = "t") -> str:
        """A fresh local name."""
        return self.gen.fresh(prefix)

    @staticmethod
    def is_scalar(var: Variable) -> bool:
        return var.ndim == 0

    @staticmethod
    def const(var: Variable) -> np.ndarray | None:
        """The value of a constant, else None."""
        return np.asarray(var.data) if isinstance(var, Constant) else None

    def scalar_of(self, var: Variable) -> str | None:
        """A scalar expression equal to every element of `var` when that is known statically:
        a size-1 constant, or a scalar broadcast by a DimShuffle that only inserts dimensions."""
        from ...ops.elemwise import DimShuffle
        if var.ndim == 0:
            return self[var]
        data = self.const(var)
        if data is not None:
            return literal(data.reshape(()), var.dtype) if data.size == 1 else None
        node = var.owner
        if node is not None and isinstance(node.op, DimShuffle) and \
                all(o == "x" for o in node.op.new_order) and node.inputs[0].ndim == 0:
            return self[node.inputs[0]]
        return None

    # -- code ----------------------------------------------------------------------------------
    def emit(self, *lines: str) -> None:
        """Add source lines (a string may hold several, dedented) at the current indentation."""
        pad = "    " * self.depth
        for chunk in lines:
            if "\n" in chunk:  # a block: keep its relative indentation
                chunk = textwrap.dedent(chunk).strip("\n")
            for line in chunk.splitlines():
                self.lines.append(pad + line if line.strip() else "")

    @contextlib.contextmanager
    def indent(self) -> Iterator[None]:
        """Emit the lines written inside the `with` one level deeper."""
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def raise_(self, template: str, *values: str, exc: str = "ValueError") -> str:
        """Source of a `raise` naming this node. `template` describes the failure ({inp[k]}
        is input k's label). The run-time `values` ({0}, {1}...) are not put in compiled code
        (a raise with run-time arguments costs ~40 ms of compile each); when a check fails,
        the linker re-runs the py reference, whose message has them."""
        return f"raise {exc}({self.index}, {template!r})"

    def check(self, cond: str, template: str, *values: str, exc: str = "ValueError") -> None:
        """Emit `if cond: raise ...` (see `raise_`). Consecutive checks merge into one branch,
        `if (c1) | (c2): raise`: every branch and raise site costs Numba compile time, and the
        exact message comes from re-running the py linker when a check fails."""
        pad = "    " * self.depth
        if self._checks and self._checks_end == len(self.lines) and self._checks[-1][2] == (pad, exc):
            self._checks.append((cond, template, (pad, exc)))
            conds = " | ".join(f"({c})" for c, _, _ in self._checks)
            what = "; ".join(t.split(":")[0].split("{")[0].strip() for _, t, _ in self._checks)
            self.lines[-2:] = [f"{pad}if {conds}:",
                               f"{pad}    " + self.raise_(f"failed check: {what}", exc=exc)]
        else:
            self._checks = [(cond, template, (pad, exc))]
            self.emit(f"if {cond}:")
            with self.indent():
                self.emit(self.raise_(template, *values, exc=exc))
        self._checks_end = len(self.lines)

    def view(self, out: int, inp: int) -> None:
        """Declare that output `out` may share memory with input `inp` (beyond view_map)."""
        self.views.setdefault(out, []).append(inp)

    def keep(self) -> None:
        """Keep this node's code even when no output is read (it checks something)."""
        self.droppable = False

    def helper(self, module: str, alias: str) -> str:
        """Import `module` in the generated file as `alias` (e.g. a module of @njit helpers)."""
        self.gen.imports[alias] = module
        return alias

    def inline(self, fgraph, in_exprs: Sequence[str]) -> list[str]:
        """Emit an inner FunctionGraph's code here (inputs bound to `in_exprs`); return the
        expressions of its outputs. Used by ops holding a graph (Scan)."""
        return self.gen.inline(fgraph, in_exprs, self)
