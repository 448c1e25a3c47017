"""Shared pieces of the benchmarks: percentiles, the machine, the results file, tables."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# git-ignored: built indexes, question files, request logs (elsewhere for a run of other code)
CACHE = Path(os.environ.get("BENCH_CACHE_DIR", BENCH / ".cache"))
RESULTS = BENCH / "results.jsonl"  # one line per measurement, appended by every run
# MedQuAD (docs.jsonl, questions.jsonl): ../shared/data/medquad beside the checkout, or
# wherever BENCH_MEDQUAD_DIR says (a clone elsewhere).
MEDQUAD = Path(os.environ.get("BENCH_MEDQUAD_DIR", ROOT.parent / "shared" / "data" / "medquad"))
VENV_BIN = ROOT / ".venv" / "bin"


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50, p95, p99 and mean of latencies in milliseconds."""
    values = np.asarray(samples_ms, dtype=np.float64)
    return {
        "n": int(len(values)),
        "p50": round(float(np.percentile(values, 50)), 3),
        "p95": round(float(np.percentile(values, 95)), 3),
        "p99": round(float(np.percentile(values, 99)), 3),
        "mean": round(float(values.mean()), 3),
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    meminfo = Path("/proc/meminfo").read_text().split()
    load = os.getloadavg()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "mem_gib": round(int(meminfo[1]) / 2**20, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_at_start": [round(x, 2) for x in load],
        "git": _git(),
    }


def _git() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def distinct_questions(limit: int | None = None) -> list[str]:
    """MedQuAD's questions, each once (case and spacing folded), in file order."""
    seen: set[str] = set()
    out = []
    path = MEDQUAD / "questions.jsonl"
    if not path.is_file():
        raise SystemExit(f"MedQuAD not found at {MEDQUAD}: set BENCH_MEDQUAD_DIR to its folder")
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            question = json.loads(line)["question"].strip()
            key = " ".join(question.casefold().split())
            if key not in seen:
                seen.add(key)
                out.append(question)
    return out[:limit]


class Results:
    """Rows measured in this run: printed as a table and appended to bench/results.jsonl."""

    def __init__(self, label: str) -> None:
        self.run = {
            "run": datetime.now(UTC).isoformat(timespec="seconds"),
            "label": label,
            "machine": machine(),
        }
        self.rows: list[dict[str, Any]] = []

    def add(self, bench: str, corpus: str, **values: Any) -> dict[str, Any]:
        # The 1-minute load average when the figure was taken: other work on the two cores.
        row = {"bench": bench, "corpus": corpus, **values, "load1": round(os.getloadavg()[0], 2)}
        self.rows.append(row)
        print(f"  {bench:24} {corpus:10} {_short(values)}", flush=True)
        with open(RESULTS, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({**self.run, **row}) + "\n")
        return row

    def table(self) -> str:
        lines = [f"{'bench':26}{'corpus':11}figures", "-" * 100]
        lines += [f"{r['bench']:26}{r['corpus']:11}{_short(_values(r))}" for r in self.rows]
        return "\n".join(lines)


def _values(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("bench", "corpus")}


def _short(values: dict[str, Any]) -> str:
    parts = []
    for key, value in values.items():
        if isinstance(value, dict) and "p50" in value:
            value = "/".join(f"{value[k]:g}" for k in ("p50", "p95", "p99"))
            key = f"{key} p50/p95/p99"
        elif isinstance(value, dict):
            value = ",".join(f"{k}:{v}" for k, v in value.items())
        elif isinstance(value, float):
            value = f"{value:.4g}"
        parts.append(f"{key}={value}")
    return "  ".join(parts)


class Timer:
    """`with Timer() as t: ...`, then `t.seconds`."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
