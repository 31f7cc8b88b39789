"""run.json records, for a pack that runs dataset code (AgentIF), the isolation layer its
snippets run under and their limits; ``evalkit score`` records the layer of the re-grading."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit import sandbox
from evalkit.isolation import Layer
from evalkit.sandbox import refusal

INSTANCE = {"id": "agentif:one", "input": [{"role": "user", "content": "q"}], "constraints": [
    {"dimension": "unconditional", "type": "semantic", "evaluation": [{"type": "llm", "exec": "ok? {response}"}]}]}


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EVALKIT_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "data" / "agentif").mkdir(parents=True)
    (tmp_path / "data" / "agentif" / "eval.json").write_text(json.dumps([INSTANCE]))
    return tmp_path / "data"


def _run(data_dir: Path, out: Path, *extra: str) -> dict[str, Any]:
    res = CliRunner().invoke(main, ["run", "--pack", "agentif", "--model", "mock:constant", "--data-dir",
                                    str(data_dir), "--out", str(out), "--judge", "none", *extra])
    assert res.exit_code == 0, res.output
    return json.loads((out / "run.json").read_text())["packs"]["agentif"]["dataset_code"]  # type: ignore[no-any-return]


@pytest.mark.skipif(refusal() is not None, reason="needs a working bubblewrap")
def test_the_isolation_layer_and_limits_are_recorded(data_dir: Path, tmp_path: Path) -> None:
    import jsonschema

    from evalkit.schemas import load

    recorded = _run(data_dir, tmp_path / "run")
    assert recorded["layer"] == "bubblewrap" and not recorded["reason"]
    jsonschema.validate(json.loads((tmp_path / "run" / "run.json").read_text()), load("run.json"))
    assert recorded["limits"]["cpu_s"] == 5 and recorded["limits"]["memory_mb"] == 1024  # AgentIF's own limits


def test_unisolated_code_is_recorded_with_the_reason(data_dir: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(sandbox, "layer", lambda: Layer(None, "bwrap is not installed"))
        recorded = _run(data_dir, tmp_path / "run", "-T", "unsafe_dataset_code=allow")
        assert recorded["layer"] == "none" and recorded["reason"] == "bwrap is not installed"
    if refusal() is not None:
        return
    res = CliRunner().invoke(main, ["score", str(tmp_path / "run"), "--data-dir", str(data_dir)])
    assert res.exit_code == 0, res.output
    manifest = json.loads((tmp_path / "run" / "run.json").read_text())
    assert manifest["packs"]["agentif"]["dataset_code"]["layer"] == "bubblewrap"  # the re-grading's layer
