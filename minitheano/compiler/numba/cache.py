"""Disk cache of generated modules: the source is written once to `config.cache_dir` under a
hash of its text + minitheano/numba/Python versions and imported, so Numba's own cache (keyed
on the file) works; a function made by `exec` could not be cached at all.

Concurrency: a file is created by hard-linking a finished temp file (atomic, never
overwrites a correct file, whose mtime Numba's cache index depends on); a file with the wrong
text (corrupt, foreign) is atomically replaced. A Numba cache entry that fails to load is
deleted and the function recompiled.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
import uuid
from pathlib import Path
from types import ModuleType

import numba

from ...config import config

PREFIX = "mt_"
_IMPORTED = re.compile(rf"^import {PREFIX}(\w+) as ", re.M)


def _version_tag() -> str:
    from ... import __version__
    return f"minitheano {__version__}, numba {numba.__version__}, " \
           f"python {sys.version_info.major}.{sys.version_info.minor}"


def cache_key(source: str) -> str:
    """The structural hash naming a generated module."""
    h = hashlib.sha256(source.encode())
    h.update(_version_tag().encode())
    return h.hexdigest()[:32]


def module_path(key: str) -> Path:
    return Path(config.cache_dir) / f"{PREFIX}{key}.py"


def load_module(source: str, key: str) -> ModuleType:
    """Import the module holding `source` (written to the cache directory when needed)."""
    name = PREFIX + key
    mod = sys.modules.get(name)
    if mod is not None:
        return mod
    path = module_path(key)
    text = f'"""minitheano generated code ({_version_tag()})."""\n{source}'
    _ensure_file(path, text)
    for dep in _IMPORTED.findall(source):  # the loops' modules (numba/scan.py), when the
        if PREFIX + dep not in sys.modules:  # graph is linked without generating them
            dep_source = read_module(dep)
            if dep_source is None:
                raise FileNotFoundError(f"generated module {module_path(dep)} is missing")
            load_module(dep_source, dep)
    return load_path(str(path), name)


def load_path(path: str, name: str) -> ModuleType:
    """Import the generated module `name` from the file `path`."""
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    sys.modules[name] = mod
    return mod


def read_module(key: str) -> str | None:
    """The source of the module file of `key` if it is there and unaltered, else None."""
    try:
        header, _, source = module_path(key).read_text().partition("\n")
    except (OSError, UnicodeDecodeError):
        return None
    return source if cache_key(source) == key else None


def forget_module(key: str) -> None:
    """Drop the imported module and Numba's cache files of it (they failed to load)."""
    name = PREFIX + key
    module = sys.modules.pop(name, None)
    if module is not None:
        forget_compiled(module)


def forget_compiled(module: ModuleType) -> None:
    """Delete Numba's cache files of the functions of the generated `module` (it stays
    imported; its next compile starts afresh)."""
    path = Path(module.__file__)
    for f in (path.parent / "__pycache__").glob(f"{path.stem}.*.nb[ic]"):
        try:
            f.unlink()
        except OSError:
            pass


def _ensure_file(path: Path, text: str) -> None:
    try:
        if path.read_text() == text:
            return
        exists = True
    except (FileNotFoundError, UnicodeDecodeError):
        exists = path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(text)
    try:
        if not exists:
            try:
                os.link(tmp, path)  # create only if absent: another process may have won
                return
            except FileExistsError:
                if path.read_text() == text:
                    return
            except OSError:  # file systems without hard links
                pass
        os.replace(tmp, path)
    finally:
        try:
            tmp.unlink()
        except OSError:
            pass
