"""The ONNX export of the embedding model: made once, offline, from the local model.

torch's exporter traces the transformer up to its last hidden state into
``.cache/onnx/<model>-<fingerprint>/``; tokenising, mean pooling and normalising
stay in Python (bot/search/runtimes.py), as sentence-transformers does them. An export
is kept only if it reproduces sentence-transformers' own vectors.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from bot.search.runtimes import OnnxRuntime, TorchRuntime
from bot.settings import ROOT, Settings

log = logging.getLogger("bot")

CACHE_DIR = ROOT / ".cache" / "onnx"
# The export must reproduce sentence-transformers' vectors this closely, or it is not used.
EXPORT_TOLERANCE = 1e-4
ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _fingerprint(model_path: str) -> str:
    """Changes when the model's files change (by name, size and time)."""
    root = Path(model_path)
    parts = [str(root.resolve())]
    for path in sorted(root.rglob("*")):
        if path.is_file():
            stat = path.stat()
            parts.append(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def onnx_folder(model_path: str, cache_dir: Path = CACHE_DIR) -> Path:
    """Where the ONNX export of `model_path` lives."""
    return cache_dir / f"{Path(model_path).name}-{_fingerprint(model_path)}"


def _check_exportable(model_path: str) -> tuple[Path, int]:
    """The tokenizer file and max length, if the model is a mean-pooled, normalised encoder."""
    root = Path(model_path)
    modules = json.loads((root / "modules.json").read_text())
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds not in (["Transformer", "Pooling", "Normalize"], ["Transformer", "Pooling"]):
        raise ValueError(f"model modules {kinds} are not a plain mean-pooled encoder")
    pooling = json.loads((root / modules[1]["path"] / "config.json").read_text())
    if not pooling.get("pooling_mode_mean_tokens") or any(
        v
        for k, v in pooling.items()
        if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens"
    ):
        raise ValueError("only mean pooling is exported")
    tokenizer = root / "tokenizer.json"
    if not tokenizer.is_file():
        raise ValueError("the model has no tokenizer.json")
    config = json.loads((root / "sentence_bert_config.json").read_text())
    return tokenizer, int(config.get("max_seq_length", 256))


def ensure_onnx(model_path: str, cache_dir: Path = CACHE_DIR) -> Path:
    """The folder of the ONNX export of the local model `model_path`, exporting it if missing.

    Exporting reads only the local files (never a hub), takes a few seconds, and
    is checked against sentence-transformers before it is kept.

    Example: ``ensure_onnx(Settings().model_path())``
    """
    import onnxruntime  # noqa: F401  # fail early, and fall back to torch, when missing

    folder = onnx_folder(model_path, cache_dir)
    if (folder / "meta.json").is_file():
        return folder
    tokenizer, max_length = _check_exportable(model_path)
    log.info("exporting %s to ONNX in %s", model_path, folder)
    tmp = folder.with_name(f".tmp-{folder.name}-{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    inputs, dim = _export(model_path, tmp / "model.onnx")
    meta = {
        "model": model_path,
        "dim": dim,
        "inputs": inputs,
        "tokenizer": str(tokenizer),
        "max_seq_length": max_length,
    }
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2))
    diff = _verify(model_path, tmp)
    meta["max_abs_diff"] = diff
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2))
    try:
        tmp.rename(folder)  # another process may have won the race: keep its export
    except OSError:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _export(model_path: str, out: Path) -> tuple[list[str], int]:
    """Trace the transformer (up to its last hidden state) into `out`."""
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_path, device="cpu")
    transformer: Any = model[0].auto_model
    transformer.eval()
    sample = model.tokenizer(["an example question for tracing"], return_tensors="pt")
    inputs = [name for name in ONNX_INPUTS if name in sample]

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = transformer

        def forward(self, *args: torch.Tensor) -> torch.Tensor:
            hidden: torch.Tensor = self.inner(**dict(zip(inputs, args, strict=True)))[0]
            return hidden

    axes = {name: {0: "batch", 1: "tokens"} for name in [*inputs, "hidden"]}
    # The tracer warns about Python branches on shapes; the check in _verify is what counts.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Hidden(),
            tuple(sample[name] for name in inputs),
            str(out),
            input_names=inputs,
            output_names=["hidden"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    dim = model.get_embedding_dimension()
    if dim is None:
        raise ValueError(f"model {model_path} does not report an embedding dimension")
    return inputs, dim


_CHECK_TEXTS = [
    "Is exosome therapy approved in Australia?",
    "what are the side effects",
    "  Exosomes are tiny vesicles released by cells; they carry proteins, lipids and RNA. " * 12,
    "Recovery — Facelift: most patients return to work after two weeks.",
]


def _verify(model_path: str, folder: Path) -> float:
    """Largest difference from sentence-transformers' own vectors; raises when too large."""
    reference = TorchRuntime(model_path).encode(_CHECK_TEXTS, 32, False)
    runtime = OnnxRuntime(folder)
    single = np.stack([runtime.encode([t], 32, False)[0] for t in _CHECK_TEXTS])
    batched = runtime.encode(_CHECK_TEXTS, 2, False)
    diff = float(max(np.abs(single - reference).max(), np.abs(batched - reference).max()))
    if diff > EXPORT_TOLERANCE:
        raise RuntimeError(f"ONNX export differs from the model by {diff:.2e}")
    return diff


if __name__ == "__main__":
    # `python -m bot.search.onnx_export`: export the configured model at install time
    # (see Makefile).
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(ensure_onnx(Settings().model_path()))
