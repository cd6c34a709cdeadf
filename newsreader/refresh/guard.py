"""Parsing and extraction under a time limit: a small pool of worker processes that can be killed.

A thread cannot be stopped, so a document that keeps a parser busy would hold its thread (and the GIL) until it
ended. Here each job runs in a worker process; the thread that handed it over waits for the answer at most the
job's limit, then kills that worker (SIGKILL), starts another, and the job fails with TimeLimitError. Jobs that end
in time cost a pickle each way over a pipe (the bytes of a feed or page, and the result).

Workers start from a fork server with the parsers imported (POOL_PRELOAD), each in its own dispatcher thread, so a
pool made at the start of a refresh is ready by the time the first response is in.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from newsreader import logs

log = logging.getLogger(__name__)


START_SECONDS = 60  # a worker that is not up by then is taken as unable to start (the machine is very loaded)


class TimeLimitError(Exception):
    """A job ran past its limit and was abandoned (its worker process killed)."""


class WorkerDied(Exception):
    """A worker process ended in the middle of a job (killed from outside, out of memory)."""


_conn: Connection | None = None  # in a worker: its pipe to the dispatcher (lap() speaks on it)


def lap(done: bool = False) -> None:
    """In a job: a part of it ended, and its limit starts again (done=True: the limited part is over; what is left,
    e.g. saving to the store, runs without one). Outside a worker process, nothing."""
    if _conn is not None:
        _conn.send(("lap", done))


def _serve(conn: Connection, parent: int, log_file: Path | None) -> None:
    """A worker's loop: (fn, args) in, ("ok", result) or ("error", exception) out, until the pipe closes."""
    global _conn
    from newsreader.refresh.pool import _worker_init

    _worker_init(parent, log_file)
    _conn = conn
    conn.send(("ready", None))  # a job's time starts when it is handed to a worker that is up
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", fn(*args))
        except Exception as exc:  # handed back to the caller, who reports it
            reply = ("error", exc)
        try:
            conn.send(reply)
        except Exception as exc:  # the result or the exception would not pickle: say what it was
            conn.send(("error", RuntimeError(f"{type(reply[1]).__name__}: {reply[1]!r} (not picklable: {exc})")))


_Job = tuple[Callable[..., Any], tuple[Any, ...], float, str, Future[Any]]


class GuardedPool(Executor):
    """`workers` processes; `submit_limited(limit, what, fn, *args)` runs fn(*args) in one, at most `limit` s."""

    def __init__(self, workers: int = 1, saves: bool = False) -> None:
        import multiprocessing

        self.saves = saves  # its workers save what they parse (refresh.pool.parse_and_save), for big refreshes
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["newsreader.refresh.pool"])
        from newsreader.refresh.pool import _start_resource_tracker

        _start_resource_tracker()
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._closed = False
        self.replaced = 0  # workers killed for overrunning (or found dead) and started again
        self._log = logs.current()
        self._threads = [
            threading.Thread(target=self._dispatch, name=f"newsreader-guard-{i}", daemon=True) for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def _start(self) -> tuple[Any, Connection]:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(theirs, os.getpid(), self._log), daemon=True)
        process.start()
        theirs.close()
        if not ours.poll(START_SECONDS):
            self._stop(process, ours)
            raise WorkerDied(f"a worker process did not start within {START_SECONDS} s")
        ours.recv()  # "ready"
        return process, ours

    def _try_start(self) -> tuple[tuple[Any, Connection] | None, Exception | None]:
        try:
            return self._start(), None
        except (WorkerDied, OSError, EOFError, ValueError) as exc:  # no fork server, no memory, ...
            log.warning("a worker process could not start: %s", exc)
            return None, exc

    def _dispatch(self) -> None:
        """One worker's thread: starts it (at once, so that it is up before the first job), hands it one job at a
        time, kills and replaces it when a job overruns or it dies. Never ends before shutdown: a job it cannot run
        fails alone."""
        worker, _ = self._try_start()
        try:
            while (job := self._jobs.get()) is not None:
                fn, args, limit, what, future = job
                if not future.set_running_or_notify_cancel():
                    continue
                if worker is None:
                    worker, problem = self._try_start()
                    if worker is None:
                        future.set_exception(WorkerDied(f"{what} failed: no worker process could start ({problem})"))
                        continue
                process, conn = worker
                try:
                    conn.send((fn, args))
                    wait: float | None = limit if limit > 0 else None
                    while True:
                        if not conn.poll(wait):
                            raise TimeLimitError(f"{what} took longer than {limit:g} s; abandoned")
                        status, value = conn.recv()
                        if status != "lap":
                            break
                        wait = None if value else wait  # done with the limited part, or a new lap
                except TimeLimitError as exc:
                    log.warning("%s (worker %s killed and replaced)", exc, process.pid)
                    self._stop(process, conn)
                    worker = None
                    self.replaced += 1
                    future.set_exception(exc)
                    continue
                except (EOFError, OSError) as exc:
                    log.warning("a worker process ended during %s (%s); replaced", what, exc)
                    self._stop(process, conn)
                    worker = None
                    self.replaced += 1
                    future.set_exception(
                        WorkerDied(f"{what} failed: its worker process ended ({str(exc) or 'killed'})")
                    )
                    continue
                except Exception as exc:  # the job would not pickle (a bug of ours): it fails, the worker stays
                    log.exception("%s could not be handed to a worker", what)
                    future.set_exception(exc)
                    continue
                if status == "ok":
                    future.set_result(value)
                else:
                    future.set_exception(value)
        finally:
            if worker is not None:
                self._stop(*worker)

    @staticmethod
    def _stop(process: Any, conn: Connection) -> None:
        conn.close()
        if process.is_alive():
            process.kill()
        process.join(5)

    def submit_limited(self, limit: float, what: str, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        if self._closed:
            raise RuntimeError("the guarded pool is shut down")
        future: Future[Any] = Future()
        self._jobs.put((fn, args, limit, what, future))
        return future

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Executor's interface: no time limit (kwargs are not supported)."""
        assert not kwargs, "GuardedPool.submit takes positional arguments only"
        return self.submit_limited(0, getattr(fn, "__name__", "a job"), fn, *args)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._closed:
            return
        self._closed = True
        if cancel_futures:
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    job[4].cancel()
        for _ in self._threads:
            self._jobs.put(None)
        if wait:
            for thread in self._threads:
                thread.join(10)
