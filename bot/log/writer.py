"""Writing the query log off the request path, without losing a record when the database fails.

Patients' requests only put an operation on a bounded queue; one thread writes them in
batches, waiting up to `LINGER` seconds after the first for others to join it (one
transaction per batch, not per question). When the database fails, the batch goes to a
spool file (JSON Lines, already redacted) and later operations follow it there, in order,
until a replay succeeds. If even the spool cannot be written, the operation goes to the
error log: never dropped silently. Replays are idempotent: every operation carries its own
id.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger("bot.log.querylog")

Op = dict[str, Any]
BATCH = 200
LINGER = 0.1  # seconds a batch waits for more operations (a flush or a stop cuts it short)
_TICK = threading.Event()  # stands for "the wait timed out": retry the spool, maintain
_TICK.set()


class Spool:
    """Operations waiting for the database, one JSON line each, shared by processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lost = 0  # operations that only reached the error log
        self.count = self._count()

    def _count(self) -> int:
        try:
            with self.path.open("rb") as f:
                return sum(1 for line in f if line.strip())
        except OSError:
            return 0

    @contextmanager
    def _locked(self) -> Iterator[int]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)  # closing releases the lock

    def append(self, ops: list[Op]) -> None:
        if not ops:
            return
        data = "".join(json.dumps(op, ensure_ascii=False) + "\n" for op in ops).encode()
        try:
            with self._locked() as fd:
                os.write(fd, data)
                os.fsync(fd)
        except OSError as exc:
            self.lost += len(ops)
            for op in ops:
                log.error("query log record not saved (%s): %s", exc, json.dumps(op))
            return
        self.count += len(ops)

    def replay(self, apply: Callable[[list[Op]], None]) -> None:
        """Apply every spooled operation in one go, then empty the spool; raises on failure."""
        with self._locked() as fd:
            with open(fd, "rb", closefd=False) as f:
                f.seek(0)
                ops = self._parse([line for line in f if line.strip()])
            if ops:
                apply(ops)
            os.ftruncate(fd, 0)
        self.count = 0

    def pending(self) -> list[Op]:
        """What waits in the spool, oldest first."""
        if not self.path.is_file():
            return []
        with self._locked() as fd:
            with open(fd, "rb", closefd=False) as f:
                f.seek(0)
                return self._parse([line for line in f if line.strip()])

    def drop(self, unwanted: Callable[[Op], bool]) -> int:
        """Remove the spooled operations `unwanted` picks (a patient's erasure request
        reaches what waits for the database too); how many were removed."""
        with self._locked() as fd:
            with open(fd, "rb", closefd=False) as f:
                f.seek(0)
                ops = self._parse([line for line in f if line.strip()])
            kept = [op for op in ops if not unwanted(op)]
            if len(kept) != len(ops):
                os.ftruncate(fd, 0)
                data = "".join(json.dumps(op, ensure_ascii=False) + "\n" for op in kept)
                os.write(fd, data.encode())
                os.fsync(fd)
                self.count = len(kept)
        return len(ops) - len(kept)

    def _parse(self, lines: list[bytes]) -> list[Op]:
        """The spooled operations; a torn line (a process killed mid-append) is set aside
        in `<spool>.bad` and the error log rather than stopping every later replay."""
        ops: list[Op] = []
        for line in lines:
            try:
                ops.append(json.loads(line))
            except ValueError:
                log.error("query log spool: unreadable line set aside: %r", line[:200])
                with self.path.with_name(self.path.name + ".bad").open("ab") as bad:
                    bad.write(line if line.endswith(b"\n") else line + b"\n")
        return ops


