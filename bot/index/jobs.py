"""Re-indexing from the content page: one build at a time, in a background thread.

`Builds.start` runs `bot.index.build.build_index` in a thread and keeps its stage and share
for the page to show; a second build (here or from `bot index` anywhere on the same
index folder) is refused with a message. After a build, `after_build(version)` runs,
for instance to ask the questions of the content gaps being written again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.articles.documents import CorpusError
from bot.index.build import GateFailed, build_index
from bot.index.versions import IndexError_, build_lock
from bot.search.embedder import Embedder
from bot.settings import Settings

log = logging.getLogger("bot.index.jobs")

STAGES = ("parsing", "embedding", "writing", "evaluating", "activating")


@dataclass
class BuildState:
    """The running (or last) build started from the page."""

    running: bool = False
    by: str = ""
    started_at: datetime | None = None
    stage: str = ""
    share: float = 0.0
    version: str = ""
    outcome: str = ""  # activated | held back | failed
    message: str = ""

    @property
    def percent(self) -> int:
        """Overall progress: stages count equally, embedding is reported within its stage."""
        if not self.running:
            return 100 if self.outcome else 0
        at = STAGES.index(self.stage) if self.stage in STAGES else 0
        return min(99, round(100 * (at + self.share) / len(STAGES)))


class Builds:
    """Starts builds in the background and remembers how the last one went."""

    def __init__(
        self,
        settings: Settings,
        embedder: Callable[[], Embedder],
        after_build: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self._after = after_build
        self._lock = threading.Lock()
        self._state = BuildState()
        self.thread: threading.Thread | None = None

    def state(self) -> BuildState:
        with self._lock:
            return replace(self._state)

    def start(self, by: str, force: bool = False) -> str | None:
        """Start a build; returns why it cannot start (another is running), or None."""
        with self._lock:
            if self._state.running:
                return f"A build started by {self._state.by} is still running; wait for it to end."
            try:
                with build_lock(self.settings.index_dir):
                    pass  # only a probe: the build takes the lock itself
            except IndexError_:
                return "Another build (perhaps `bot index`) is running; try again when it ends."
            self._state = BuildState(True, by, datetime.now(UTC), "parsing")
        self.thread = threading.Thread(target=self._run, args=(by, force), daemon=True)
        self.thread.start()
        return None

    def _progress(self, stage: str, share: float) -> None:
        with self._lock:
            self._state.stage, self._state.share = stage, share

    def _finish(self, **fields: object) -> None:
        with self._lock:
            self._state = replace(self._state, running=False, **fields)  # type: ignore[arg-type]

    def _run(self, by: str, force: bool) -> None:
        started = time.perf_counter()
        try:
            manifest = build_index(
                self.settings, self._embedder(), built_by=by, force=force,
                on_progress=self._progress,
            )  # fmt: skip
        except GateFailed as exc:
            self._finish(version=exc.version, outcome="held back", message=str(exc))
            return
        except (IndexError_, CorpusError, OSError) as exc:
            self._finish(outcome="failed", message=str(exc))
            return
        except Exception as exc:  # a thread's error would otherwise vanish
            log.exception("build from the content page failed")
            self._finish(outcome="failed", message=f"the build failed: {exc}")
            return
        seconds = time.perf_counter() - started
        message = f"Version {manifest.version} is active ({seconds:.1f} s)."
        if self._after is not None:
            try:
                self._after(manifest.version)
            except Exception:
                log.exception("after-build step failed for %s", manifest.version)
        self._finish(version=manifest.version, outcome="activated", message=message)
