"""Draw docs/performance.png from bench/results.jsonl (the latest run of each label).

Example: python -m bench.plot --label current --baseline baseline
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from typing import Any

from bench.common import RESULTS, ROOT

OUT = ROOT / "docs" / "performance.png"


def latest(label: str) -> list[dict[str, Any]]:
    """Rows of the newest run of `label` (a run may be spread over several invocations:
    the newest row of each (bench, corpus, config, type, nprobe) wins)."""
    rows = [json.loads(x) for x in RESULTS.read_text().splitlines() if x.strip()]
    best: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        if row["label"] != label:
            continue
        key = (row["bench"], row["corpus"], row.get("config"), row.get("type"), row.get("nprobe"))
        best[key] = row
    return list(best.values())


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="current")
    parser.add_argument("--baseline", default="baseline")
    args = parser.parse_args()
    rows = latest(args.label)
    base = latest(args.baseline)
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    fig.suptitle("Clinic chatbot on 2 CPU cores: latency, throughput, search at 1M passages")

    ax = axes[0][0]  # HTTP latency at concurrency 1
    bars = [
        (f"{r['corpus']}\n{r.get('config')}", r["latency_ms"])
        for group in (base, rows)
        for r in sorted(group, key=lambda r: (r["corpus"], r.get("config", "")))
        if r["bench"] == "http-c1"
    ]
    names = [n for n, _ in bars]
    xs = range(len(bars))
    ax.bar([x - 0.2 for x in xs], [b[1]["p50"] for b in bars], 0.4, label="p50")
    ax.bar([x + 0.2 for x in xs], [b[1]["p99"] for b in bars], 0.4, label="p99")
    ax.axhline(6, color="green", ls="--", lw=1, label="target p50 6 ms")
    ax.axhline(20, color="red", ls="--", lw=1, label="target p99 20 ms")
    ax.set_xticks(list(xs), names, fontsize=7)
    ax.set_ylabel("ms")
    ax.set_title("POST /api/chat, one connection (distinct questions)")
    ax.legend(fontsize=7)
    n_base = sum(1 for r in base if r["bench"] == "http-c1")
    if n_base:
        ax.axvline(n_base - 0.5, color="grey", lw=0.8)
        ax.text(n_base / 2 - 0.5, ax.get_ylim()[1] * 0.92, "before", ha="center", fontsize=8)
        ax.text(n_base + (len(bars) - n_base) / 2 - 0.5, ax.get_ylim()[1] * 0.92, "after",
                ha="center", fontsize=8)  # fmt: skip

    ax = axes[0][1]  # throughput against concurrency
    series: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for label, group in (("before", base), ("after", rows)):
        for r in group:
            if r["bench"] in ("http-c1", "http-c8", "http-c32"):
                series[f"{label} {r['corpus']} {r.get('config')}"].append(
                    (r["connections"], r["rps"])
                )
    for name, points in sorted(series.items()):
        points.sort()
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                ls=":" if name.startswith("before") else "-", label=name)  # fmt: skip
    ax.axhline(300, color="green", ls="--", lw=1, label="target 300 req/s at 32")
    ax.set_xscale("log", base=2)
    ax.set_xticks([1, 8, 32], ["1", "8", "32"])
    ax.set_xlabel("concurrent connections (wrk)")
    ax.set_ylabel("requests/s (zero errors)")
    ax.set_title("Throughput, distinct questions")
    ax.legend(fontsize=6)

    ax = axes[1][0]  # FAISS at 1M
    ann = [r for r in rows if r["bench"] == "ann-search"]
    ivf = sorted((r for r in ann if r.get("type") == "ivf"), key=lambda r: r["nprobe"])
    if ivf:
        ax.plot([r["search_ms"]["p50"] for r in ivf], [r["recall_at_10"] for r in ivf], marker="o",
                label=f"IVF-Flat, {ivf[0].get('cells')} cells")  # fmt: skip
        for r in ivf:
            ax.annotate(f"nprobe {r['nprobe']}", (r["search_ms"]["p50"], r["recall_at_10"]),
                        fontsize=7, xytext=(4, -10), textcoords="offset points")  # fmt: skip
    for r in ann:
        if r.get("type") == "flat":
            ax.scatter([r["search_ms"]["p50"]], [1.0], color="black", label="exact (flat)")
    ax.axvline(2, color="green", ls="--", lw=1, label="target p50 2 ms")
    ax.axhline(0.95, color="red", ls="--", lw=1, label="target recall@10 0.95")
    ax.set_xscale("log")
    ax.set_xlabel("search p50, ms (one thread)")
    ax.set_ylabel("recall@10 against exact")
    ax.set_title("FAISS at 1,000,000 passages")
    ax.legend(fontsize=7)

    ax = axes[1][1]  # in-process breakdown, before and after
    parts = ["embed_ms", "search_ms", "decide_ms"]
    stacks = [
        (f"{label}\n{r['corpus']}", r)
        for label, group in (("before", base), ("after", rows))
        for r in sorted(group, key=lambda r: r["corpus"])
        if r["bench"] == "inprocess"
    ]
    # Before this issue nothing was cached, so its "parts" each re-embed: show its whole ask.
    before = [i for i, (name, _) in enumerate(stacks) if name.startswith("before")]
    after = [i for i in range(len(stacks)) if i not in before]
    ax.bar(before, [stacks[i][1]["ask_ms"]["p50"] for i in before], color="grey",
           hatch="//", label="whole ask (before: no parts)")  # fmt: skip
    bottom = [0.0] * len(after)
    for part in parts:
        values = [stacks[i][1][part]["p50"] for i in after]
        ax.bar(after, values, bottom=bottom, label=part.removesuffix("_ms"))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.scatter(after, [stacks[i][1]["ask_ms"]["p50"] for i in after], color="black",
               marker="_", s=400, label="whole ask p50")  # fmt: skip
    ax.set_xticks(range(len(stacks)), [s[0] for s in stacks], fontsize=8)
    ax.set_ylabel("ms (p50 of each part)")
    ax.set_title("In-process answer: embed + search + decide")
    ax.legend(fontsize=7)

    fig.tight_layout()
    OUT.parent.mkdir(exist_ok=True)
    fig.savefig(OUT, dpi=110)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
