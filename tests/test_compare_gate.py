"""The compare gate's rules on runs written as plain files (a pack evalkit does not have, so
compare provably needs only ``scores.json`` and ``records.jsonl``): declared direction,
Holm–Bonferroni across headlines, and the tests it picks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.compare import holm, mcnemar_exact
from evalkit.metrics import Metric, Record, compute, mean, ratio
from evalkit.scoring import metric_ci

PACK = "toy"


def _write_run(path: Path, columns: dict[str, list[int]], metrics: list[Metric]) -> Path:
    """A run of pack ``toy``: unit i has ``values[name] = columns[name][i]``; scores computed by
    the declarations, as the scorer does."""
    n = len(next(iter(columns.values())))
    records = [Record(PACK, f"s{i}", 0, {"level": str(i % 3)}, {k: v[i] for k, v in columns.items()}) for i in range(n)]
    path.mkdir(parents=True)
    (path / "run.json").write_text(json.dumps({"packs": {PACK: {"version": "1", "data_sha256": {}}}}))
    (path / "records.jsonl").write_text("".join(json.dumps(r.to_json()) + "\n" for r in records))
    values = {m.name: compute(m.aggregate, records) for m in metrics}
    cis = {m.name: metric_ci(m, records, values[m.name]) for m in metrics}
    scores: dict[str, Any] = {"schema_version": 2, "packs": {PACK: {
        "version": "1", "metrics": values, "ci": {k: v[0] for k, v in cis.items()}, "tables": {}, "counts": {},
        "metric_declarations": [{**m.to_json(), "ci_method": cis[m.name][1]} for m in metrics],
        "table_declarations": []}}}
    (path / "scores.json").write_text(json.dumps(scores))
    return path


def _compare(base: Path, cur: Path, *extra: str) -> tuple[int, str, dict[str, Any]]:
    result = CliRunner().invoke(main, ["compare", str(base), str(cur), *extra])
    path = cur / "compare.json"
    return result.exit_code, result.output, json.loads(path.read_text()) if path.is_file() else {}


ERROR_RATE = Metric("error_rate", "share of answers with an error", mean("error"), "lower", headline=True)


def test_lower_is_better_direction(tmp_path: Path) -> None:
    base = [1 if i % 10 == 0 else 0 for i in range(400)]  # 10% errors
    more = [1 if i % 10 < 3 else 0 for i in range(400)]  # 30% errors
    fewer = [0] * 400
    a = _write_run(tmp_path / "a", {"error": base}, [ERROR_RATE])
    code, out, diff = _compare(a, _write_run(tmp_path / "more", {"error": more}, [ERROR_RATE]))
    assert code == 1 and diff["regressions"] == ["toy.error_rate"] and "lower is better" in out
    code, out, diff = _compare(a, _write_run(tmp_path / "fewer", {"error": fewer}, [ERROR_RATE]))
    change = diff["metrics"][0]
    assert code == 0 and change["significant"] and change["delta"] < 0 and not change["regression"], out


def test_higher_is_better_improvement_is_not_a_regression(tmp_path: Path) -> None:
    metric = Metric("ok_rate", "share ok", mean("ok"), headline=True)
    a = _write_run(tmp_path / "a", {"ok": [i % 2 for i in range(400)]}, [metric])
    b = _write_run(tmp_path / "b", {"ok": [1] * 400}, [metric])
    code, _, diff = _compare(a, b)
    assert code == 0 and diff["metrics"][0]["significant"]
    code, _, diff = _compare(b, a)
    assert code == 1 and diff["regressions"] == ["toy.ok_rate"]


def test_holm_bonferroni() -> None:
    rejected, adjusted = holm([0.01, 0.04, 0.03], 0.05)
    assert rejected == [True, False, False]
    assert adjusted == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.001, 0.02], 0.05)[0] == [True, True]


def _two_discordant(worse: int, better: int, n: int = 200) -> tuple[list[int], list[int]]:
    base = [1 if i < worse else 0 for i in range(n)]
    cur = [0 if i < worse else (1 if i < worse + better else 0) for i in range(n)]
    return base, cur


def test_holm_keeps_two_borderline_drops_from_alarming(tmp_path: Path) -> None:
    # 10 pass→fail against 2 fail→pass: p ≈ 0.039 < 0.05 alone, but not < 0.025 (two tests)
    assert 0.025 < mcnemar_exact(10, 2) < 0.05
    base, cur = _two_discordant(10, 2)
    one = [Metric("a", "", mean("a"), headline=True)]
    two = [*one, Metric("b", "", mean("b"), headline=True)]
    code, _, diff = _compare(_write_run(tmp_path / "a1", {"a": base}, one), _write_run(tmp_path / "b1", {"a": cur}, one))
    assert code == 1 and diff["regressions"] == ["toy.a"]
    code, out, diff = _compare(_write_run(tmp_path / "a2", {"a": base, "b": base}, two),
                               _write_run(tmp_path / "b2", {"a": cur, "b": cur}, two))
    assert code == 0 and diff["regressions"] == [] and "holm-bonferroni over 2" in out
    assert all(m["p_holm"] > 0.05 for m in diff["metrics"])


def test_non_headline_metrics_are_reported_not_gated(tmp_path: Path) -> None:
    metrics = [Metric("a", "", mean("a"), headline=True), Metric("micro", "", ratio("k", "n"))]
    a = _write_run(tmp_path / "a", {"a": [1] * 100, "k": [3] * 100, "n": [3] * 100}, metrics)
    b = _write_run(tmp_path / "b", {"a": [1] * 100, "k": [0] * 100, "n": [3] * 100}, metrics)
    code, _, diff = _compare(a, b)
    micro = next(m for m in diff["metrics"] if m["metric"] == "micro")
    assert code == 0 and micro["delta"] == -1.0 and micro["p_value"] is None and not micro["regression"]


def test_grouped_metric_uses_the_paired_bootstrap(tmp_path: Path) -> None:
    metric = Metric("macro", "mean over levels", mean("ok", group_by=("level",)), headline=True)
    a = _write_run(tmp_path / "a", {"ok": [1] * 300}, [metric])
    b = _write_run(tmp_path / "b", {"ok": [0 if i % 3 == 0 else 1 for i in range(300)]}, [metric])
    code, _, diff = _compare(a, b)
    change = diff["metrics"][0]
    assert code == 1 and change["test"] == "paired_bootstrap" and change["delta"] == pytest.approx(-1 / 3)
    assert change["ci_low"] <= change["delta"] <= change["ci_high"]


def test_run_without_records_or_declarations_is_a_one_line_error(tmp_path: Path) -> None:
    a = _write_run(tmp_path / "a", {"error": [0] * 10}, [ERROR_RATE])
    b = _write_run(tmp_path / "b", {"error": [0] * 10}, [ERROR_RATE])
    (b / "records.jsonl").unlink()
    code, out, _ = _compare(a, b)
    assert code == 2 and "Traceback" not in out and "toy" in out
    scores = json.loads((a / "scores.json").read_text())
    del scores["packs"][PACK]["metric_declarations"]
    (a / "scores.json").write_text(json.dumps(scores))
    code, out, _ = _compare(a, a)
    assert code == 2 and "re-score" in out
