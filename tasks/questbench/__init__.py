"""QuestBench: asking the one clarifying question that makes a reasoning problem solvable.

Four subsets, graded as upstream's ``mc`` evaluation (vanilla prompts, one system + one user
turn): Logic-Q (the model writes ``Question: Is Alice X?``), Planning-Q (a numbered option among
``sorted(all_qs)``), GSM-Q and GSME-Q (``Choice: N``). Headline: accuracy; per subset
(``accuracy_logic_q`` …, and their mean ``accuracy_macro``) and per subset × depth
(``max_depth`` / ``min_depth`` / ``depth``).

The full Planning-Q file (7,500 rows) is only in the upstream tarball: it is used when found under
the data folder or cache, or downloaded (``-T planning_full=auto``, the default); otherwise
Planning-Q runs on the 100-row o1 subsample and a note on stderr, the manifest's data hashes and
the ``data_coverage`` table of ``scores.json`` say so. ``-T planning_full=off`` never looks for it,
``require`` fails without it. ``-T subsets=logic,planning,gsm,gsme`` picks subsets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from evalkit.datafiles import DataFile, sha256_of
from evalkit.errors import DataError, EvalkitError
from evalkit.packs import TaskPack
from evalkit.records import CheckRow
from evalkit.scoring import wilson
from evalkit.tasks.questbench import metrics, prompts
from evalkit.tasks.questbench.data import find_optional, note, parse_row, read_rows
from evalkit.types import Constraint, Sample

LOGIC = DataFile("Logic-Q/simplelogic_heldout_1k.csv", "3c8cbea015debd15e73bb8e8af6fc76157ef56c0c96169bf774e9597bf2ff456")
PLANNING_O1 = DataFile("Planning-Q/planning_heldout_7500_o1_subsample.csv",
                       "0e45d0515d227c90038f8ef1bba2ced9342ef30064bc1088b5b61465e19b112e")
DOMAIN = DataFile("Planning-Q/task_pddls/blocks/domain.pddl", "3ef85edaf88fac8dd668e6e0b49657551b94c37940d8c424eb9c27429f980d3d")
GSM_VERBAL = DataFile("GSM-Q/gsm_verbal_heldout_pilot.csv", "4d85192986ae8acb34215a10567ebf48115208033041627d2bdc735ab5ebf487")
GSM_CSP = DataFile("GSM-Q/gsm_CSP_heldout_pilot.csv", "6c7172c04e615e1144f079097561d988ef2bad4c95ab920f8d1550ff6ade4e12")
# not vendored: a member of https://storage.googleapis.com/questbench/questbench_data.tar.gz (no
# published checksum, so not pinned)
PLANNING_FULL = DataFile("Planning-Q/planning_heldout_7500.csv", url="https://storage.googleapis.com/questbench/questbench_data.tar.gz")

SUBSETS = {"logic": "Logic-Q", "planning": "Planning-Q", "gsm": "GSM-Q", "gsme": "GSME-Q"}
EXPECTED_ROWS = {"Logic-Q": 1150, "Planning-Q": 7500, "GSM-Q": 288, "GSME-Q": 151}
DEPTH_COLUMN = {"Logic-Q": "max_depth", "Planning-Q": "min_depth", "GSM-Q": "depth", "GSME-Q": "depth"}
OPTIONS = {"mode": ("strict",), "planning_full": ("auto", "off", "require")}


def logic_samples(path: Path, pack: str) -> list[Sample]:
    """Logic-Q samples: gold = any attribute of ``gt_qs``."""
    cols = ("known_facts", "known_untrue_facts", "cannot_ask_facts", "rules", "gt_qs")
    out = []
    for i, raw in read_rows(path):
        row = parse_row(path, i, raw, cols, ())
        try:
            messages = prompts.logic_messages(row)
        except ValueError as exc:
            raise DataError(f"{path}: row {i}: {exc}") from None
        gold = [str(q) for q in row["gt_qs"]]
        out.append(Sample(id=f"logic/{i}", pack=pack, messages=messages, reference=gold,
                          constraints=(Constraint("questbench.logic_question", {"gt_qs": gold}),),
                          meta=_meta("Logic-Q", row["max_depth"], path)))
    return out


def planning_samples(path: Path, domain_pddl: str, prefix: str, pack: str) -> list[Sample]:
    """Planning-Q samples: gold = the option numbers whose fact is in ``gt_qs``."""
    out = []
    for i, raw in read_rows(path):
        row = parse_row(path, i, raw, ("gt_qs", "all_qs"), ())
        options, _ = prompts.planning_options([str(q) for q in row["all_qs"]])
        gold = sorted(str(q) for q in row["gt_qs"])
        params = {"options": options, "gt_qs": gold}
        out.append(Sample(id=f"{prefix}/{i}", pack=pack, messages=prompts.planning_messages(row, domain_pddl),
                          reference=[n for n, fact in enumerate(options) if fact.strip() in gold],
                          constraints=(Constraint("questbench.planning_option", params),),
                          meta=_meta("Planning-Q", row["min_depth"], path)))
    return out


def gsm_samples(path: Path, verbal: bool, pack: str) -> list[Sample]:
    """GSM-Q (``verbal``) or GSME-Q samples: gold = index of ``GT Question`` among the options."""
    subset, prefix = ("GSM-Q", "gsm") if verbal else ("GSME-Q", "gsme")
    out = []
    for i, raw in read_rows(path):
        row = parse_row(path, i, raw, (), ("Possible Questions", "Variables"))
        fields = {"problem": row["Rewritten Problem"], "possible": row["Possible Questions"],
                  "variables": row["Variables"], "gt": row["GT Question"]}
        try:
            lines, gold = prompts.gsm_options(fields, verbal)
        except (KeyError, TypeError) as exc:
            raise DataError(f"{path}: row {i}: variable {exc} has no description") from None
        params = {"gt_index": gold, "n_options": len(lines)}
        out.append(Sample(id=f"{prefix}/{i}", pack=pack, messages=prompts.gsm_messages(fields, verbal), reference=gold,
                          constraints=(Constraint("questbench.gsm_choice", params),),
                          meta={**_meta(subset, row["depth"], path), "question_id": row.get("Question ID", "")}))
    return out


def _meta(subset: str, depth: str, path: Path) -> dict[str, Any]:
    return {"subset": subset, "depth": str(depth).strip(), "source": f"{path.parent.name}/{path.name}"}


class QuestBench(TaskPack):
    name = "questbench"
    version = "4a6a10d"
    description = ("QuestBench mc: Logic-Q 1,150, Planning-Q 7,500 (100-row subsample when the full file is "
                   "absent), GSM-Q 288, GSME-Q 151; one response graded, unparsable = wrong (no re-query)")
    license = "data CC-BY 4.0 (Google LLC); blocksworld PDDL GPL-3.0-or-later (pyperplan), read from the data folder"
    source = "github.com/google-deepmind/questbench @ 4a6a10d; https://storage.googleapis.com/questbench/questbench_data.tar.gz"
    data_files = (LOGIC, PLANNING_O1, DOMAIN, GSM_VERBAL, GSM_CSP)
    modes = ("strict",)
    sample_tables = ("subset",)
    declared_metrics = metrics.DECLARED_METRICS
    declared_tables = metrics.DECLARED_TABLES
    default_max_tokens = 512
    optional_files: ClassVar[tuple[DataFile, ...]] = (PLANNING_FULL,)

    def __init__(self) -> None:
        self._data_dir: Path | None = None
        self._coverage: list[dict[str, Any]] = []
        self._full_planning: Path | None = None

    def check_options(self, options: dict[str, str]) -> None:
        """Accept ``mode``, ``planning_full`` (auto/off/require) and ``subsets`` (comma list)."""
        for key, value in options.items():
            if key == "subsets":
                bad = [s for s in value.split(",") if s.strip() not in SUBSETS]
                if bad:
                    raise EvalkitError(f"pack 'questbench': unknown subsets {bad} (known: {', '.join(SUBSETS)})")
            elif key not in OPTIONS:
                raise EvalkitError(f"pack 'questbench' has no option {key!r} (known: {', '.join([*OPTIONS, 'subsets'])})")
            elif value not in OPTIONS[key]:
                raise EvalkitError(f"pack 'questbench': {key} must be one of {', '.join(OPTIONS[key])}, not {value!r}")

    def load(self, data_dir: Path | None = None, options: dict[str, str] | None = None) -> list[Sample]:
        """As :meth:`TaskPack.load`, remembering ``data_dir`` to look for the full Planning-Q file."""
        self._data_dir = data_dir
        return super().load(data_dir, options)

    def load_samples(self, paths: dict[str, Path], options: dict[str, str]) -> list[Sample]:
        """Samples of the chosen subsets, recording which file fed each (``data_coverage``)."""
        chosen = [s.strip() for s in options.get("subsets", ",".join(SUBSETS)).split(",")]
        self._coverage = []
        samples: list[Sample] = []
        if "logic" in chosen:
            samples += self._covered("Logic-Q", paths[LOGIC.path], logic_samples(paths[LOGIC.path], self.name))
        if "planning" in chosen:
            samples += self._planning(paths, options.get("planning_full", "auto"))
        if "gsm" in chosen:
            samples += self._covered("GSM-Q", paths[GSM_VERBAL.path], gsm_samples(paths[GSM_VERBAL.path], True, self.name))
        if "gsme" in chosen:
            samples += self._covered("GSME-Q", paths[GSM_CSP.path], gsm_samples(paths[GSM_CSP.path], False, self.name))
        return samples

    def _planning(self, paths: dict[str, Path], policy: str) -> list[Sample]:
        domain = paths[DOMAIN.path].read_text(encoding="utf-8")
        full, why = (None, "not looked for (planning_full=off)") if policy == "off" else \
            find_optional(self.name, PLANNING_FULL, self._data_dir, allow_download=True)
        self._full_planning = full
        if full is not None:
            return self._covered("Planning-Q", full, planning_samples(full, domain, "planning", self.name))
        if policy == "require":
            raise DataError(f"questbench: {PLANNING_FULL.path} required (-T planning_full=require) but {why}")
        sub = paths[PLANNING_O1.path]
        samples = planning_samples(sub, domain, "planning-o1", self.name)
        note(f"{PLANNING_FULL.path} {why}; Planning-Q runs on the {len(samples)}-row o1 subsample "
             f"({EXPECTED_ROWS['Planning-Q'] - len(samples)} of {EXPECTED_ROWS['Planning-Q']} rows skipped)")
        return self._covered("Planning-Q", sub, samples, skipped=f"{PLANNING_FULL.path}: {why}")

    def _covered(self, subset: str, path: Path, samples: list[Sample], skipped: str = "") -> list[Sample]:
        expected = EXPECTED_ROWS[subset]
        self._coverage.append({"subset": subset, "file": f"{path.parent.name}/{path.name}", "loaded": len(samples),
                               "expected": expected, "skipped": max(expected - len(samples), 0),
                               "status": "partial" if skipped else "full", "note": skipped})
        return samples

    def data_hashes(self, data_dir: Path | None = None) -> dict[str, str]:
        """sha256 of each file read; the full Planning-Q file shows as used or ``absent: …``."""
        hashes = super().data_hashes(data_dir)
        full = self._full_planning
        partial = [c["note"] for c in self._coverage if c["status"] == "partial"]
        hashes[PLANNING_FULL.path] = sha256_of(full) if full else f"absent: {partial[0] if partial else 'not loaded'}"
        return hashes

    def record_values(self, checks: Sequence[CheckRow]) -> dict[tuple[str, int], dict[str, Any]]:
        """Per question: checks passed of checks counted (see :mod:`.metrics`)."""
        return metrics.record_values(checks)

    def compute_tables(self, checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
        """``depth_<subset>``: accuracy per depth value (numeric order) of each subset;
        ``data_coverage``: per subset, passed/n = rows loaded / rows of the full upstream file,
        with the file read and what was skipped (the full Planning-Q file may be absent)."""
        per = _tally(checks, lambda extra: (str(extra.get("subset", "")), str(extra.get("depth", ""))))
        tables: dict[str, list[dict[str, Any]]] = {}
        for (subset, depth), (k, n) in sorted(per.items(), key=lambda kv: _num(kv[0][1])):
            name = "depth_" + subset.lower().replace("-", "_")
            lo, hi = wilson(k, n)
            tables.setdefault(name, []).append({name: depth, "depth_column": DEPTH_COLUMN.get(subset, ""),
                                                "n": n, "passed": k, "rate": k / n if n else None,
                                                "ci_low": lo, "ci_high": hi})
        tables["data_coverage"] = [_coverage_row(c) for c in self._coverage]
        return dict(sorted(tables.items(), key=lambda kv: _rank(kv[0])))


def _coverage_row(c: dict[str, Any]) -> dict[str, Any]:
    label = f"{c['subset']} from {c['file']}"
    if c["skipped"]:
        label += f": {c['skipped']} of {c['expected']} rows skipped ({c['note'] or 'file has fewer rows'})"
    return {"data_coverage": label, "n": c["expected"], "passed": c["loaded"],
            "rate": min(c["loaded"] / c["expected"], 1.0) if c["expected"] else None, "ci_low": None, "ci_high": None,
            **{k: c[k] for k in ("subset", "file", "loaded", "expected", "skipped", "status", "note")}}


def _tally(checks: Sequence[CheckRow], key: Any) -> dict[tuple[str, ...], tuple[int, int]]:
    out: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0])
    for c in checks:
        if c.status != "ok":
            continue
        cell = out[key(c.model_extra or {})]
        cell[0] += bool(c.passed)
        cell[1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def _rank(table: str) -> int:
    keys = [f"depth_{key}" for key in ("logic_q", "planning_q", "gsm_q", "gsme_q")]
    return keys.index(table) if table in keys else len(keys)


def _num(text: str) -> tuple[int, float, str]:
    try:
        return (0, float(text), text)
    except ValueError:
        return (1, 0.0, text)


PACK = QuestBench()
