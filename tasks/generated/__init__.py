"""The embedded generated pack: prompts made by ``evalkit generate``, levels I–IV, English and Chinese.

Every prompt carries MulDimIF constraints (content, format, language, length) in one of
MulDimIF's three patterns (Example, Listing, Incorporation), and ``data/generated/`` holds a
witness answer per prompt (``references.jsonl``) that passes all of them. Tables: level,
pattern, number of constraints, language, category and constraint type. Regenerate with the
command recorded in ``data/generated/pack.json``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from evalkit.datapack import data_pack


def generated_dir() -> Path:
    """Location of the generated pack inside the installed package."""
    return Path(str(resources.files("evalkit.data") / "generated"))


PACK = data_pack(generated_dir(), "generated")
