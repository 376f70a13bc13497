"""Kernels: the code of a node that loops (an elementwise loop nest, a reduction, an
increment of a slice...) becomes a function of its own, in a generated module named by its
text, called through the graph's table (runtime/calls.py).

Numba's compile time grows faster than a function's length, and a graph's function
otherwise holds every loop of the graph, each compiled anew in every graph. A kernel is
compiled once per argument types and shared: by the nodes of a graph that do the same thing
(the 15 SGD updates of the LSTM's weights are two kernels), by the steps of a loop, by other
graphs, and from the disk cache by other processes. The text is made canonical first: the
values read are the parameters a0, a1... in the order they are first read, the names set
inside are t0, t1..., and the node's index in a `raise` becomes -1 (the linker names the
node by re-running the py reference when a call fails).
"""
from __future__ import annotations

import ast
import builtins
import functools
import io
import itertools
import re
import textwrap
import tokenize

from . import cache, units

VMATH = "minitheano.compiler.numba.runtime.vmath"
CALLS = "minitheano.compiler.numba.runtime.calls"
_RAISE_INDEX = re.compile(r"\braise (\w+)\(\d+, ")
_BUILTINS = set(dir(builtins)) | {"np", "math", "njit"}


# calls of these runtime helpers go through the table (their code is not linked in, and
# optimised again, in every function calling them); vmath and index helpers stay linked
# (LLVM inlines them into the loops that call them)
_ROUTED = re.compile(r"\b(_cp|_blas|_ar|_sh)\.(\w+)\(")
SLOT = re.compile(r"\b_ln\.(call_t|call)\(fns, \d+, ")


def routed(text: str) -> str:
    """`text` with the calls of table-called runtime helpers made table calls."""
    return _ROUTED.sub(r"_ln.call(fns, 0, \1.\2, ", text)


def numbered(text: str) -> tuple[str, int]:
    """`text` with its table calls numbered 0, 1... in order (the calls of dropped code
    left no slot), and their count."""
    counter = itertools.count()
    text = SLOT.sub(lambda m: f"_ln.{m.group(1)}(fns, {next(counter)}, ", text)
    return text, next(counter)


def has_loop(lines: list[str]) -> bool:
    """Whether a node's code loops."""
    return any(line.lstrip().startswith("for ") for line in lines)


def outlinable(gen, lines: list[str]) -> bool:
    """Whether a node's code becomes a kernel: it loops, and sets no name it reads from
    outside (whose type is not known to declare)."""
    if not has_loop(lines):
        return False
    reads, writes = names_of(_body(lines))
    return not any(n in writes for n in reads if n not in module_names(gen))


def _body(lines: list[str]) -> str:
    return textwrap.dedent("\n".join(l for l in lines if not l.lstrip().startswith("#")))


def outline(gen, lines: list[str], outputs: list, depth: int) -> list[str]:
    """Replace a node's `lines` (at indentation `depth`, `outlinable`) by a call of a kernel
    computing its `outputs` (the node's output variables); return the call's lines."""
    body = _body(lines)
    reads, writes = names_of(body)
    params = [n for n in reads if n not in module_names(gen)]
    results = [gen.names[o] for o in outputs]
    rename = {n: f"a{k}" for k, n in enumerate(params)}
    rename.update({n: f"t{k}" for k, n in enumerate(n for n in writes if n not in rename)})
    body = _RAISE_INDEX.sub(r"raise \1(-1, ", _renamed(body, rename))
    body, n_slots = numbered(routed(body))
    body = body.rstrip("\n")
    imports = sorted(set(imports_of(gen, body)) | {("_ln", CALLS)})
    ret = ", ".join(result_expr(rename[n], o.dtype, o.ndim) for n, o in zip(results, outputs))
    specs = [units.result_spec(o.dtype, o.ndim) for o in outputs]
    head = ["import math", "import numpy as np", "from numba import njit"]
    head += [f"import {m} as {a}" for a, m in imports]
    if n_slots:
        head.append(f"\nN_SLOTS = {n_slots}")
    head.append(f"RESTYPE = {tuple(specs) if len(specs) > 1 else specs[0]!r}  # units.py")
    args = ["fns"] * bool(n_slots) + [rename[n] for n in params]
    source = "\n".join(head) + "\n\n\n" + \
        f"@njit({unit_options()})\ndef kernel({', '.join(args)}):\n" + \
        textwrap.indent(body, "    ") + f"\n    return {ret}\n"
    key = cache.cache_key(source)
    cache.load_module(source, key)
    alias = f"_k{key[:12]}"
    gen.imports[alias] = f"{cache.PREFIX}{key}"
    call = gen.call_unit(f"{alias}.kernel", params, with_table=bool(n_slots))
    return [" " * 4 * depth + f"{', '.join(results)}{',' if len(results) > 1 else ''} = {call}"]


