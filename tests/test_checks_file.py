"""``checks.jsonl`` keeps every value it is given (compact JSON from pydantic's serializer, with
the json module as the fallback), and grading runs with the cyclic collector paused, leaving it
as it found it."""

from __future__ import annotations

import gc
import math
from pathlib import Path

import pytest

from evalkit import api
from evalkit.records import CheckRow
from evalkit.store import RunDir


def test_check_rows_read_back_equal_whatever_they_hold(tmp_path: Path) -> None:
    rows = [
        CheckRow(pack="p", sample_id="plain", constraint_index=0, checker="c", params={"n": 3, "t": (1, 2)},
                 passed=True, status="ok", details={"ratio": 1e-7, "words": ["é", "☃", "中文"]}, level="II"),
        CheckRow(pack="p", sample_id="nan", constraint_index=1, checker="c", params={"x": math.nan, "y": math.inf},
                 passed=None, status="error", reason="checker raised"),
        CheckRow(pack="p", sample_id="lone \ud800 surrogate", epoch=2, constraint_index=0, checker="c", params={},
                 passed=False, status="ok", reason="text \udcff"),
    ]
    run = RunDir(tmp_path)
    run.write_checks(rows)
    back = run.read_checks()
    assert [r.sample_id for r in back] == ["plain", "nan", "lone \ud800 surrogate"]
    assert back[0].params == {"n": 3, "t": [1, 2]} and back[0].details == rows[0].details
    assert back[0].model_extra == {"level": "II"}
    assert math.isnan(back[1].params["x"]) and back[1].params["y"] == math.inf
    assert back[2].reason == "text \udcff" and back[2].epoch == 2
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("enabled", [True, False])
def test_grading_pauses_the_collector_and_restores_it(enabled: bool) -> None:
    seen: list[bool] = []
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        with api._collector_paused():
            seen.append(gc.isenabled())
        assert seen == [False] and gc.isenabled() is enabled
        with pytest.raises(RuntimeError), api._collector_paused():
            raise RuntimeError("grading failed")
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
