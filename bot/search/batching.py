"""Coalescing concurrent calls into one batch: many patients asking at once, one model run.

A model run over eight short questions costs about a third less per question than
eight runs of one (bench/, docs/performance.md), so a server thread that finds the
model busy queues its question; the thread running the model takes everything queued
as the next batch. There is no dispatcher thread and no waiting for a batch to fill:
a lone question runs at once on its own thread, exactly as without batching.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar, cast

In = TypeVar("In")
Out = TypeVar("Out")


class _Slot(Generic[In, Out]):
    __slots__ = ("item", "done", "lead", "result", "error")

    def __init__(self, item: In) -> None:
        self.item = item
        self.done = threading.Event()
        self.lead = False  # woken to run the next batch rather than with a result
        self.result: Out | None = None
        self.error: BaseException | None = None


class Coalescer(Generic[In, Out]):
    """Calls `run(items)` on batches of up to `max_batch` items from concurrent callers.

    One caller at a time is the leader: it runs a batch (its own item first), hands
    each caller its result, then passes the lead to the oldest waiting caller and
    returns. Its own reply is never held up serving others.

    Example: ``vectors = Coalescer(model.encode, 8); vectors("is it safe?")``
    """

    def __init__(self, run: Callable[[list[In]], Iterable[Out]], max_batch: int = 8) -> None:
        self._run = run
        self._max = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Slot[In, Out]] = []
        self._busy = False  # a leader is running; the queue is never left without one

    def __call__(self, item: In) -> Out:
        slot: _Slot[In, Out] = _Slot(item)
        with self._lock:
            self._queue.append(slot)
            leading = not self._busy
            self._busy = True
        if not leading:
            slot.done.wait()
            if not slot.lead:
                return self._outcome(slot)
        self._lead()
        return self._outcome(slot)

    def _lead(self) -> None:
        with self._lock:
            batch = self._queue[: self._max]  # the leader's own slot is always first
            del self._queue[: self._max]
        try:
            results = list(self._run([s.item for s in batch]))
            if len(results) != len(batch):
                raise RuntimeError(f"batch of {len(batch)} gave {len(results)} results")
            for s, result in zip(batch, results, strict=True):
                s.result = result
        except BaseException as exc:  # every caller in the batch gets the failure, not a hang
            for s in batch:
                s.error = exc
        finally:
            with self._lock:
                if self._queue:
                    successor = self._queue[0]
                    successor.lead = True
                    successor.done.set()
                else:
                    self._busy = False
            for s in batch:
                s.lead = False
                s.done.set()

    @staticmethod
    def _outcome(slot: _Slot[In, Out]) -> Out:
        if slot.error is not None:
            raise slot.error
        return cast(Out, slot.result)  # set before `done`, since there was no error
