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

Written by hand, not with :class:`concurrent.futures.ProcessPoolExecutor`,
because an executor pickles the arguments (here 270k samples) to send them to
its worker; a forked child already has them.

One call can go to a *warm* process instead (:func:`prewarm`, ``start(...,
warm=True)``): forked when the command starts, before anything is read, it
imports the modules it is given (statsmodels and the models: about a second of
CPU) on a CPU that is otherwise idle while the caller reads its files, then
waits for one call, which is pickled to it (it was forked before the data
existed; the report's exploratory models take a few hundred kB). The caller's
own imports are not shared with it, so it only pays where a CPU would wait.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing as mp
import os
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["Pending", "prewarm", "release_warm", "start"]


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

    def __init__(self, func: Callable[..., Any], args: tuple, kwargs: dict, *, warm: bool = False) -> None:
        self._call = (func, args, kwargs)
        self._proc = None
        self._conn = None
        self._done = False
        self._value: Any = None
        taken = _take_warm(func, args, kwargs) if warm else None
        if taken is not None:
            self._proc, self._conn = taken
            return
        if not can_fork():
            self._value, self._done = func(*args, **kwargs), True
            return
        ctx = mp.get_context("fork")
        for stream in (sys.stdout, sys.stderr):  # else the child would write the buffered text a second time
            with contextlib.suppress(Exception):
                stream.flush()
        recv, send = ctx.Pipe(duplex=False)

        def child() -> None:
            recv.close()
            try:
                value = func(*args, **kwargs)
            except BaseException:  # noqa: BLE001 - the parent runs it again and raises there
                send.send((False, None))
            else:
                send.send((True, value))
            send.close()

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


def start(func: Callable[..., Any], /, *args: Any, warm: bool = False, **kwargs: Any) -> Pending:
    """Start ``func(*args, **kwargs)`` in a forked process; ``.result()`` returns its value (see module doc).

    ``warm``: send the call to the process :func:`prewarm` started, if there is one and it is still
    free (``func``, its arguments and its value must pickle); else as without.
    """
    return Pending(func, args, kwargs, warm=warm)


class _Warm:
    """The process :func:`prewarm` forked: its two pipe ends here, and whether its one call is taken."""

    def __init__(self, proc, calls, results) -> None:
        self.proc, self.calls, self.results, self.taken = proc, calls, results, False


_WARM: _Warm | None = None


def prewarm(modules: tuple[str, ...]) -> None:
    """Fork a process now that imports ``modules`` at once, then waits for one call (``start(..., warm=True)``).

    Nothing happens where :func:`start` would not fork (:func:`can_fork`), or when a warm process
    already exists. An unused one ends when :func:`release_warm` is called or this process exits.
    """
    global _WARM  # noqa: PLW0603 - one warm process per command
    if (_WARM is not None and not _WARM.taken) or not can_fork():
        return
    ctx = mp.get_context("fork")
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    calls_recv, calls_send = ctx.Pipe(duplex=False)
    results_recv, results_send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_warm_main, args=(modules, calls_recv, results_send, (calls_send, results_recv)),
                       daemon=True, name="runlog-warm")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            proc.start()
    except Exception:  # noqa: BLE001 - no warm process (e.g. out of resources): calls fork as usual
        for end in (calls_recv, calls_send, results_recv, results_send):
            end.close()
        return
    calls_recv.close()
    results_send.close()
    _WARM = _Warm(proc, calls_send, results_recv)


def _warm_main(modules: tuple[str, ...], calls, results, callers_ends: tuple) -> None:
    """The warm process: import, then run the one call sent (EOF: none will come) and send its value back."""
    for end in callers_ends:  # inherited copies of the caller's ends: else the caller's close is no EOF here
        end.close()
    for name in modules:
        with contextlib.suppress(Exception):  # a module that fails to import fails where it is used
            importlib.import_module(name)
    try:
        func, args, kwargs = calls.recv()
    except (EOFError, OSError):
        return
    try:
        value = func(*args, **kwargs)
    except BaseException:  # noqa: BLE001 - the caller runs it again and raises there
        results.send((False, None))
    else:
        results.send((True, value))
    results.close()


def _take_warm(func: Callable[..., Any], args: tuple, kwargs: dict):
    """Send the call to the warm process: (process, result pipe), or None where there is none (or it failed)."""
    warm = _WARM
    if warm is None or warm.taken or not warm.proc.is_alive():
        return None
    warm.taken = True
    try:
        warm.calls.send((func, args, kwargs))
    except Exception:  # noqa: BLE001 - e.g. an argument that does not pickle: fork instead
        warm.taken = False  # nothing was sent: released as unused
        release_warm()
        return None
    warm.calls.close()
    return warm.proc, warm.results


def release_warm() -> None:
    """Let an unused warm process end: it reads end-of-file once its imports are done (not waited for:
    at exit, ``multiprocessing`` stops a daemon process still running). Nothing if it was used."""
    global _WARM  # noqa: PLW0603
    warm, _WARM = _WARM, None
    if warm is not None and not warm.taken:
        warm.taken = True
        warm.calls.close()
        warm.results.close()
