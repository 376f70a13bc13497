"""NumbaLinker: generate the graph's module, load it through the disk cache, compile it for
C-contiguous inputs at link time, and map run-time errors back to the node that raised them."""
from __future__ import annotations

import contextlib
import sys
import warnings
from typing import Callable

import numba
import numpy as np
from numba.core.errors import NumbaPerformanceWarning

from ...config import config
from ...graphlib import Apply, FunctionGraph
from ..function import as_arrays
from ..linker_py import _node_error
from . import cache, units, warm_start
from .codegen import FUNC_NAME, Codegen


class NumbaLinker:
    """Turns a FunctionGraph into `thunk(*input_values) -> tuple of output values`."""

    name = "numba"

    def __init__(self, snapshot: bool = False):
        self.snapshot = snapshot  # DebugMode: return every node's outputs, in order

    def make_thunk(self, fgraph: FunctionGraph) -> Callable:
        """The thunk of an already rewritten `fgraph`."""
        _load_lowerings()
        gen = Codegen(fgraph, self.snapshot)
        source = gen.generate()
        if config.dump_source:
            print(source)
        key = cache.cache_key(source)
        record = warm_start.Record(key, gen.consts, len(gen.arenas), gen.scalar_returns)
        unit = _compile(source, key, _signature(fgraph, record))
        thunk = _thunk(unit, record, lambda: (fgraph, gen.nodes))
        thunk.source = source + units.callee_sources(unit)
        return thunk

    def make_function_thunk(self, fgraph: FunctionGraph, mode, rewritten: Callable) -> Callable:
        """The thunk of `fgraph` as `function` built it (not rewritten yet): linked from a
        record of an earlier process when there is one (warm_start.py), otherwise
        `rewritten()` (the graph rewritten in place) is linked and the record written."""
        key = None if self.snapshot or config.dump_source or config.optimizer_verbose \
            else warm_start.graph_key(fgraph, mode)
        record = key and warm_start.load(key)
        thunk = record and _linked_from(record, fgraph, rewritten)
        if thunk:
            return thunk
        thunk = self.make_thunk(rewritten())
        if key:
            warm_start.store(key, thunk.record)
        return thunk


def _linked_from(record: "warm_start.Record", fgraph: FunctionGraph, rewritten: Callable):
    """The thunk of a warm start, or None when the record's module is missing or altered."""
    source = cache.read_module(record.module_key)
    if source is None:
        return None
    try:
        unit = _compile(source, record.module_key, _signature(fgraph, record))
    except (OSError, RuntimeError):  # e.g. a loop's module is missing: rebuild
        return None

    def context():  # the rewritten graph and its nodes, for error messages
        fg = rewritten()
        _load_lowerings()
        gen = Codegen(fg)
        gen.generate()
        return fg, gen.nodes
    thunk = _thunk(unit, record, context)
    thunk.source = source + units.callee_sources(unit)
    return thunk


def _signature(fgraph: FunctionGraph, record: "warm_start.Record") -> tuple:
    """The Numba types the graph function is compiled for: C-contiguous inputs, the
    constants, the arenas (bytes) and their wanted sizes."""
    n = record.n_arenas
    return tuple(_array_type(v.dtype, v.ndim) for v in fgraph.inputs) + \
        tuple(numba.typeof(c) for c in record.consts) + (_array_type("uint8", 1),) * n + \
        ((_array_type("int64", 1),) if n else ())


