"""Units: generated functions compiled one by one and called through tables of addresses
(runtime/calls.py), and the tables themselves.

A unit is a function compiled for one signature: the graph's function, a scan loop, a
kernel (outline.py), a runtime helper. `link(dispatcher, argtypes)` compiles the graph's
function and every unit it calls, directly or not, and returns its `Unit`: address, result
type and the table its calls read.

A generated unit declares its result type (`RESTYPE` in its module), so a caller is typed
without compiling its callees: typing a caller only reports, for each of its slots, which
unit it calls with which argument types (`needed`). Those are the jobs; they compile in any
order, in this process or in a compile worker (pool.py), each into Numba's disk cache. A
function's slots are known from its typing and are also written beside its module
(`<module>.units.json`, by signature): machine code loaded from Numba's cache comes with no
typing, and a function whose calls are not on record is compiled afresh, never loaded.
"""
from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import sys
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numba import types

from . import cache

SUFFIX = ".units.json"


@dataclass
class Unit:
    """A function compiled for `argtypes`: its address, result type and table."""

    dispatcher: object
    argtypes: tuple
    address: int
    restype: object
    callees: list = field(default_factory=list)   # the Unit of each slot
    table: np.ndarray | None = None               # (address, table address) per slot

    @property
    def table_address(self) -> int:
        return 0 if self.table is None else int(self.table.ctypes.data)


_units: dict[tuple, Unit] = {}            # (dispatcher, argtypes) -> linked Unit
_slots: dict[tuple, list] = {}            # (dispatcher, argtypes) -> [(dispatcher, argtypes)]
_frames: list[dict] = []                  # slot -> (dispatcher, argtypes), per compile running
_pending: list[tuple] = []                # jobs: (dispatcher, argtypes) to compile
_known: set[tuple] = set()                # jobs ever queued or done in this process
_linking = threading.RLock()


def n_slots(module) -> int:
    """How many calls through its table the generated `module` makes (0: none)."""
    return getattr(module, "N_SLOTS", 0)


def link(dispatcher, argtypes: tuple) -> Unit:
    """Compile (or load) `dispatcher` for `argtypes` and every unit it calls, then build
    the tables; the Unit of `dispatcher`."""
    from . import pool
    argtypes = tuple(argtypes)
    key = (dispatcher, argtypes)
    with _linking:  # one graph at a time: the queue and the worker are this module's
        if key in _units:
            return _units[key]
        try:
            compile_job(dispatcher, argtypes)
            pool.drain(_pending, compile_job)
        finally:
            pool.finish()
            _pending.clear()
        return _resolve(dispatcher, argtypes)


def result_type(dispatcher, argtypes: tuple):
    """The result type of calling `dispatcher` with `argtypes`, for the typer of a call: a
    generated unit's declared one (and the call becomes a job), else (a runtime helper) the
    type its compile, or its cached machine code, gives."""
    if declared_type(sys.modules[dispatcher.py_func.__module__]) is not None:
        needed(dispatcher, argtypes)
    return _result_of(dispatcher, tuple(argtypes))


def needed(dispatcher, argtypes: tuple) -> None:
    """Queue the compile of `dispatcher` for `argtypes` (once)."""
    from . import pool
    key = (dispatcher, tuple(argtypes))
    if key not in _known:
        _known.add(key)
        _pending.append(key)
        pool.submit(key)


def lowered_slot(k: int, dispatcher, argtypes: tuple) -> None:
    """Called when `calls.call` is lowered: slot `k` of the function being compiled calls
    `dispatcher` with `argtypes`. (Numba types alike calls once for all functions, but
    lowers each call site, so a function learns its slots here.)"""
    if not _frames:
        raise RuntimeError("a generated function calling units must be compiled through "
                           "compiler/numba/units.link, which fills its table")
    _frames[-1][k] = (dispatcher, tuple(argtypes))


