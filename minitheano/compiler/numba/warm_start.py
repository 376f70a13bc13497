"""Warm start: a graph compiled by an earlier process is linked again without being rewritten.

`function` hashes the graph as the user built it (before any rewrite: ops by class and
parameters, types, constants by value, the mode, the config, minitheano's own source files and
the Numba/Python versions). A small record under that key, in the cache directory, names the
generated module and holds what the call needs besides it (array constants, the loops' arena
count, the 0-d outputs); the module and Numba's machine code of it are loaded as on any cache
hit. The rewritten graph (for `f.maker.fgraph`, printing and error messages) is built only if
asked for. Rewriting and code generation are most of a warm start's own time (the LSTM step:
~60 of ~200 ms, Numba's import being most of the rest).

Only records written by other processes are used: within one process a graph is rewritten
each time, so that changes made to the rewrites or the lowering in the running process (tests
patch them) take effect. A graph holding something without a stable description (an `as_op`
function) has no key and is always rewritten. A record that is unreadable, or names a module
file that is missing or altered, is ignored (the graph is rewritten and the record replaced).
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from ...config import config
from ...graphlib import Constant, FunctionGraph, Variable

SUFFIX = ".warm.npz"
_written: set[str] = set()  # keys this process wrote (not used by it, see the docstring)
_fingerprint: str | None = None


class _NoKey(Exception):
    """A value in the graph has no stable description."""


@dataclasses.dataclass
class Record:
    """What linking a graph needs besides its generated module."""

    module_key: str
    consts: list[np.ndarray]
    n_arenas: int
    scalar_returns: list[tuple[int, str]]


def graph_key(fgraph: FunctionGraph, mode: Any) -> str | None:
    """The key of `fgraph` (not yet rewritten) compiled in `mode`, or None if it has none."""
    try:
        desc = (_source_fingerprint(), _describe_mode(mode), _describe_config(),
                _describe_graph(fgraph))
    except (_NoKey, AttributeError, TypeError, ValueError):  # no key: the graph is rewritten
        return None
    return hashlib.sha256(repr(desc).encode()).hexdigest()[:32]


def load(key: str) -> Record | None:
    """The record another process stored under `key`, or None."""
    if key in _written:
        return None
    try:
        with np.load(_path(key), allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            consts = [z[f"c{k}"] for k in range(meta["n_consts"])]
        for c, readonly in zip(consts, meta["readonly"]):  # as the constants were (the
            c.flags.writeable = not readonly  # compiled code's types say so)
        return Record(meta["module"], consts, meta["n_arenas"],
                      [(k, dt) for k, dt in meta["scalars"]])
    except (OSError, KeyError, ValueError, TypeError):  # absent, corrupt or foreign
        return None


def store(key: str, record: Record) -> None:
    """Write `record` under `key` (atomically; a failure to write is not an error)."""
    _written.add(key)
    meta = {"module": record.module_key, "n_consts": len(record.consts),
            "n_arenas": record.n_arenas, "scalars": [list(s) for s in record.scalar_returns],
            "readonly": [not c.flags.writeable for c in record.consts]}
    buf = io.BytesIO()
    np.savez(buf, meta=np.array(json.dumps(meta)),
             **{f"c{k}": c for k, c in enumerate(record.consts)})
    path = _path(key)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(buf.getvalue())
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass


def _path(key: str) -> Path:
    return Path(config.cache_dir) / f"mtw_{key}{SUFFIX}"


def _source_fingerprint() -> str:
    """Size and modification time of every source file of minitheano (as Python's own .pyc
    check), with the Numba and Python versions."""
    global _fingerprint
    if _fingerprint is None:
        from .cache import _version_tag
        root = Path(__file__).resolve().parents[2]
        h = hashlib.sha256(_version_tag().encode())
        for dirpath, dirnames, filenames in sorted(os.walk(root)):
            dirnames.sort()
            for f in sorted(filenames):
                if f.endswith(".py"):
                    st = os.stat(os.path.join(dirpath, f))
                    h.update(f"{os.path.relpath(dirpath, root)}/{f}:{st.st_size}:"
                             f"{st.st_mtime_ns};".encode())
        _fingerprint = h.hexdigest()
    return _fingerprint


def _describe_mode(mode: Any) -> tuple:
    return (type(mode).__qualname__, mode.linker, mode.optimizer, mode.include, mode.exclude)


def _describe_config() -> tuple:
    return tuple((k, v) for k, v in sorted(vars(config).items()) if k != "cache_dir")


def _describe_graph(fgraph: FunctionGraph) -> tuple:
    pos: dict[Variable, tuple] = {v: ("in", k) for k, v in enumerate(fgraph.inputs)}

    def ref(v: Variable) -> tuple:
        if v in pos:
            return pos[v]
        if isinstance(v, Constant):
            return ("const", describe(v.type), describe(np.asarray(v.data)))
        raise _NoKey(v)

    nodes = []
    for n, node in enumerate(fgraph.toposort()):
        nodes.append((describe(node.op), tuple(ref(v) for v in node.inputs),
                      tuple(describe(o.type) for o in node.outputs)))
        for k, o in enumerate(node.outputs):
            pos[o] = ("node", n, k)
    targets = [fgraph.inputs.index(t) for t in getattr(fgraph, "update_targets", [])]
    return (tuple(describe(v.type) for v in fgraph.inputs), tuple(nodes),
            tuple(ref(o) for o in fgraph.outputs), getattr(fgraph, "n_outputs", None),
            tuple(targets), getattr(fgraph, "n_explicit", None))


def describe(value: Any) -> Any:
    """A description of `value` made of Python literals, equal for equal values in any
    process; raises _NoKey for values without one (functions, arbitrary objects)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest() if len(value) > 64 else value
    if isinstance(value, (np.ndarray, np.generic)):
        a = np.asarray(value)
        return ("array", a.dtype.str, a.shape, hashlib.sha256(a.tobytes()).hexdigest())
    if isinstance(value, np.dtype):
        return ("dtype", value.str)
    if isinstance(value, (tuple, list)):
        return tuple(describe(v) for v in value)
    if isinstance(value, slice):
        return ("slice", describe(value.start), describe(value.stop), describe(value.step))
    if isinstance(value, Constant):
        return ("const", describe(value.type), describe(np.asarray(value.data)))
    cls = f"{type(value).__module__}.{type(value).__qualname__}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (cls, tuple((f.name, describe(getattr(value, f.name)))
                           for f in dataclasses.fields(value)))
    props = getattr(value, "_props", None)
    if callable(props) and not isinstance(value, type):  # Ops, scalar ops and Types
        return (cls, describe(props()))
    raise _NoKey(cls)
