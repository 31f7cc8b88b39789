"""MulDimIF pack: loading, and conformance of the full pipeline with upstream verdicts.

Every per-constraint verdict that upstream's evaluator gave for 7 canned responses × 1,200
samples must come out of ``evalkit score --pack muldimif --responses`` unchanged, and the tables
must equal an independent aggregation of those upstream verdicts (groups with no pass included).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.tasks.muldimif import PACK
from evalkit.tasks.muldimif.mapping import RAW_KEYS

LEVEL = {"Level 1": "I", "Level 2": "II", "Level 3": "III", "Level 4": "IV"}


def test_loads_all_samples(shared_data: Path) -> None:
    samples = PACK.load(shared_data)
    assert len(samples) == 1200
    assert sum(len(s.constraints) for s in samples) == 4180
    assert Counter(s.meta["level"] for s in samples) == {"I": 300, "II": 300, "III": 300, "IV": 300}
    categories = Counter(c.dimensions["category"] for s in samples for c in s.constraints)
    assert categories == {"Content": 1175, "Format": 1210, "Language": 694, "Length": 1101}


@pytest.fixture(scope="module")
def canned(shared_data: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((shared_data / "muldimif" / "upstream_verdicts_canned_responses.json").read_text())
    return data


def _upstream_tables(samples: list[dict[str, Any]], judges: dict[str, list[int]]) -> dict[str, dict[str, tuple[int, int]]]:
    """Aggregate upstream judges the way upstream's get_score does, keeping zero-pass groups."""
    tables: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for s in samples:
        j = judges[s["id"]]
        ok = int(all(j))
        for name, value in (("level", LEVEL[s["difficulty"]]), ("pattern", s["constraint_pattern"])):
            tables[name][value][0] += ok
            tables[name][value][1] += 1
        per_cat: dict[str, list[int]] = defaultdict(list)
        for (cat, sub, _), v in zip(s["constraints"], j, strict=True):
            canonical = RAW_KEYS[f"{cat}_{sub}"][1]
            per_cat[canonical.split("_")[0]].append(v)
            tables["type"][canonical][0] += v
            tables["type"][canonical][1] += 1
        for cat, vs in per_cat.items():
            tables["category"][cat][0] += int(all(vs))
            tables["category"][cat][1] += 1
    return {t: {k: (v[0], v[1]) for k, v in rows.items()} for t, rows in tables.items()}


@pytest.mark.parametrize("response_name", ["empty", "plain_en", "title_case_en", "upper_en", "markdown_table", "json_block", "chinese"])
def test_canned_responses_match_upstream(response_name: str, canned: dict[str, Any], shared_data: Path, tmp_path: Path) -> None:
    text = canned["canned_responses"][response_name]
    samples = json.loads((shared_data / "muldimif" / "test.json").read_text())
    responses = tmp_path / "responses.jsonl"
    responses.write_text("".join(json.dumps({"id": s["id"], "response": text}) + "\n" for s in samples))
    out = tmp_path / "scored"
    result = CliRunner().invoke(main, ["score", "--pack", "muldimif", "--responses", str(responses), "--out", str(out),
                                       "--data-dir", str(shared_data)])
    assert result.exit_code == 0, result.output

    judges = {row["id"]: row["judges"] for row in canned["verdicts"] if row["response_name"] == response_name}
    checks = [json.loads(line) for line in (out / "checks.jsonl").read_text().splitlines()]
    assert len(checks) == sum(len(s["constraints"]) for s in samples)
    mismatches = [(c["sample_id"], c["constraint_index"]) for c in checks
                  if c["status"] != "ok" or int(c["passed"]) != judges[c["sample_id"]][c["constraint_index"]]]
    assert mismatches == [], f"{len(mismatches)} verdicts differ from upstream, first: {mismatches[:5]}"

    scores = json.loads((out / "scores.json").read_text())["packs"]["muldimif"]
    expected = _upstream_tables(samples, judges)
    for table, rows in expected.items():
        got = {str(r[table]): (r["passed"], r["n"]) for r in scores["tables"][table]}
        assert got == rows, table
    assert scores["metrics"]["accuracy"] == sum(all(j) for j in judges.values()) / 1200
    level_iv = next(r for r in scores["tables"]["level"] if r["level"] == "IV")
    assert level_iv["n"] == 300  # always present, even with 0 passes


def test_strict_mode_skips_unparsed_constraints_and_reports_deviations(canned: dict[str, Any], shared_data: Path, tmp_path: Path) -> None:
    samples = json.loads((shared_data / "muldimif" / "test.json").read_text())
    responses = tmp_path / "responses.jsonl"
    text = canned["canned_responses"]["plain_en"]
    responses.write_text("".join(json.dumps({"id": s["id"], "response": text}) + "\n" for s in samples))
    args = ["score", "--pack", "muldimif", "--responses", str(responses), "--data-dir", str(shared_data)]
    assert CliRunner().invoke(main, [*args, "--out", str(tmp_path / "compat")]).exit_code == 0
    assert CliRunner().invoke(main, [*args, "--out", str(tmp_path / "strict"), "-T", "mode=strict"]).exit_code == 0
    compat = [json.loads(x) for x in (tmp_path / "compat" / "checks.jsonl").read_text().splitlines()]
    strict = [json.loads(x) for x in (tmp_path / "strict" / "checks.jsonl").read_text().splitlines()]
    skipped = [(c, s) for c, s in zip(compat, strict, strict=True) if s["status"] == "skipped"]
    assert skipped, "strict mode should skip constraints upstream cannot interpret"
    assert all(s["details"]["compat_passed"] == c["passed"] for c, s in skipped)
    assert all(c["passed"] == s["passed"] for c, s in zip(compat, strict, strict=True) if s["status"] == "ok")
    table = json.loads((tmp_path / "strict" / "scores.json").read_text())["packs"]["muldimif"]["tables"]["strict_vs_compat"]
    assert sum(r["compat_passed"] + r["compat_failed"] for r in table) == len(skipped)
