"""Timing helpers shared by the W3/W4 benchmarks: single-threaded BLAS, medians, and cold/warm
compile times measured in fresh processes (a cold run gets an empty kernel cache)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Callable

PIN = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
       "NUMBA_NUM_THREADS": "1", "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false "
       "intra_op_parallelism_threads=1"}


def pin_threads() -> None:
    """One thread everywhere; call before numpy, numba or jax are imported."""
    for k, v in PIN.items():
        os.environ.setdefault(k, v)


def median_time(fn: Callable[[], object], repeat: int = 20, min_time: float = 0.0,
                warmup: int = 2) -> float:
    """Median seconds per call of fn() over `repeat` calls (more while under min_time)."""
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < repeat or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def compile_times(script: str, args: list[str]) -> dict[str, float]:
    """Cold and warm compile seconds of `script --compile-only args` in fresh processes that
    share one new kernel cache directory; the script prints {"compile": seconds} as JSON."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="minitheano-bench-cache-") as cache:
        env = dict(os.environ, MINITHEANO_CACHE_DIR=cache, **PIN)
        for kind in ("cold", "warm"):
            res = subprocess.run([sys.executable, script, "--compile-only", *args], env=env,
                                 capture_output=True, text=True, check=True)
            out[kind] = json.loads(res.stdout.strip().splitlines()[-1])["compile"]
    return out


def fmt_ms(seconds: float | None) -> str:
    return "      -" if seconds is None else f"{seconds * 1e3:7.2f}"
