"""The Python API: the names the CLI is built on are importable from ``evalkit`` itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import evalkit


def test_run_and_score_through_the_package(tmp_path: Path) -> None:
    out = tmp_path / "run"
    scores = evalkit.run(["starter"], "mock:upper", out=out, limit=5, progress=False)
    assert scores["packs"]["starter"]["counts"]["units"] == 5
    again = evalkit.score(out)
    assert again["packs"]["starter"]["metrics"] == scores["packs"]["starter"]["metrics"]
    assert json.loads((out / "scores.json").read_text()) == again


def test_every_exported_name_resolves() -> None:
    for name in evalkit.__all__:
        assert getattr(evalkit, name) is not None, name
    with pytest.raises(AttributeError):
        evalkit.no_such_name  # noqa: B018
