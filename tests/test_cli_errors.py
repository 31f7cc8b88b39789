"""Bad input: one clear line on stderr, exit status 2, and no finished work lost."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from evalkit.checking import CheckContext, Checker, CheckResult, build_checker, register
from evalkit.errors import EvalkitError
from evalkit.grading import Grader
from evalkit.records import GenerationRow
from evalkit.scoring import score_pack
from evalkit.tasks.starter import PACK as STARTER
from evalkit.types import Constraint, Sample

from .cli_helpers import one_error_line, run_cli


def test_unknown_pack(tmp_path: Path) -> None:
    code, out = run_cli("run", "--pack", "muldimf", "--model", "mock:echo", "--out", str(tmp_path / "r"))
    assert code == 2
    assert "did you mean 'muldimif'" in one_error_line(out)


def test_unknown_model_spec(tmp_path: Path) -> None:
    code, out = run_cli("run", "--model", "nosuch:thing", "--out", str(tmp_path / "r"))
    assert code == 2
    assert "unknown backend 'nosuch'" in one_error_line(out)


def test_unknown_checker_and_param() -> None:
    with pytest.raises(EvalkitError, match="did you mean 'muldimif.length.words'"):
        build_checker("muldimif.length.word", {"constraint": "x"})
    with pytest.raises(EvalkitError, match="no parameter 'constrant'.*did you mean 'constraint'"):
        build_checker("muldimif.length.words", {"constrant": "x"})


def test_unknown_task_option(tmp_path: Path) -> None:
    code, out = run_cli("run", "--model", "mock:echo", "-T", "mode=strictest", "--out", str(tmp_path / "r"))
    assert code == 2 and "no mode 'strictest'" in one_error_line(out)


def test_malformed_data_file_names_file_and_line(tmp_path: Path, shared_data: Path) -> None:
    broken = tmp_path / "data" / "muldimif"
    broken.mkdir(parents=True)
    text = (shared_data / "muldimif" / "test.json").read_text()
    lines = text.splitlines()
    lines[10] = "@"
    (broken / "test.json").write_text("\n".join(lines))
    code, out = run_cli("score", "--pack", "muldimif", "--responses", str(_responses(tmp_path, [])), "--out",
                     str(tmp_path / "o"), "--data-dir", str(tmp_path / "data"))
    assert code == 2
    line = one_error_line(out)
    assert "test.json line 11" in line and "invalid JSON" in line


def test_missing_data_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("EVALKIT_DATA_DIR", raising=False)
    import evalkit.datafiles as datafiles

    def offline(*args: object, **kwargs: object) -> None:
        raise OSError("network unreachable (test)")

    monkeypatch.setattr(datafiles.urllib.request, "urlopen", offline)
    code, out = run_cli("run", "--pack", "muldimif", "--model", "mock:echo", "--out", str(tmp_path / "r"),
                     "--data-dir", str(tmp_path / "nowhere"))
    assert code == 2
    line = one_error_line(out)
    assert "test.json" in line and "download" in line and "--data-dir" in line


def _responses(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "responses.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_responses_with_unknown_ids(tmp_path: Path, shared_data: Path) -> None:
    path = _responses(tmp_path, [{"id": "4694", "response": "hi"}, {"id": "nope-1", "response": "x"},
                                 {"id": "nope-2", "response": "y"}])
    code, out = run_cli("score", "--pack", "muldimif", "--responses", str(path), "--out", str(tmp_path / "o"),
                     "--data-dir", str(shared_data))
    assert code == 2
    line = one_error_line(out)
    assert "nope-1" in line and "nope-2" in line and "4694" not in line


def test_responses_line_without_response_field(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"id": "starter-001", "response": "blue"}\n{"id": "starter-002"}\n')
    code, out = run_cli("score", "--pack", "starter", "--responses", str(path), "--out", str(tmp_path / "o"))
    assert code == 2 and "r.jsonl line 2" in one_error_line(out)


@register("test.raises")
@dataclass(frozen=True)
class _Raises(Checker):
    """Always raises (to test error accounting)."""

    def check(self, response: str, ctx: CheckContext) -> CheckResult:
        raise RuntimeError("boom")


def test_checker_that_raises_is_an_error_row_and_counted() -> None:
    base = STARTER.load()[:3]
    bad = Sample(id="bad", pack="starter", messages=base[0].messages,
                 constraints=(*base[0].constraints, Constraint("test.raises", {}, {"category": "Content", "type": "X"})),
                 meta=base[0].meta, reference=base[0].reference)
    grader = Grader()
    rows = []
    for s in [*base, bad]:
        rows.extend(grader.grade(s, GenerationRow(pack="starter", sample_id=s.id, status="ok", response=s.reference)))
    errors = [r for r in rows if r.status == "error"]
    assert len(errors) == 1 and "RuntimeError: boom" in errors[0].reason and errors[0].passed is None
    scores = score_pack(STARTER, rows)
    assert scores["counts"]["units_with_checker_errors"] == 1
    assert scores["counts"]["check_status"]["error"] == 1
    assert scores["counts"]["units"] == 3 and scores["metrics"]["accuracy"] == 1.0


def test_report_prints_error_counts(tmp_path: Path) -> None:
    out = tmp_path / "r"
    code, _ = run_cli("run", "--model", "mock:echo", "-M", "fail_every=4", "--limit", "8", "--out", str(out))
    assert code == 0
    code, text = run_cli("report", str(out))
    assert code == 0 and "error 2" in text and "level" in text


def test_report_on_a_non_run_dir(tmp_path: Path) -> None:
    code, out = run_cli("report", str(tmp_path))
    assert code == 2 and "no scores.json" in one_error_line(out)


def test_run_into_a_dir_with_other_settings_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert run_cli("run", "--model", "mock:echo", "--limit", "2", "--out", str(out))[0] == 0
    before = (out / "generations.jsonl").read_text()
    code, text = run_cli("run", "--model", "mock:upper", "--limit", "2", "--out", str(out))
    assert code == 2 and "different settings" in one_error_line(text)
    assert (out / "generations.jsonl").read_text() == before
    shutil.rmtree(out)
