"""Modes: which rewrites run and which linker executes the graph.

`FAST_RUN` (default): all rewrites, Numba linker. `py`: all rewrites, the numpy reference
linker. `FAST_COMPILE`: only cheap rewrites, py linker. `Mode(optimizer=None)`: no rewrites.
"""
from __future__ import annotations

from typing import Iterable


class Mode:
    """A linker name plus a rewrite selection (`including` / `excluding` by name or tag)."""

    def __init__(self, linker: str = "numba", optimizer: str | None = "fast_run",
                 include: Iterable[str] = (), exclude: Iterable[str] = ()):
        self.linker = linker
        self.optimizer = optimizer
        self.include = tuple(include)
        self.exclude = tuple(exclude)

    def including(self, *names: str) -> "Mode":
        """A copy of this mode that also runs the rewrites with these names or tags."""
        return Mode(self.linker, self.optimizer, self.include + names, self.exclude)

    def excluding(self, *names: str) -> "Mode":
        """A copy of this mode without the rewrites with these names or tags."""
        return Mode(self.linker, self.optimizer, self.include, self.exclude + names)

    def rewrite(self, fgraph) -> None:
        """Rewrite `fgraph` in place as this mode says."""
        if self.optimizer is None:
            return
        try:
            from .rewriting.pipeline import rewrite_graph
        except ImportError:  # the rewrite pipeline is optional until it lands
            return
        rewrite_graph(fgraph, self.optimizer, self.include, self.exclude)

    def make_linker(self):
        if self.linker == "py":
            from .linker_py import PyLinker
            return PyLinker()
        if self.linker == "numba":
            from .numba.linker import NumbaLinker  # no silent fallback to the py linker
            return NumbaLinker()
        raise ValueError(f"unknown linker {self.linker!r}")

    def __repr__(self) -> str:
        return (f"Mode(linker={self.linker!r}, optimizer={self.optimizer!r}, "
                f"include={self.include}, exclude={self.exclude})")


PREDEFINED = {
    "FAST_RUN": Mode("numba", "fast_run"),
    "py": Mode("py", "fast_run"),
    "FAST_COMPILE": Mode("py", "fast_compile"),
}


def get_mode(mode) -> Mode:
    """A Mode from a Mode, a predefined name, or None (config.mode)."""
    from ..config import config
    if mode is None:
        mode = config.mode
    if isinstance(mode, Mode):
        return mode
    if mode == "DebugMode":
        from .debugmode import DebugMode
        return DebugMode()
    if mode not in PREDEFINED:
        raise ValueError(f"unknown mode {mode!r}; use one of {sorted(PREDEFINED)} or a Mode")
    return PREDEFINED[mode]
