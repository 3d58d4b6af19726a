"""Run one function in a second process while the caller goes on (the report's running dynamics).

:func:`start` forks the process (``multiprocessing``'s fork context: the child
inherits the caller's frames, nothing is pickled on the way in) and runs the
function there; :meth:`Pending.result` waits for it and unpickles the returned
value (a small table). The report uses it for the running-dynamics mixed models
(:mod:`analysis.dynamics`, about a second of CPU on two years of samples),
which need nothing the rest of the analysis computes, so on a machine with two
cores they cost no wall time; the flare-up sensitivity variants and, in a
third process, the exploratory models (the only other users of statsmodels, so
the report's own process never imports it); and half the report's pages
(:func:`analysis.report.build_report`), returned as PDF bytes.

The result is the function's own return value, so it does not depend on where
it ran. Where forking is not possible or not worth it (no ``fork`` start method,
as on Windows; one usable CPU; inside a worker process; a machine already busy,
i.e. a 1-minute load average of at least the number of usable CPUs, where a
second process only shares the same CPUs and adds its start-up cost (0.1-0.3 s
CPU); ``RUNLOG_SERIAL=1`` in the environment) the function runs at once, in
this process. ``RUNLOG_SERIAL=0`` forks whatever the load. If the child
fails in any way (an exception, killed, a result that cannot be pickled),
:meth:`Pending.result` runs the function again here, so an error is raised
where it would have been without the second process.

:func:`warm` and :func:`start_warm` (session 13): the exploratory models' child
pays statsmodels' import (~0.6 s of CPU) before it can fit, and it was the
report's last process to finish. Inside ``with warm(modules)`` a
``multiprocessing`` fork server (the ``forkserver`` start method with
``modules`` preloaded) imports them on the idle CPU while the report reads its
data; :func:`start_warm` children are forks of that server, their call
pickled on the way (small frames: the region models' inputs). A process has
one fork server at a time; it is stopped (and waited for) when the block ends.

Written by hand, not with :class:`concurrent.futures.ProcessPoolExecutor`,
because an executor pickles the arguments (here 270k samples) to send them to
its worker; a forked child already has them.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["Pending", "start", "start_warm", "warm"]

#: the fork server's context inside :func:`warm` (None: :func:`start_warm` forks this process)
_WARM: Any = None


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _idle_cpus() -> float:
    """Usable CPUs less the 1-minute load average (runnable processes, this one included once it has run)."""
    try:
        return _usable_cpus() - os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average here
        return float(_usable_cpus())


def can_fork() -> bool:
    """True when :func:`start` would run its function in a second process."""
    serial = os.environ.get("RUNLOG_SERIAL", "")
    return (
        "fork" in mp.get_all_start_methods()
        and _usable_cpus() > 1
        and mp.parent_process() is None  # a worker (e.g. the cohort's pool) already shares the CPUs
        and serial in ("", "0")
        and (serial == "0" or _idle_cpus() > 0)  # every CPU busy: a second process would only cost
    )


class Pending:
    """A function running in a forked child (or already run here); :meth:`result` returns its value.

    A child that has not answered after :attr:`timeout_s` seconds is stopped and the function is run
    here instead: a fork can inherit a lock that another thread held, and a hung child must cost
    time, never the answer.
    """

    #: seconds to wait for the child before running the function here (the report's are ~1 s)
    timeout_s: float = 300.0

    def __init__(self, func: Callable[..., Any], args: tuple, kwargs: dict, warm: bool = False) -> None:
        self._call = (func, args, kwargs)
        self._proc = None
        self._conn = None
        self._done = False
        self._value: Any = None
        if not can_fork():
            self._value, self._done = func(*args, **kwargs), True
            return
        ctx = _WARM if warm and _WARM is not None else mp.get_context("fork")
        for stream in (sys.stdout, sys.stderr):  # else the child would write the buffered text a second time
            with contextlib.suppress(Exception):
                stream.flush()
        recv, send = ctx.Pipe(duplex=False)
        if ctx is _WARM:  # the call travels pickled to the fork server's child
            proc = ctx.Process(target=_serve, args=(send, func, args, kwargs), daemon=True, name="runlog-warm")
        else:

            def child() -> None:
                recv.close()
                _serve(send, func, args, kwargs)

            proc = ctx.Process(target=child, daemon=True, name="runlog-background")
        try:
            with warnings.catch_warnings():  # Python >= 3.12 warns about fork() in a process with threads
                warnings.simplefilter("ignore", DeprecationWarning)
                proc.start()
        except Exception:  # noqa: BLE001 - no second process (e.g. out of resources): run it here
            recv.close()
            send.close()
            self._value, self._done = func(*args, **kwargs), True
            return
        send.close()
        self._proc, self._conn = proc, recv

    def result(self) -> Any:
        """The function's return value: waits for the child; runs it here if the child failed."""
        if self._done:
            return self._value
        ok, value = False, None
        try:
            if self._wait():
                ok, value = self._conn.recv()
        except Exception:  # noqa: BLE001 - a dead child (EOFError) or a result that cannot be unpickled
            ok = False
        finally:
            self._conn.close()
            if self._proc.is_alive():  # silent past the time limit (e.g. a lock inherited held): stop it
                self._proc.terminate()
            self._proc.join()
        if not ok:
            func, args, kwargs = self._call
            value = func(*args, **kwargs)
        self._value, self._done, self._call = value, True, None
        return value

    def _wait(self) -> bool:
        """True once the child has sent its answer; False if it died first or stayed silent too long."""
        deadline = time.monotonic() + self.timeout_s
        while not self._conn.poll(0.5):
            if not self._proc.is_alive() and not self._conn.poll(0):
                return False
            if time.monotonic() > deadline:
                return False
        return True

    def __del__(self) -> None:  # dropped without a result (the caller failed): do not leave the child
        with contextlib.suppress(Exception):
            self.cancel()

    def cancel(self) -> None:
        """Stop the child (the caller failed and will not ask for the result)."""
        if not self._done and self._proc is not None:
            self._proc.terminate()
            self._proc.join()
            self._conn.close()
        self._done, self._call = True, None