def compile_job(dispatcher, argtypes: tuple) -> list[tuple]:
    """Compile `dispatcher` for `argtypes` (or load it from Numba's cache) and queue what it
    calls; return its callees."""
    argtypes = tuple(argtypes)
    key = (dispatcher, argtypes)
    _known.add(key)
    if key in _slots:
        return _slots[key]
    module = sys.modules[dispatcher.py_func.__module__]
    n = n_slots(module)
    recorded = _read_record(module, argtypes) if n else []
    if recorded is None and argtypes not in dispatcher.overloads:
        cache.forget_compiled(module)  # machine code without its calls on record: compile
    frame: dict = {}
    _frames.append(frame)
    try:
        _compile(dispatcher, argtypes)
    finally:
        _frames.pop()
    if n and len(frame) == n:  # typed now: the calls are what its lowering reported
        callees = [frame[k] for k in range(n)]
        _write_record(module, argtypes, callees)
    elif recorded is not None:
        callees = recorded
    else:
        raise RuntimeError(f"the calls of {module.__name__} compiled for {argtypes} are not "
                           f"known (lowered {len(frame)} of {n} slots)")
    declared = declared_type(module)
    actual = dispatcher.overloads[argtypes].signature.return_type
    if declared is not None and declared != actual:
        raise AssertionError(f"{module.__name__}: compiled with result type {actual}, "
                             f"declared {declared}")
    _slots[key] = callees
    for callee in callees:
        needed(*callee)
    return callees


def _resolve(dispatcher, argtypes: tuple) -> Unit:
    """The Unit of a compiled function (its callees resolved first, for the table)."""
    key = (dispatcher, argtypes)
    unit = _units.get(key)
    if unit is not None:
        return unit
    callees = [_resolve(d, a) for d, a in compile_job(dispatcher, argtypes)]
    cres = dispatcher.overloads[argtypes]
    address = cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)
    unit = Unit(dispatcher, argtypes, address, cres.signature.return_type, callees)
    if callees:
        unit.table = np.array([v for c in callees for v in (c.address, c.table_address)],
                              np.int64)
    _units[key] = unit
    return unit


def callee_sources(unit: Unit) -> str:
    """The source of every generated module `unit` calls, directly or not, each under a
    comment naming its file (for `Function.dump_source`)."""
    seen: dict[str, str] = {}

    def visit(u: Unit) -> None:
        for c in u.callees:
            name = c.dispatcher.py_func.__module__
            if name.startswith(cache.PREFIX) and name not in seen:
                seen[name] = Path(c.dispatcher.py_func.__code__.co_filename).read_text()
                visit(c)
    visit(unit)
    return "".join(f"\n\n# ---- {name}.py (a unit it calls, in the cache directory) ----\n{src}"
                   for name, src in seen.items())


def _compile(dispatcher, argtypes: tuple) -> None:
    """Load the machine code from Numba's cache, else compile (a cache entry that fails to
    load is deleted first)."""
    from .linker import _load_cached
    if argtypes in dispatcher.overloads:
        return
    try:
        if _load_cached(dispatcher, argtypes):
            return
    except Exception:  # noqa: BLE001  (corrupt or foreign cache entry)
        cache.forget_compiled(sys.modules[dispatcher.py_func.__module__])
    if len(_frames) == 1:  # no other compile is running: the worker may be forked now
        from . import pool
        pool.start()
    with _module_passes_only():
        dispatcher.compile(argtypes)


@contextlib.contextmanager
def _module_passes_only():
    """While a unit compiles: LLVM optimises each function of a new module only in the
    module's pipeline, not also in a function pipeline before it (Numba runs both; the second
    redoes the first's work: the same machine code, checked on vectorised kernels, ~13% of a
    cold compile of W3). Under Numba's compile lock, so no other compile sees it."""
    from numba.core import codegen
    from numba.core.compiler_lock import global_compiler_lock
    with global_compiler_lock:
        optimize = codegen.CPUCodeLibrary._optimize_functions
        codegen.CPUCodeLibrary._optimize_functions = _no_function_passes
        try:
            yield
        finally:
            codegen.CPUCodeLibrary._optimize_functions = optimize


def _no_function_passes(library, ll_module) -> None:
    return None


# -- declared result types ------------------------------------------------------------------
def declared_type(module):
    """The result type a generated unit's module declares (`RESTYPE`: a spec, or a tuple of
    specs for a tuple), or None (not a generated unit)."""
    spec = getattr(module, "RESTYPE", None)
    if spec is None:
        return None
    if isinstance(spec, tuple):
        return types.Tuple([type_from_spec(s) for s in spec])
    return type_from_spec(spec)


def result_spec(dtype: str, ndim: int) -> str:
    """The spec of a unit's result of a graph type: a C-contiguous array or a scalar."""
    return f"array({dtype},{ndim},C,rw,al)" if ndim else dtype


# -- the record of a function's calls, beside its module ----------------------------------------
def _record_path(module) -> Path:
    return Path(module.__file__).with_suffix(SUFFIX)


