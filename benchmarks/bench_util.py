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


def median_times(fns: dict[str, Callable[[], object]], repeat: int = 20, min_time: float = 0.0,
                 warmup: int = 2) -> dict[str, float]:
    """Median seconds per call of each fn, timed in interleaved rounds (one call of each per
    round), so a drift of the shared host's speed moves every figure alike and the ratios
    between them hold."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    start = time.perf_counter()
    while min(map(len, times.values()), default=repeat) < repeat or \
            time.perf_counter() - start < min_time:
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: sorted(v)[len(v) // 2] for k, v in times.items()}


def compile_times(script: str, args: list[str], warm_runs: int = 3) -> dict[str, float]:
    """Cold and warm compile seconds of `script --compile-only args` in fresh processes that
    share one new kernel cache directory (warm: the median of `warm_runs` processes); the
    script prints {"compile": seconds} as JSON. Python byte-compiles minitheano's modules as
    an installed package has them (without, each process compiles its sources, ~0.15 s)."""
    times = []
    with tempfile.TemporaryDirectory(prefix="minitheano-bench-cache-") as cache:
        env = dict(os.environ, MINITHEANO_CACHE_DIR=cache, **PIN)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for _ in range(1 + warm_runs):
            res = subprocess.run([sys.executable, script, "--compile-only", *args], env=env,
                                 capture_output=True, text=True, check=True)
            times.append(json.loads(res.stdout.strip().splitlines()[-1])["compile"])
    return {"cold": times[0], "warm": sorted(times[1:])[len(times[1:]) // 2]}


def fmt_ms(seconds: float | None) -> str:
    return "      -" if seconds is None else f"{seconds * 1e3:7.2f}"
