"""Where the jobs of units.py compile: in this process and, on Linux, in a compile worker
forked from it, at the same time.

Numba compiles in one thread, under one lock; a machine with two cores compiles a graph's
units about twice as fast in two processes. A graph whose units need compiling forks a
worker (~6 ms for a 640 MB process: it inherits Numba initialised and every module imported)
that ends when the graph is linked, so it never holds on to memory the process goes on
writing. Each process sends the other every job its typing names (units.needed), as soon as
it is named; both take the callers first (scan loops: their typing names more jobs), the
worker from the front and this process from the back. A job is claimed by creating a file
named by it (atomic), so each compiles once. The worker's results reach this process
through Numba's disk cache and the units' records.

`config.compile_workers = 0` (MINITHEANO_FLAGS=compile_workers=0) compiles in this process
only. A worker that dies or fails a job is not used again; this process compiles what is
left (and a job that failed there fails here, with its real error).
"""
from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from multiprocessing import Pipe
from typing import Callable

from ...config import config


class _Worker:
    """The forked compile worker, seen from this process.

    Every job is, for this process: queued (`pending`, which both processes may take), being
    compiled here, the worker's (its claim came first: in `running` until it reports it
    done), or done. A job the worker names and claims before this process hears of it is
    reported done all the same, and remembered in `finished`."""

    def __init__(self):
        self.claims = tempfile.mkdtemp(prefix="minitheano-claims-")
        self.conn, child = Pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the worker: never returns
            self.conn.close()
            _serve(child, self.claims)
        child.close()
        self.owner = os.getpid()  # a process forked from this one does not share the worker
        self.alive = True
        self.running: dict[str, tuple] = {}  # claim -> job key
        self.finished: set[str] = set()

    def send(self, msg: tuple) -> None:
        try:
            self.conn.send(msg)
        except OSError:
            self.alive = False

    def stop(self) -> None:
        """End the worker: it stops at its next message, or is killed a second later (Numba
        writes its cache files whole, by renaming)."""
        if os.getpid() != self.owner:
            return
        if self.alive:
            self.alive = False
            self.send(("stop",))
            self.conn.close()
        for _ in range(20):
            if _dead(self.pid):
                break
            time.sleep(0.05)
        else:
            os.kill(self.pid, signal.SIGKILL)
            _dead(self.pid)
        shutil.rmtree(self.claims, ignore_errors=True)


_worker: _Worker | None = None
_conn = None  # in the worker: its connection to this process
_queue: list = []  # in the worker: the jobs it knows of, not yet taken


def start() -> None:
    """Fork the compile worker if there is none and config allows (call it while no compile
    is running: the worker inherits this process as it is)."""
    global _worker
    if _worker is not None and _worker.owner != os.getpid():
        _worker = None  # forked from the process that forked it: this one has none yet
    if _worker is None and _conn is None and config.compile_workers > 0 and \
            sys.platform.startswith("linux"):
        from . import units
        _initialise_numba()  # once, for both processes
        _worker = _Worker()
        for key in units._pending:  # queued before it was there (predict.py)
            _worker.send(("job", _describe(*key)))


def finish() -> None:
    """End the compile worker, if any (its graph is linked)."""
    global _worker
    if _worker is not None and _worker.owner == os.getpid():
        _worker.stop()
    _worker = None


def _initialise_numba() -> None:
    """What Numba does before its first compile in a process (~0.3 s: every typing and
    lowering registry installed)."""
    from numba.core.registry import cpu_target
    cpu_target.typing_context.refresh()
    cpu_target.target_context.refresh()


def _active() -> _Worker | None:
    if _worker is not None and _worker.alive and _worker.owner == os.getpid():
        return _worker
    return None


def submit(key: tuple) -> None:
    """A job was named (units.needed): tell the other process, which may start it now."""
    desc = _describe(*key)
    if _conn is not None:  # in the worker
        _queue.append(desc)
        _conn.send(("need", desc))
    elif _active() is not None:
        _worker.send(("job", desc))