def _serve(send: Any, func: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    """The child's part: run the call, send (ok, value) to the parent."""
    try:
        value = func(*args, **kwargs)
    except BaseException:  # noqa: BLE001 - the parent runs it again and raises there
        send.send((False, None))
    else:
        send.send((True, value))
    send.close()


def start(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Pending:
    """Start ``func(*args, **kwargs)`` in a forked process; ``.result()`` returns its value (see module doc)."""
    return Pending(func, args, kwargs)


def start_warm(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Pending:
    """:func:`start`, in a child of the fork server of :func:`warm` (its modules already imported).

    ``func`` and its arguments travel pickled (a module-level function). Without a warm server it is
    :func:`start`.
    """
    return Pending(func, args, kwargs, warm=True)


@contextlib.contextmanager
def warm(modules: tuple[str, ...]) -> Iterator[bool]:
    """Within the block, :func:`start_warm` children come from a fork server that imported ``modules``.

    The server (``multiprocessing``'s ``forkserver`` start method, with ``modules`` preloaded) is a new
    interpreter started here, at the block's start: it imports the modules on the idle CPU while this
    process reads the data, so none of the children imports them again (the report's exploratory
    models: statsmodels, ~0.6 s of CPU that was on the report's critical path). Only where
    :func:`can_fork` (a second CPU is idle) and the start method exists; yields whether the server
    started. After the block :func:`start_warm` forks this process again: a server's child has this
    process's modules as they were imported, not as a caller may have changed them since.
    """
    global _WARM
    ctx = None
    if can_fork() and "forkserver" in mp.get_all_start_methods():
        try:
            from multiprocessing import forkserver

            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(list(modules))
            forkserver.ensure_running()
        except Exception:  # noqa: BLE001 - no server: the children fork this process as before
            ctx = None
    before, _WARM = _WARM, ctx
    try:
        yield ctx is not None
    finally:
        _WARM = before
        if ctx is not None and before is None:
            _stop_server()


def _stop_server() -> None:
    """Stop the fork server and wait for it: its CPU (and its children's) counts as this process's children's.

    ``multiprocessing`` has no public call for it (the server would end with this process, unwaited); its
    ``_stop`` is what its own tests use. It is told to stop by SIGTERM first: asked the polite way (its
    "alive" pipe closed) it shuts its interpreter down, ~0.3 s with statsmodels loaded, and the report
    would wait for that; it holds nothing that needs shutting down. Where these are missing the server
    ends with this process.
    """
    import signal
    from multiprocessing import forkserver

    server = forkserver._forkserver
    with contextlib.suppress(Exception):
        if server._forkserver_pid is not None:
            os.kill(server._forkserver_pid, signal.SIGTERM)
    with contextlib.suppress(Exception):
        server._stop()
