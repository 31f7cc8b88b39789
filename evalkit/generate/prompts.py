"""How drawn constraints are written into a prompt: MulDimIF's three patterns.

* **Listing** — the question, then "The output must follow the following rules:" and a
  numbered list, as in MulDimIF;
* **Incorporation** — the constraints woven into the question as sentences with connectives;
* **Example** — three worked examples (another question with its constraint and a witness
  answer each), then the question with its constraints and an open ``**Answer**:``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from evalkit.generate.catalog import Atom

_CONNECT = {"en": ("Additionally, ", "Also, ", "Moreover, ", "In addition, "),
            "zh": ("此外，", "同时，", "另外，", "并且，")}
_LAST = {"en": "Finally, ", "zh": "最后，"}


def _lower_first(text: str) -> str:
    if text.startswith("Start identifier") or not text[:1].isalpha() or text[1:2].isupper():
        return text
    return text[0].lower() + text[1:]


def _end(text: str, lang: str) -> str:
    return text + ("。" if lang == "zh" else ".")


def listing(task: str, atoms: Sequence[Atom], lang: str) -> str:
    """The question followed by a numbered list of the constraints."""
    head = "输出必须遵循以下规则：" if lang == "zh" else "The output must follow the following rules:"
    sep = "" if lang == "zh" else " "
    rules = "\n".join(f"    {i}. {_end(a.text, lang)}" for i, a in enumerate(atoms, 1))
    return f"{task}{sep}{head} \n{rules}"


def incorporation(task: str, atoms: Sequence[Atom], lang: str, rng: random.Random) -> str:
    """The question with each constraint as one more sentence, joined by connectives."""
    parts = [task]
    for i, atom in enumerate(atoms):
        if i == 0:
            parts.append(_end(atom.text, lang))
        else:
            lead = _LAST[lang] if i == len(atoms) - 1 and i > 1 else rng.choice(_CONNECT[lang])
            parts.append(_end(lead + (atom.text if lang == "zh" else _lower_first(atom.text)), lang))
    return ("" if lang == "zh" else " ").join(parts)


def example(task: str, atoms: Sequence[Atom], lang: str, rng: random.Random,
            shots: Sequence[tuple[str, Sequence[Atom], str]]) -> str:
    """Worked examples (question, constraints, witness answer), then the question itself."""
    blocks = []
    for i, (shot_task, shot_atoms, answer) in enumerate(shots, 1):
        question = incorporation(shot_task, shot_atoms, lang, rng)
        blocks.append(f"# Example {i}:\n**Question**: {question}\n**Answer**: {answer}\n")
    blocks.append(f"**Question**: {incorporation(task, atoms, lang, rng)}\n**Answer**:")
    return "\n".join(blocks)