def drain(pending: list, compile_job: Callable) -> None:
    """Compile every queued job, and the jobs they name in turn, with the worker if any."""
    w = _active()
    while pending or (w is not None and w.running):
        if w is not None:
            _collect(w, pending, block=False)
        if w is not None and not w.alive:  # it died or failed: what it had compiles here
            pending.extend(w.running.values())
            w.running.clear()
            w = None
        job = _take(pending, w)
        if job is not None:
            compile_job(*job)
        elif w is not None and w.running:
            _collect(w, pending, block=True)


def _take(pending: list, w: _Worker | None):
    """The next job for this process, claimed (the worker may have taken it first): the
    first queued caller (its typing names more jobs: the sooner the better), else the last
    job (the worker takes them from the front)."""
    while pending:
        k = next((i for i, key in enumerate(pending) if _is_caller(_describe(*key))),
                 len(pending) - 1)
        key = pending.pop(k)
        if w is None:
            return key
        name = _name(_describe(*key))
        if _claim(w.claims, name):
            return key
        if name not in w.finished:
            w.running[name] = key
    return None


def _collect(w: _Worker, pending: list, block: bool) -> None:
    """Take the worker's messages: the jobs it names, and those it finished."""
    from . import units
    while w.alive:
        try:
            if not w.conn.poll(0.2 if block else 0):
                if block and _dead(w.pid):
                    w.alive = False
                if block and w.alive:
                    continue
                return
            msg = w.conn.recv()
        except (OSError, EOFError):
            w.alive = False
            return
        if msg[0] == "need":
            key = _job(*msg[1])
            if key not in units._known:
                units._known.add(key)
                pending.append(key)
        elif msg[0] == "done":
            _, name, ok, desc = msg
            w.running.pop(name, None)
            w.finished.add(name)
            if not ok:  # failed there: compiled here, where its error is raised
                w.alive = False
                pending.append(_job(*desc))
                return
        block = False


def _dead(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG)[0] != 0
    except ChildProcessError:
        return True


def _claim(claims: str, name: str) -> bool:
    try:
        os.close(os.open(os.path.join(claims, name), os.O_CREAT | os.O_EXCL))
        return True
    except FileExistsError:
        return False


def _describe(dispatcher, argtypes: tuple) -> tuple:
    from . import units
    module = sys.modules[dispatcher.py_func.__module__]
    return (module.__name__, getattr(module, "__file__", None), dispatcher.py_func.__name__,
            tuple(units.spec_of_type(t) for t in argtypes))


def _name(desc: tuple) -> str:
    """A job's claim: its function and argument types, hashed."""
    name, _, func, specs = desc
    return hashlib.sha1(repr((name, func, specs)).encode()).hexdigest()[:24]


def _job(name: str, path: str | None, func: str, specs: tuple) -> tuple:
    from . import cache, units
    module = sys.modules.get(name)
    if module is None and name.startswith(cache.PREFIX) and path:
        module = cache.load_path(path, name)
    if module is None:
        module = units._module(name)
    return getattr(module, func), tuple(units.type_from_spec(s) for s in specs)


def _serve(conn, claims: str) -> None:
    """The worker's loop: the callers first, then the other jobs in the order they came."""
    global _conn
    from . import units
    _conn = conn
    status = 0
    queue = _queue
    try:
        while True:
            while not queue or conn.poll(0):
                msg = conn.recv()
                if msg[0] == "stop":
                    raise EOFError
                queue.append(msg[1])
            desc = next((d for d in queue if _is_caller(d)), queue[0])
            queue.remove(desc)
            if not _claim(claims, _name(desc)):
                continue
            try:
                units.compile_job(*_job(*desc))
                ok = True
            except Exception:  # noqa: BLE001  (the parent compiles it again and reports)
                if os.environ.get("MINITHEANO_DEBUG_WORKER"):
                    traceback.print_exc()
                ok = False
            units._pending.clear()  # what it named went to the parent as "need"
            conn.send(("done", _name(desc), ok, desc))
    except (EOFError, OSError, KeyboardInterrupt):
        pass
    except BaseException:  # noqa: BLE001
        status = 1
    os._exit(status)


def _is_caller(desc: tuple) -> bool:
    """A job whose unit calls others (a scan loop): its typing names more jobs."""
    module = sys.modules.get(desc[0])
    return module is not None and getattr(module, "N_SLOTS", 0) > 0


atexit.register(finish)  # a graph whose linking raised
