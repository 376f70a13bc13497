"""Global settings (Theano's `config`): floatX, default mode, cache directory, verbosity.

Environment variable `MINITHEANO_FLAGS="floatX=float32,mode=py"` sets them at import, like
Theano's THEANO_FLAGS; `MINITHEANO_CACHE_DIR` sets the kernel cache directory.
"""
from __future__ import annotations

import os
from pathlib import Path


class Config:
    """Mutable settings; read the attributes, assign to change them."""

    def __init__(self) -> None:
        self.floatX: str = "float64"
        self.mode: str = "FAST_RUN"
        self.optimizer_verbose: bool = False
        self.compute_test_value: str = "off"
        self.cache_dir: str = os.environ.get(
            "MINITHEANO_CACHE_DIR", str(Path.home() / ".cache" / "minitheano"))
        self.dump_source: bool = False
        self.numba_kernels: bool = True  # a node's loops compiled as a shared kernel
        self.compile_workers: int = 1    # processes forked to compile units (0: none)
        for item in filter(None, os.environ.get("MINITHEANO_FLAGS", "").split(",")):
            key, _, value = item.partition("=")
            self._set(key.strip(), value.strip())

    def _set(self, key: str, value: str) -> None:
        if not hasattr(self, key):
            raise ValueError(f"MINITHEANO_FLAGS: unknown flag {key!r}")
        current = getattr(self, key)
        if isinstance(current, bool):
            setattr(self, key, value.lower() in ("1", "true", "yes", "on"))
        elif isinstance(current, int):
            setattr(self, key, int(value))
        else:
            setattr(self, key, value)

    def __setattr__(self, key: str, value) -> None:
        if key == "floatX" and value not in ("float32", "float64"):
            raise ValueError(f"config.floatX must be 'float32' or 'float64', got {value!r}")
        object.__setattr__(self, key, value)


config = Config()
