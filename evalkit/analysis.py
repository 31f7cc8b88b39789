"""The analysis API: a run directory as pandas DataFrames, for notebooks.

    import evalkit
    run = evalkit.load_run("runs/x")
    run.metrics[run.metrics.headline]                        # every pack's headline metrics with CIs
    run.checks.groupby(["pack", "checker"]).passed.mean()    # pass rate per checker
    run.records.query("pack == 'ifeval'")                    # per-sample records (dims and values as columns)

pandas is imported here only (``pip install 'evalkit-if[analysis]'``); the runner never needs it.
Reading never modifies the run directory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.errors import EvalkitError
from evalkit.scoreview import pack_views, read_run
from evalkit.store import RunDir

if TYPE_CHECKING:
    import pandas as pd

METRIC_COLUMNS = ("pack", "metric", "value", "ci_low", "ci_high", "direction", "headline", "description", "n")
RECORDS_FILE = "records.jsonl"


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise EvalkitError("the analysis API needs pandas: pip install 'evalkit-if[analysis]'") from None
    return pandas


@dataclass(frozen=True)
class Run:
    """One run directory: ``manifest`` (``run.json``), ``scores`` (``scores.json``) and DataFrames
    ``generations``, ``checks``, ``records`` and ``metrics``."""

    path: Path
    manifest: dict[str, Any]
    scores: dict[str, Any]
    generations: pd.DataFrame
    checks: pd.DataFrame
    records: pd.DataFrame
    metrics: pd.DataFrame

    @property
    def name(self) -> str:
        """The run's label (``--name``, else the model, else the responses file)."""
        from evalkit.reporting import run_label

        return run_label(self.manifest, self.path.name)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL file (empty when the file does not exist); EvalkitError naming a bad line."""
    if not path.is_file():
        return []
    rows = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise EvalkitError(f"{path} line {lineno}: not JSON ({exc.msg})") from None
    return rows


def _frame(pd: Any, rows: list[dict[str, Any]], first: tuple[str, ...]) -> pd.DataFrame:
    """A DataFrame of ``rows`` with the ``first`` columns in front (present even with no rows)."""
    frame = pd.DataFrame(rows)
    for col in first:
        if col not in frame.columns:
            frame[col] = pd.Series(dtype="object")
    return frame[[*first, *(c for c in frame.columns if c not in first)]]


def records_frame(pd: Any, path: Path) -> pd.DataFrame:
    """``records.jsonl`` flattened: ``pack``, ``sample_id``, ``epoch``, then one column per
    dimension (``dims``) and per value (``values``); a name in both keeps the value as ``value.<name>``."""
    rows = []
    for r in _read_jsonl(path / RECORDS_FILE):
        dims, values = dict(r.get("dims") or {}), dict(r.get("values") or {})
        row: dict[str, Any] = {"pack": r.get("pack"), "sample_id": r.get("sample_id"), "epoch": r.get("epoch", 0)}
        row.update(dims)
        row.update({(f"value.{k}" if k in row else k): v for k, v in values.items()})
        rows.append(row)
    return _frame(pd, rows, ("pack", "sample_id", "epoch"))


def metrics_frame(pd: Any, scores: dict[str, Any]) -> pd.DataFrame:
    """One row per pack × declared metric: value, 95% CI, direction, headline flag, description, n."""
    rows = [{"pack": v.name, "metric": m.name, "value": m.value, "ci_low": m.ci_low, "ci_high": m.ci_high,
             "direction": m.direction, "headline": m.headline, "description": m.description, "n": v.units}
            for v in pack_views(scores) for m in v.metrics]
    frame = _frame(pd, rows, METRIC_COLUMNS)
    frame["headline"] = frame["headline"].astype(bool)
    return frame


def load_run(path: Path | str) -> Run:
    """Read a scored run directory into a :class:`Run` (manifest, scores and DataFrames of
    generations, checks, per-sample records and metrics); EvalkitError when ``path`` holds no run."""
    pd = _pandas()
    rd = RunDir(Path(path))
    manifest, scores = read_run(rd.path)
    generations = _frame(pd, _read_jsonl(rd.path / "generations.jsonl"), ("pack", "sample_id", "epoch", "status"))
    checks = _frame(pd, _read_jsonl(rd.path / "checks.jsonl"),
                    ("pack", "sample_id", "epoch", "constraint_index", "checker", "passed", "status"))
    return Run(rd.path, manifest, scores, generations, checks, records_frame(pd, rd.path),
               metrics_frame(pd, scores))
