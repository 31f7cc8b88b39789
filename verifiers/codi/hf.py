"""Upstream's Hugging Face classifiers (``evaluate.py``: ``classify_topic``/``classify_sentiment``).

The text is tokenised whole and the ids cut to the first 512 (so a long text loses its end-of-
sequence token, as upstream); logits go through softmax (3- or 7-class sentiment/emotion models,
label names by upstream's index maps) or sigmoid (the 19-label topic model). Needs the extra
``codi-hf`` (transformers + torch); weights come from the local Hugging Face cache or a path.
"""

from __future__ import annotations

from typing import Any

from evalkit.errors import EvalkitError
from evalkit.verifiers.codi.classifiers import EMOTION7, SENTIMENT3, TOPICS19, Prediction

MAX_TOKENS = 512


def hf_available(model: str) -> bool:
    """True when transformers and torch import and ``model`` is a local folder or in the HF cache."""
    import importlib.util
    from pathlib import Path

    if importlib.util.find_spec("transformers") is None or importlib.util.find_spec("torch") is None:
        return False
    if Path(model).is_dir():
        return True
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return False
    return isinstance(try_to_load_from_cache(model, "config.json"), str)


class HFClassifier:
    """One sequence-classification model; ``predict`` maps its outputs as upstream does."""

    faithful = True

    def __init__(self, model: str, device: str | None = None) -> None:
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as exc:
            raise EvalkitError(f"classifier hf:{model} needs transformers and torch: pip install 'evalkit-if[codi-hf]' ({exc})") from None
        self.name = f"hf:{model}"
        self._torch: Any = torch
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.tokenizer = AutoTokenizer.from_pretrained(model)
        self.model = AutoModelForSequenceClassification.from_pretrained(model).to(self.device).eval()

    def logits(self, text: str) -> list[float]:
        """Raw logits of the model for ``text`` cut to 512 tokens."""
        enc = self.tokenizer(text, return_tensors="pt")
        ids = enc["input_ids"][:, :MAX_TOKENS].to(self.device)
        mask = enc["attention_mask"][:, :MAX_TOKENS].to(self.device)
        with self._torch.no_grad():
            out = self.model(input_ids=ids, attention_mask=mask)[0][0]
        return [float(x) for x in out.float().cpu().tolist()]

    def predict(self, kind: str, text: str) -> Prediction:
        """Softmax argmax for sentiment/emotion models, sigmoid scores for the topic model."""
        return map_logits(kind, self.logits(text), self.name)


def map_logits(kind: str, logits: list[float], name: str = "hf") -> Prediction:
    """Upstream's output mapping, in float32 like its numpy/scipy code: sigmoid and the 19 topic
    names for ``topic``; else softmax and the 3-class (sentiment) or 7-class (emotion) names by
    the number of outputs. The top label is the first maximum (``np.argmax``)."""
    import numpy as np

    raw = np.asarray(logits, dtype=np.float32)
    if kind == "topic":
        names: tuple[str, ...] = TOPICS19
        probs = np.float32(1) / (np.float32(1) + np.exp(-raw))
    else:
        names = {3: SENTIMENT3, 7: EMOTION7}.get(len(raw), ())
        shifted = np.exp(raw - raw.max()) if len(raw) else raw
        probs = shifted / shifted.sum()
    if len(names) != len(raw):
        raise EvalkitError(f"{name} gives {len(raw)} outputs; not a CoDI-Eval {kind} classifier")
    values = [float(p) for p in probs]
    return Prediction(names[int(np.argmax(probs))], dict(zip(names, values, strict=True)))