def result_expr(name: str, dtype: str, ndim: int) -> str:
    """A unit's result as its declared type (units.result_spec): a C-contiguous array, or a
    scalar of the graph's dtype."""
    if ndim:
        return f"_ln.c_out({name})"
    return f"np.bool_({name})" if dtype == "bool" else f"np.{dtype}({name})"


def unit_options() -> str:
    """The @njit options of a unit (codegen.UNIT_OPTIONS)."""
    from .codegen import UNIT_OPTIONS
    return UNIT_OPTIONS


def module_names(gen) -> set[str]:
    """Names generated code reads that are not values: builtins, the modules imported."""
    return _BUILTINS | set(gen.imports) | {"_vm", "_ln"}


def imports_of(gen, text: str) -> list[tuple[str, str]]:
    """(alias, module) of each module `text` uses."""
    known = dict(gen.imports, _vm=VMATH, _ln=CALLS)
    return sorted((a, m) for a, m in known.items() if re.search(rf"\b{a}\.", text))


def _renamed(source: str, rename: dict[str, str]) -> str:
    """`source` with the names (not attributes, not text in strings) renamed."""
    out, prev = [], None
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.string in rename and \
                not (prev is not None and prev.type == tokenize.OP and prev.string == "."):
            tok = tok._replace(string=rename[tok.string])
        out.append(tok)
        if tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                            tokenize.COMMENT):
            prev = tok
    return tokenize.untokenize(out)


def names_of(source: str) -> tuple[list[str], list[str]]:
    """(names read before they are set, names set), each in order of first appearance."""
    reads, writes = _names(source)
    return list(reads), list(writes)


@functools.lru_cache(maxsize=256)  # a node's code is read by outlinable, then by outline
def _names(source: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    reads: dict[str, None] = {}
    writes: dict[str, None] = {}

    def load(node) -> None:
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in writes:
                reads.setdefault(n.id)

    def store(target) -> None:
        for n in ast.walk(target):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                writes.setdefault(n.id)
            elif isinstance(n, ast.Name):  # x[i] = ...: x is read
                load(n)
            elif isinstance(n, (ast.Subscript, ast.Attribute)):
                load(n.value)
                if isinstance(n, ast.Subscript):
                    load(n.slice)

    def stmt(s) -> None:
        if isinstance(s, ast.Assign):
            load(s.value)
            for t in s.targets:
                store(t)
        elif isinstance(s, ast.AugAssign):  # x += v, x[i] += v: x read, then set
            load(s.value)
            if isinstance(s.target, ast.Name) and s.target.id not in writes:
                reads.setdefault(s.target.id)
            store(s.target)
        elif isinstance(s, ast.For):
            load(s.iter)
            store(s.target)
            for b in s.body + s.orelse:
                stmt(b)
        elif isinstance(s, (ast.If, ast.While)):
            load(s.test)
            for b in s.body + s.orelse:
                stmt(b)
        else:
            load(s)
    for s in ast.parse(source).body:
        stmt(s)
    return tuple(reads), tuple(writes)
