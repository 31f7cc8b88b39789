"""Multi-IF's metrics: per turn, prompt- and instruction-level accuracy, strict and loose, and
their mean (``turn_k_overall``, the card's "average accuracy"), over all languages and per
language (``turn_language`` table). Units are answers to one turn of one conversation; a turn
the conversation does not have is not a unit. Record values are IFEval's
(:func:`evalkit.tasks.ifeval.metrics.record_values`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from evalkit.metrics import Aggregate, Column, Metric, Record, Table, mean, ratio
from evalkit.records import CheckRow
from evalkit.tasks.ifeval.metrics import MODES, record_values, usable_rows

__all__ = ["DECLARED_METRICS", "DECLARED_TABLES", "TURNS", "four_rates", "overall", "record_values",
           "turn_language_table"]

TURNS = ("1", "2", "3")
ALL_LANGUAGES = "all_languages"


def four_rates(values: Sequence[dict[str, Any]]) -> dict[str, float] | None:
    """prompt_strict, inst_strict, prompt_loose, inst_loose of answers' record values, and
    ``overall``, their mean (None without answers)."""
    if not values:
        return None
    n_inst = sum(v["n_inst"] for v in values)
    out: dict[str, float] = {}
    for mode in MODES:
        out[f"prompt_{mode}"] = sum(bool(v[f"prompt_{mode}"]) for v in values) / len(values)
        out[f"inst_{mode}"] = sum(v[f"inst_{mode}"] for v in values) / n_inst if n_inst else 0.0
    out["overall"] = (out["prompt_strict"] + out["inst_strict"] + out["prompt_loose"] + out["inst_loose"]) / 4
    return out


def overall(records: Sequence[Record]) -> float | None:
    """``turn_k_overall``: the mean of the four accuracies over ``records`` (one turn's answers)."""
    rates = four_rates([dict(r.values) for r in records if r.values.get("n_inst")])
    return None if rates is None else rates["overall"]


def _turn_metrics(turn: str) -> tuple[Metric, ...]:
    where = {"turn": turn}
    return (
        Metric(f"turn_{turn}_overall", f"turn {turn}: mean of prompt/instruction strict/loose accuracy",
               Aggregate(op="custom", function="evalkit.tasks.multiif.metrics:overall", where=where),
               headline=turn in ("1", "3")),
        Metric(f"turn_{turn}_prompt_strict", f"turn {turn}: answers with every instruction followed (strict)",
               mean("prompt_strict", where=where)),
        Metric(f"turn_{turn}_inst_strict", f"turn {turn}: instructions followed (strict)",
               ratio("inst_strict", "n_inst", where=where)),
        Metric(f"turn_{turn}_prompt_loose", f"turn {turn}: answers with every instruction followed (loose)",
               mean("prompt_loose", where=where)),
        Metric(f"turn_{turn}_inst_loose", f"turn {turn}: instructions followed (loose)",
               ratio("inst_loose", "n_inst", where=where)),
    )


DECLARED_METRICS = tuple(m for turn in TURNS for m in _turn_metrics(turn))
DECLARED_TABLES = (
    Table("turn_language", "turn_language", "per turn and language (and all_languages), upstream's four "
          "accuracies and their mean", (
              Column("turn", "turn of the conversation", "label"),
              Column("language", "language of the conversation", "label"),
              Column("n", "answers scored (upstream's turn_k_prompts_number)", "count"),
              Column("prompt_strict", "answers with every instruction followed, strict"),
              Column("inst_strict", "instructions followed, strict"),
              Column("prompt_loose", "answers with every instruction followed, loose"),
              Column("inst_loose", "instructions followed, loose"),
              Column("overall", "mean of the four (turn_k_<language>_overall)"))),
)


def turn_language_table(checks: Sequence[CheckRow]) -> list[dict[str, Any]]:
    """Rows per (turn, language), ``all_languages`` first within a turn."""
    values = record_values(checks)
    where: dict[tuple[str, int], tuple[str, str]] = {}
    for row in usable_rows(checks):
        extra = row.model_extra or {}
        where[(row.sample_id, row.epoch)] = (str(extra.get("turn", "")), str(extra.get("language", "")))
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for key, vals in values.items():
        turn, language = where[key]
        groups[(turn, ALL_LANGUAGES)].append(vals)
        groups[(turn, language)].append(vals)
    rows = []
    for turn, language in sorted(groups, key=lambda k: (k[0], k[1] != ALL_LANGUAGES, k[1])):
        rates = four_rates(groups[(turn, language)]) or {}
        rows.append({"turn_language": f"{turn} {language}", "turn": turn, "language": language,
                     "n": len(groups[(turn, language)]), **rates})
    return rows