def _read_record(module, argtypes: tuple) -> list | None:
    """The callees of `module`'s function compiled for `argtypes`, as recorded, when every
    one still has the result type recorded (else None: compile again)."""
    try:
        entries = json.loads(_record_path(module).read_text())
        rec = entries.get(spec_of(argtypes))
        if not isinstance(rec, list) or len(rec) != n_slots(module):
            return None
        callees = []
        for mod_name, func, specs, restype in rec:
            disp = getattr(_module(mod_name), func)
            args = tuple(type_from_spec(s) for s in specs)
            if str(_result_of(disp, args)) != restype:  # e.g. a runtime helper changed
                return None
            callees.append((disp, args))
        return callees
    except (OSError, ValueError, TypeError, AttributeError, ImportError):
        return None


def _write_record(module, argtypes: tuple, callees: list) -> None:
    path = _record_path(module)
    try:
        entries = json.loads(path.read_text())
        entries = entries if isinstance(entries, dict) else {}
    except (OSError, ValueError):
        entries = {}
    rows = [[disp.py_func.__module__, disp.py_func.__name__, [spec_of_type(t) for t in args],
             str(_result_of(disp, args))] for disp, args in callees]
    entries[spec_of(argtypes)] = rows
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(json.dumps(entries))
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


def _result_of(dispatcher, argtypes: tuple):
    """The result type a callee has for `argtypes`: a generated unit's declared one, a
    runtime helper's as compiled (or loaded from the package's cache)."""
    declared = declared_type(sys.modules[dispatcher.py_func.__module__])
    if declared is not None:
        return declared
    compile_job(dispatcher, argtypes)
    return dispatcher.overloads[argtypes].signature.return_type


def _module(name: str):
    """An imported module by name: a generated one from the cache directory, or one of
    minitheano's runtime helpers."""
    module = sys.modules.get(name)
    if module is not None:
        return module
    if name.startswith(cache.PREFIX):
        key = name[len(cache.PREFIX):]
        source = cache.read_module(key)
        if source is None:
            raise ImportError(f"generated module {name} is missing")
        return cache.load_module(source, key)
    return importlib.import_module(name)


# -- Numba types as text --------------------------------------------------------------------------
_ARRAY = re.compile(r"^array\((\w+),(\d+),([CFA]),(rw|ro),(al|un)\)$")
_TUPLE = re.compile(r"^tuple\((\w+),(\d+)\)$")
_CLASS = re.compile(r"^class\((\w+)\)$")
_SCALARS = {str(t): t for t in (types.boolean, types.int8, types.int16, types.int32,
                                types.int64, types.uint8, types.uint16, types.uint32,
                                types.uint64, types.float32, types.float64, types.complex64,
                                types.complex128)}


def spec_of_type(t) -> str:
    """A Numba type of a unit's argument as text: arrays, scalars, tuples of one scalar
    type (shapes), dtype classes (`np.float64` passed as an argument)."""
    if isinstance(t, types.Array) and str(t.dtype) in _SCALARS:
        return (f"array({t.dtype},{t.ndim},{t.layout},{'rw' if t.mutable else 'ro'},"
                f"{'al' if t.aligned else 'un'})")
    if isinstance(t, types.UniTuple) and str(t.dtype) in _SCALARS:
        return f"tuple({t.dtype},{t.count})"
    if isinstance(t, types.NumberClass) and str(t.instance_type) in _SCALARS:
        return f"class({t.instance_type})"
    if str(t) in _SCALARS and _SCALARS[str(t)] == t:
        return str(t)
    raise TypeError(f"a unit's argument of Numba type {t} has no text form")


def type_from_spec(s: str):
    """The Numba type `spec_of_type` wrote as `s`."""
    if s in _SCALARS:
        return _SCALARS[s]
    m = _ARRAY.match(s)
    if m is not None and m.group(1) in _SCALARS:
        dtype, ndim, layout, rw, al = m.groups()
        return types.Array(_SCALARS[dtype], int(ndim), layout, readonly=rw == "ro",
                           aligned=al == "al")
    m = _TUPLE.match(s)
    if m is not None and m.group(1) in _SCALARS:
        return types.UniTuple(_SCALARS[m.group(1)], int(m.group(2)))
    m = _CLASS.match(s)
    if m is not None and m.group(1) in _SCALARS:
        return types.NumberClass(_SCALARS[m.group(1)])
    raise ValueError(f"not a unit argument type: {s!r}")


def spec_of(argtypes: tuple) -> str:
    return ";".join(spec_of_type(t) for t in argtypes)