def _thunk(unit: "units.Unit", record: "warm_start.Record", context: Callable) -> Callable:
    """`thunk(*input_values) -> outputs` calling the compiled graph function (`unit`);
    `context()` gives the rewritten graph and its nodes (by the index the generated code
    raises with), only when a call failed."""
    fn = unit.dispatcher
    table = (unit.table_address,) if unit.table is not None else ()  # the last argument
    consts = tuple(record.consts) + table
    n_arenas = record.n_arenas

    def fail(e: Exception, values) -> Exception:
        fgraph, nodes = context()
        return _reference_error(fgraph, values) or _map_error(e, nodes)

    scalars = [(k, np.dtype(dt)) for k, dt in record.scalar_returns]
    arenas = [np.empty(0, np.uint8) for _ in range(n_arenas)]  # grown in place
    if n_arenas or scalars:
        want = np.zeros(n_arenas, np.int64)

        def thunk(*values):
            try:
                out = fn(*values, *record.consts, *arenas, want, *table) if n_arenas else \
                    fn(*values, *consts)
            except Exception as e:  # noqa: BLE001
                again = as_compiled(values)
                if again is not None:
                    return thunk(*again)
                raise fail(e, values) from None
            for k in range(n_arenas):  # runtime/arena.py: grown after a call that needed more
                if want[k] > arenas[k].shape[0]:
                    arenas[k] = np.empty(want[k], np.uint8)
            return as_arrays(out, scalars) if scalars else out
    else:
        def thunk(*values):
            try:
                return fn(*values, *consts)
            except Exception as e:  # noqa: BLE001
                again = as_compiled(values)
                if again is not None:
                    return thunk(*again)
                raise fail(e, values) from None

    thunk.arenas = arenas
    thunk.unit = unit  # keeps the units' tables alive
    thunk.record = record
    thunk.path = str(cache.module_path(record.module_key))
    thunk.fn = fn
    thunk.consts = consts
    thunk.fail = fail
    # a graph without constants or arenas may be called as `fn` itself; the caller then
    # maps an error with `fail(e, values)` and makes the 0-d arrays of `scalars` (Function
    # does: one Python frame less per call)
    thunk.direct = fn if not consts and not n_arenas else None
    thunk.scalars = scalars
    thunk.as_compiled = as_compiled
    thunk.owns_outputs = True  # fresh arrays, copied where they could alias (codegen)
    return thunk


def as_compiled(values) -> list | None:
    """The arguments as the graph's function is compiled for them (C-contiguous, writable
    arrays), or None when they are that already. A call with other arrays fails to dispatch
    (units.link compiled the one signature whose tables it filled) and is made again with
    copies."""
    if all(not isinstance(v, np.ndarray) or (v.flags.c_contiguous and v.flags.writeable)
           for v in values):
        return None
    return [np.array(v, order="C") if isinstance(v, np.ndarray) else v for v in values]


def _array_type(dtype: str, ndim: int):
    return numba.types.Array(numba.from_dtype(np.dtype(dtype)), ndim, "C")


def _compile(source: str, key: str, signature: tuple) -> "units.Unit":
    """The compiled graph function, with the units it calls; a cache entry that fails to
    load is deleted and rebuilt."""
    for attempt in range(2):
        mod = cache.load_module(source, key)
        fn = getattr(mod, FUNC_NAME)
        table = (numba.types.int64,) if units.n_slots(mod) else ()  # the table's address
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NumbaPerformanceWarning)
                unit = units.link(fn, tuple(signature) + table)
            fn.disable_compile()  # other argument types would need other tables: as_compiled
            return unit
        except Exception as e:  # noqa: BLE001
            if attempt or isinstance(e, numba.core.errors.TypingError):
                raise RuntimeError(f"Numba failed to compile the generated code "
                                   f"{cache.module_path(key)}:\n{e}") from e
            cache.forget_module(key)  # corrupt or foreign cache entry: rebuild it
    raise AssertionError("unreachable")


def _load_cached(fn, signature: tuple) -> bool:
    """Load `fn`'s overload for `signature` from Numba's disk cache, if there, without the
    one-off initialisation Numba's own path does first (`Dispatcher.compile` ->
    `Cache.load_overload` -> `target_context.refresh()`: importing and installing every typing
    and lowering registry, ~0.3 s of a warm start). Rebuilding cached machine code needs none
    of it, only the NRT; a compile that does follow (a cache miss) still refreshes, in
    `compile_extra`. False (nothing loaded) sends the caller to `fn.compile`."""
    if fn.overloads.get(tuple(signature)) is not None:
        return True
    from numba.core import environment
    from numba.core.compiler_lock import global_compiler_lock
    from numba.core.runtime import nrt
    ctx = fn.targetctx
    with global_compiler_lock:
        nrt.rtsys.initialize(ctx)
        rebuild_env = environment._rebuild_env
        environment._rebuild_env = _rebuild_env_light(rebuild_env)  # read when unpickling
        try:
            with fn._cache._guard_against_spurious_io_errors(), \
                    _unlinked(ctx.codegen(), fn.targetoptions):
                cres = fn._cache._load_overload(signature, ctx)
        finally:
            environment._rebuild_env = rebuild_env
        if cres is None:
            return False
        fn._cache_hits[signature] += 1
        if not cres.objectmode:
            ctx.insert_user_function(cres.entry_point, cres.fndesc, [cres.library])
        fn.add_overload(cres)
    return True