class Writer:
    """The one thread that writes the log; `put` never blocks and never raises."""

    def __init__(
        self,
        apply: Callable[[list[Op]], None],
        spool: Spool,
        queue_size: int = 1000,
        retry_seconds: float = 5.0,
        maintenance: Callable[[], None] | None = None,
        maintenance_seconds: float = 24 * 3600,
        linger: float = LINGER,
    ) -> None:
        self._apply = apply
        self.spool = spool
        self.retry_seconds = retry_seconds
        self._maintenance = maintenance
        self._maintenance_seconds = maintenance_seconds
        self.linger = linger
        self._queue: queue.Queue[Op | threading.Event | None] = queue.Queue(queue_size)
        self._thread = threading.Thread(target=self._run, name="querylog-writer", daemon=True)
        self.failing: str | None = None
        self._next_retry = 0.0
        self._next_maintenance = 0.0

    def start(self) -> None:
        self._thread.start()

    def put(self, op: Op) -> None:
        try:
            self._queue.put_nowait(op)
        except queue.Full:
            log.warning("query log queue full: spooling")
            self.spool.append([op])

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until everything put so far is written or spooled (a replay is tried first)."""
        if not self._thread.is_alive():
            return False
        done = threading.Event()
        self._queue.put(done, timeout=timeout)
        return done.wait(timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Write what is queued, then stop; whatever is left unwritten is spooled."""
        if self._thread.is_alive():
            try:
                self._queue.put(None, timeout=timeout)
            except queue.Full:
                pass
            self._thread.join(timeout)
        leftover: list[Op] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, dict):
                leftover.append(item)
        self.spool.append(leftover)

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=self._wait())
            except queue.Empty:
                item = _TICK
            if item is None:
                self._write([])
                return
            batch, barriers = self._gather(item)
            self._write(batch, force_retry=bool(barriers))
            self._maintain()
            for barrier in barriers:
                barrier.set()

    def _wait(self) -> float:
        now = time.monotonic()
        deadlines = [self._next_maintenance] if self._maintenance else []
        if self.spool.count:
            deadlines.append(self._next_retry)
        return max(0.05, min(deadlines) - now) if deadlines else 3600.0

    def _gather(self, first: Op | threading.Event) -> tuple[list[Op], list[threading.Event]]:
        batch: list[Op] = []
        barriers: list[threading.Event] = []
        item: Op | threading.Event | None = first
        # A batch of one costs about as much to write as a batch of fifty: wait a little for
        # company, unless someone waits for the write (a flush) or there is nothing to write.
        deadline = time.monotonic() + (self.linger if isinstance(first, dict) else 0.0)
        while item is not None:
            if isinstance(item, threading.Event):
                if not item.is_set():
                    barriers.append(item)
                deadline = 0.0
            else:
                batch.append(item)
            if len(batch) >= BATCH:
                break
            wait = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:  # stop after this batch
                self._queue.put(None)
                break
        return batch, barriers

    def _write(self, batch: list[Op], force_retry: bool = False) -> None:
        if self.spool.count:
            # Earlier operations wait in the spool: keep the order by queuing behind them.
            self.spool.append(batch)
            if force_retry or time.monotonic() >= self._next_retry:
                self._replay()
            return
        if not batch:
            return
        try:
            self._apply(batch)
        except (SQLAlchemyError, OSError) as exc:
            self._failed(exc)
            self.spool.append(batch)
        else:
            self.failing = None

    def _replay(self) -> None:
        try:
            self.spool.replay(self._apply)
        except (SQLAlchemyError, OSError) as exc:
            self._failed(exc)
        else:
            log.info("query log: database back, spool replayed")
            self.failing = None

    def _failed(self, exc: Exception) -> None:
        if self.failing is None:
            log.error("query log: database write failed, spooling: %s", exc)
        self.failing = str(exc)
        self._next_retry = time.monotonic() + self.retry_seconds

    def _maintain(self) -> None:
        if self._maintenance is None or time.monotonic() < self._next_maintenance:
            return
        self._next_maintenance = time.monotonic() + self._maintenance_seconds
        try:
            self._maintenance()
        except (SQLAlchemyError, OSError) as exc:
            log.error("query log maintenance failed: %s", exc)
