"""Work done on the second core while this process goes on: the byte-level look at a sheet.

The .xlsx reader makes two passes over each sheet: calamine's parse (Rust, which holds the
interpreter lock) and our own scan for what calamine does not say (error cells, formulas
saved without a result, percentages). Threads cannot run them side by side, a forked process
can: ``beside`` starts the work in a child (a copy of this process, so nothing is sent to it)
and ``Beside.result`` waits for the child's answer. Where forking is not safe (not Linux, or
other threads running, whose locks a child could inherit held) the work runs here instead;
and when the work fails in the child (or the child gives no answer), it is run again here, so
that what is raised, and its traceback, are exactly what running it here would give.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Beside(Generic[T]):
    """Work started by ``beside``: take its ``result`` once, or ``cancel`` it."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._work = work
        self._pid = 0
        self._reading = -1
        if not _can_fork():
            return
        reading, writing = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: do the work, send the answer, leave without cleaning up
            code = 0
            try:
                os.close(reading)
                answer = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(writing, "wb") as out:
                    out.write(answer)
            except BaseException:
                code = 1  # no answer: the parent runs the work itself
            finally:
                os._exit(code)
        os.close(writing)
        self._pid, self._reading = pid, reading

    def result(self) -> T:
        """The work's result (from the child, or worked out here when there is none)."""
        if self._reading < 0:
            return self._work()
        try:
            with os.fdopen(self._reading, "rb") as source:
                answer = source.read()
        finally:
            self._reading = -1
            self._reap()
        try:
            value: T = pickle.loads(answer)
        except Exception:  # no answer, or a cut one (the child was killed): work it out here
            return self._work()
        return value

    def cancel(self) -> None:
        """End the child if its answer was never taken (the read failed first)."""
        if self._pid:
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)
            self._reap()
        if self._reading >= 0:
            with contextlib.suppress(OSError):
                os.close(self._reading)
            self._reading = -1

    def _reap(self) -> None:
        if self._pid:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)
            self._pid = 0


def beside(work: Callable[[], T]) -> Beside[T]:
    """Start ``work`` in a forked child where that is safe (else run it now)."""
    return Beside(work)


def _can_fork() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1