@contextlib.contextmanager
def _unlinked(codegen, options: dict):
    """While cached machine code is loaded: the bitcode Numba keeps of a library for linking
    it into callers is parsed only if a caller ever links it (units are called through
    tables, never linked), and instead of every symbol of the library only the functions'
    own (the function, its wrappers) are recorded as defined: most of the cost of loading a
    unit (~1.5 ms; a graph's warm start loads dozens)."""
    from numba.core import codegen as nb_codegen
    from numba.core import compiler
    engine = codegen._engine
    parse, scan = nb_codegen.ll.parse_bitcode, engine._load_defined_symbols
    rebuild = compiler.CompileResult.__dict__["_rebuild"]

    def rebuild_named(cls, target_context, libdata, fndesc, *rest):
        names = [fndesc.llvm_func_name]
        if not options.get("no_cpython_wrapper"):
            names.append(fndesc.llvm_cpython_wrapper_name)
        if not options.get("no_cfunc_wrapper"):
            names.append(fndesc.llvm_cfunc_wrapper_name)
        engine._defined_symbols.update(names)
        return rebuild.__func__(cls, target_context, libdata, fndesc, *rest)
    nb_codegen.ll.parse_bitcode = _LazyModule
    engine._load_defined_symbols = lambda mod: None if isinstance(mod, _LazyModule) else scan(mod)
    compiler.CompileResult._rebuild = classmethod(rebuild_named)
    try:
        yield
    finally:
        nb_codegen.ll.parse_bitcode, engine._load_defined_symbols = parse, scan
        compiler.CompileResult._rebuild = rebuild


class _LazyModule:
    """An LLVM module parsed from its bitcode when first used."""

    def __init__(self, bitcode: bytes):
        self._bitcode, self._module = bitcode, None

    def __getattr__(self, name: str):
        if self._module is None:
            from llvmlite import binding
            self._module = binding.parse_bitcode(self._bitcode)
        return getattr(self._module, name)


# Modules of Numba's own array code whose globals its compiled (nopython) code never reads:
# a cached function's environment is rebuilt for them without importing them (numba.np.arrayobj
# and what it imports, ~15 ms of a warm start); its constants (error messages) are kept.
_GLOBALS_UNUSED = {"numba.np.arrayobj"}


def _rebuild_env_light(rebuild_env):
    """Numba's `_rebuild_env` (a cached function's environment imports the module that
    defined it), importing `numba.np.arraymath` without its import-time BLAS probe, which
    imports all of `scipy.linalg` (~0.15 s), and the modules of `_GLOBALS_UNUSED` not at all.
    arraymath's BLAS flag is set from whether scipy is installed; Numba checks the BLAS again
    (`ensure_blas`) when it types a BLAS call."""
    from numba.core import environment

    def rebuild(modname, consts, env_name):
        if modname == "numba.np.arraymath" and modname not in sys.modules:
            import importlib.util

            from numba.np import linalg
            probe = linalg.ensure_blas
            linalg.ensure_blas = lambda: None
            try:
                from numba.np import arraymath
            finally:
                linalg.ensure_blas = probe
            arraymath._HAVE_BLAS = importlib.util.find_spec("scipy") is not None
        if modname in _GLOBALS_UNUSED and modname not in sys.modules and \
                environment.lookup_environment(env_name) is None:
            env = environment.Environment({"__name__": modname})
            env.consts[:] = consts
            env.env_name = env_name
            environment.Environment._memo[env_name] = env
            return env
        return rebuild_env(modname, consts, env_name)
    return rebuild


def _reference_error(fgraph: FunctionGraph, values) -> Exception | None:
    """The error the py linker raises on the same inputs (the same message as the reference
    mode, naming the node), or None if it does not fail. Only runs after a failure."""
    from ..linker_py import PyLinker
    try:
        PyLinker().make_thunk(fgraph)(*values)
    except Exception as ref:  # noqa: BLE001
        return ref
    return None


def _map_error(e: Exception, nodes: list[Apply]) -> Exception:
    """An error raised by generated code as (node index, template, values...) -> a message
    naming the node and where the user built it."""
    args = e.args
    if len(args) >= 2 and isinstance(args[0], int) and isinstance(args[1], str) \
            and 0 <= args[0] < len(nodes):
        node = nodes[args[0]]
        labels = [f"'{v.name}'" if v.name else str(v.type) for v in node.inputs]
        msg = f"{node.op}: " + args[1].format(*(["?"] * 8), inp=labels)
        try:
            new = type(e)(msg)
        except Exception:  # noqa: BLE001
            new = RuntimeError(msg)
        return _node_error(new, node)
    return e


def _load_lowerings() -> None:
    """Import every lowering module so the registry is complete."""
    from . import lowerings  # noqa: F401
