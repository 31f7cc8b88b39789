"""FollowBench: loading and counts, rule checkers (table tests and conformance on the shared
data), the judge prompt and verdict parser, HSR/SSR/CSL on a hand-built set, and `evalkit score
--responses … --judge openai:…` end to end against the loopback mock judge."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.checking import CheckContext, build_checker
from evalkit.judging import VerdictError
from evalkit.packs import get_pack
from evalkit.records import CheckRow
from evalkit.tasks.followbench import metrics
from evalkit.types import Sample
from evalkit.verifiers.followbench import format22, format30, rule_passes, template_regex
from evalkit.verifiers.followbench_judge import judge_prompt, parse_judgement

from .mock_openai_server import last_user, serve


@pytest.fixture(scope="module")
def samples(shared_data: Path) -> list[Sample]:
    return get_pack("followbench").load(shared_data)


def _check(sample: Sample, response: str, mode: str = "compat") -> bool | None:
    c = sample.constraints[0]
    return build_checker(c.checker, c.params).check(response, CheckContext(mode=mode)).passed


# ---------------------------------------------------------------- loading and conformance counts

def test_counts_and_rule_judge_split(samples: list[Sample]) -> None:
    assert len(samples) == 820
    assert Counter(s.meta["method"] for s in samples) == {"rule": 350, "judge": 470}
    per = Counter(s.meta["category"] for s in samples)
    assert per == {"content": 125, "situation": 110, "style": 150, "format": 150, "example": 200, "mixed": 85}
    rule_src = Counter(s.meta["source"] for s in samples if s.meta["method"] == "rule" and s.meta["category"] != "example")
    assert rule_src["E2E"] == 25 and rule_src["CONLL2003"] == 25 and rule_src["WIKIEVENTS"] == 10
    assert rule_src["text_editing"] == 15 and rule_src["BBH_logical"] == 25
    judged = [s for s in samples if s.meta["method"] == "judge"]
    assert all(len(s.constraints) == s.meta["level"] == len(s.reference["evolution"]) - 1 for s in judged)


def test_exact_match_sources_pass_on_target(samples: list[Sample]) -> None:
    exact = [s for s in samples if s.meta["source"] in {"E2E", "text_editing", "BBH_logical", "BBH_time",
                                                         "gsm_8k", "self_made_space", "WIKIEVENTS"}]
    assert len(exact) == 90
    assert all(_check(s, s.reference["target"]) for s in exact)
    assert not any(_check(s, s.reference["target"] + " extra.") for s in exact if s.meta["source"] in {"E2E", "text_editing"})


def test_conll_response_must_be_one_listed_entity(samples: list[Sample]) -> None:
    conll = [s for s in samples if s.meta["source"] == "CONLL2003"]
    assert all(_check(s, eval_list(s.reference["target"])[0]) for s in conll)
    assert not any(_check(s, s.reference["target"]) for s in conll)


def eval_list(text: str) -> list[str]:
    import ast
    value = ast.literal_eval(text)
    assert isinstance(value, list)
    return value


def test_example_answers_fullmatch_their_template(shared_data: Path, samples: list[Sample]) -> None:
    raw = json.loads((shared_data / "followbench/data/example_constraints.json").read_text(encoding="utf-8"))
    by_id = {s.id: s for s in samples}
    compat = sum(bool(_check(by_id[f"example/{r['example_id']}/{r['level']}"], r["answer"])) for r in raw)
    strict = sum(bool(_check(by_id[f"example/{r['example_id']}/{r['level']}"], r["answer"], "strict")) for r in raw)
    # upstream's `.*` does not cross newlines: the five multi-line billsum answers fail (quirk kept)
    assert (compat, strict) == (195, 200)
    assert not any(_check(by_id[f"example/{r['example_id']}/{r['level']}"], "Sure! " + r["answer"] + "\nDone")
                   for r in raw)


# ---------------------------------------------------------------- rule checkers, table tests

@pytest.mark.parametrize(("source", "level", "target", "response", "expected"), [
    ("E2E", 1, "name[A]", "name[A]", True),
    ("E2E", 1, "name[A]", "name[A] ", False),
    ("WIKIEVENTS", 2, "a b\nc d", "c d\na b", True),
    ("WIKIEVENTS", 2, "a b\nc d", "c d\na b\n", False),  # the empty last line is not a target line
    ("CONLL2003", 3, "['Bonn', 'Europe']", "Bonn", True),
    ("CONLL2003", 3, "['Bonn', 'Europe']", "Bonn, Europe", False),
    ("BBH_logical", 1, "(B)", "(A) no, it is (B)", True),
    ("BBH_logical", 1, "(B)", "(B) no, it is (A)", False),
    ("BBH_time", 1, "12/29/1937", "from 01/01/1900 to 12/29/1937", True),
    ("gsm_8k", 1, "$14", "$14 plus $3", False),
    ("self_made_space", 1, "20th floor", "on the 20th floor.", True),
    ("cnn_dailymail", 1, "", "One. Two! Three?", True),
    ("cnn_dailymail", 3, "", "Potter is here. The actor came. Good films", True),
    ("cnn_dailymail", 4, "", "Potter is here. The lavish actor came. Good films", False),
    ("cnn_dailymail", 5, "", "Potter is here. The actor came. He has made films", True),
    ("xsum", 4, "", "The team is working hard", True),
    ("xsum", 5, "", "The team is working on the operation", True),
    ("xsum", 3, "", "Newton Stewart is flooded", False),
    ("samsum", 5, "", "Sort the stuff now.", True),
    ("samsum", 4, "", "Procrastinating on stuff", False),
    ("gigaword", 3, "", "one two three four five six seven eight", True),
    ("gigaword", 2, "", "one two three four five six seven eight.", False),
    ("gigaword", 5, "", "a bus in the city runs all day", False),
    ("arxiv", 5, "", "We study activations in deep networks", True),
    ("arxiv", 3, "", "we study activations", False),
])
def test_source_rules(source: str, level: int, target: str, response: str, expected: bool) -> None:
    assert rule_passes(source, level, target, response) is expected


FMT22 = ("A " + " ".join(["word"] * 21) + ".\n\nB " + " ".join(["word"] * 22) + ".\n\nC " + " ".join(["w"] * 25))
NUMBERED = FMT22.replace("A ", "1. ").replace("B ", "2. ").replace("C ", "3. ")


@pytest.mark.parametrize(("text", "level", "expected"), [
    (FMT22, 3, True),
    (FMT22, 4, False),
    (NUMBERED, 2, True),
    # upstream quirk: the "1." marker level 4 asks for is a one-word sentence, failing level 3's
    # "every sentence > 20 words": levels 4 and 5 of example 22 can never pass
    (NUMBERED, 4, False),
    (NUMBERED, 3, False),
    (FMT22.replace(".\n\nB", " two. Three. Four.\n\nB"), 2, False),
    ("a\n\nb", 1, False),
])
def test_format22(text: str, level: int, expected: bool) -> None:
    assert format22(text, level) is expected


def test_format30_keywords_and_sentence_lengths() -> None:
    point = "**{n}. Growth: this point has exactly twelve words in it for the test"
    text = " ".join(point.format(n=n) + "." for n in range(1, 6))
    assert format30(text, 2) and not format30(text.replace("**5.", "5."), 2)
    assert format30(text, 5) is format30(text, 4)
    assert not format30(text + " This is quick-ly", 5)


def test_checker_params_are_validated() -> None:
    with pytest.raises(Exception, match="no rule for source"):
        build_checker("followbench.rule", {"source": "quora", "level": 1})
    with pytest.raises(Exception, match="22 and 30"):
        build_checker("followbench.format_rule", {"example_id": 3, "level": 1})


def test_template_regex_escapes_everything_but_the_answer() -> None:
    rx = template_regex("{instruction}\n{{'AI assistant': '{answer}'}}")
    assert rx.fullmatch("{'AI assistant': 'Legal Anywhere.com'}")
    assert not rx.fullmatch("{'AI assistant': 'x'}!")
    assert template_regex("{instruction}\n[Bot]\n{answer}").fullmatch("[Bot]\nhello")
    assert not template_regex("{instruction}\n[Bot]\n{answer}").fullmatch("B\nhello")


def test_adversarial_inputs_are_graded_in_bounded_time(samples: list[Sample]) -> None:
    rule = [s for s in samples if s.meta["method"] == "rule"]
    inputs = ["a" * 1_000_000, "**1" * 350_000, ("is " + "w" * 50 + " ") * 18_000,
              "\x00\x07\x1b[31m" * 200_000, "\n" * 1_000_000]
    start = time.perf_counter()
    for text in inputs:
        for s in {s.constraints[0].checker + str(s.meta["source"]): s for s in rule}.values():
            _check(s, text)
    assert time.perf_counter() - start < 20


# ---------------------------------------------------------------- judge prompt and verdict parser

def test_judge_prompt_level_1_and_2() -> None:
    one = judge_prompt("style", ["I0", "I1"], "ANS")
    assert one == ("Given an initial instruction, we add one style constraint and obtain the final instruction with 1 "
                   "additional constraint.\n\n#Initial Instruction#\nI0\n\n#Initial Instruction + 1 constraint#\nI1\n\n"
                   "#Answer of Initial Instruction + 1 constraint#\nANS\n\n#System#\n1) Please identify the 1 added "
                   "constraint.\n2) Please descriminate if the #Answer of Initial Instruction + 1 constraint# "
                   "satisfies the 1 added constraint.\n3) In the final line, only output a Python LIST with 1 element "
                   "('YES' or 'NO') indicating whether the answer satisfies the 1 added constraint.")
    two = judge_prompt("mixed", ["I0", "I1", "I2"], "ANS")
    assert two == ("Given an initial instruction, we add one constraint per time and obtain the final instruction with "
                   "2 additional constraints.\n\n#Initial Instruction#\nI0\n\n#Initial Instruction + 1 constraint#\nI1"
                   "\n\n#Initial Instruction + 2 constraints#\nI2\n\n#Answer of Initial Instruction + 2 constraints#\n"
                   "ANS\n\n#System#\n1) Please identify all 2 added constraints.\n2) For the 2 added constraints, "
                   "discriminate if the #Answer of Initial Instruction + 2 constraints# satisfies each constraint.\n"
                   "3) In the final line, only output a Python LIST with 2 elements ('YES' or 'NO') indicating "
                   "whether the answer satisfies each constraint.")
    assert "one situation constraint (information to describe a specific situation/background) per time" in \
        judge_prompt("situation", ["a", "b", "c"], "x")


@pytest.mark.parametrize(("text", "level", "expected"), [
    ("reasoning\n['YES']", 1, [True]),
    ("['NO']", 1, [False]),
    ("NOT SURE", 1, [False]),  # upstream: substring 'NO'
    ("YES and NO", 1, [True]),
    ("```\n['YES', 'NO']\n```", 2, [True, False]),
    ("x\n['YES', 'PARTIAL', 'N/A']", 3, [True, False, False]),
    ("Final: ['MAYBE', 'UNKNOWN'] done", 2, [False, False]),
])
def test_parse_judgement(text: str, level: int, expected: list[bool]) -> None:
    assert parse_judgement(text, level) == expected


@pytest.mark.parametrize(("text", "level"), [
    ("I cannot judge", 1), ("", 1), ("['YES']\nok", 2), ("[YES, NO]", 2), ("['YES', 'NO']", 3),
    ("['YES', 'maybe']", 2), ("['YES'] + ['NO']", 2), ("[['YES'], ['NO']]", 2), ("['YES', 1]", 2),
    ("[" * 5000 + "]" * 5000, 2),
])
def test_parse_judgement_unparseable(text: str, level: int) -> None:
    with pytest.raises(VerdictError):
        parse_judgement(text, level)


# ---------------------------------------------------------------- HSR / SSR / CSL by hand

def _row(cat: str, gid: int, level: int, i: int, passed: bool | None, status: str = "ok",
         details: dict[str, Any] | None = None) -> CheckRow:
    return CheckRow.model_construct(pack="followbench", sample_id=f"{cat}/{gid}/{level}", epoch=0, constraint_index=i,
                                    checker="x", params={}, passed=passed, status=status, reason="", details=details,
                                    category=cat, level=level, example_id=gid)


def _judged(cat: str, gid: int, level: int, yes: list[bool] | None, mode: str = "compat") -> list[CheckRow]:
    if yes is None:
        return [_row(cat, gid, level, i, None, "error", {"hard": -1, "soft": -1, "mode": mode}) for i in range(level)]
    return [_row(cat, gid, level, i, y) for i, y in enumerate(yes)]


def _hand_set(mode: str) -> list[CheckRow]:
    rows: list[CheckRow] = []
    # style group 1, judged: L1 Y | L2 YY | L3 YYY | L4 unparseable | L5 YYYYY  -> chain 3
    for level, yes in ((1, [True]), (2, [True, True]), (3, [True] * 3), (4, None), (5, [True] * 5)):
        rows += _judged("style", 1, level, yes, mode)
    # style group 2, judged: L1 N | L2 YN | L3 YYY | L4 YYYY | L5 NNNNN -> chain 0
    for level, yes in ((1, [False]), (2, [True, False]), (3, [True] * 3), (4, [True] * 4), (5, [False] * 5)):
        rows += _judged("style", 2, level, yes, mode)
    # style group 3, rule-checked, levels 1-3 only (incomplete: no CSL): pass, pass, fail
    rows += [_row("style", 3, 1, 0, True), _row("style", 3, 2, 0, True), _row("style", 3, 3, 0, False)]
    return rows


def test_hsr_ssr_csl_compat_by_hand() -> None:
    checks = _hand_set("compat")
    m = metrics.metrics(checks)
    # level 1: hard 1, 0, 1 -> 2/3 ; level 3: hard 1, 1, 0 -> 2/3, soft 1, 1, 0 -> 2/3
    # level 4: hard -1 (upstream sum), 1 -> 0/2 ; soft -1, 1 -> 0 ; level 5: 1, 0 -> 1/2
    assert m["HSR_L1"] == pytest.approx(2 / 3) and m["SSR_L1"] == pytest.approx(2 / 3)
    assert m["HSR_L2"] == pytest.approx(2 / 3) and m["SSR_L2"] == pytest.approx((1 + 0.5 + 1) / 3)
    assert m["HSR_L3"] == pytest.approx(2 / 3) and m["SSR_L3"] == pytest.approx(2 / 3)
    assert m["HSR_L4"] == pytest.approx(0.0) and m["SSR_L4"] == pytest.approx(0.0)
    assert m["HSR_L5"] == pytest.approx(0.5) and m["SSR_L5"] == pytest.approx(0.5)
    # pooled over 13 instructions: hard 1+1+1-1+1 + 0+0+1+1+0 + 1+1+0 = 7
    assert m["HSR"] == pytest.approx(7 / 13) and m["HSR_style"] == pytest.approx(7 / 13)
    # CSL: complete groups 1 (chain 3: upstream's -1 at L4 breaks it) and 2 (chain 0) -> 1.5 levels
    assert m["CSL_norm"] == pytest.approx(1.5 / 5)
    csl = {r["CSL"]: r for r in metrics.tables(checks)["CSL"]}
    assert csl["style"]["n"] == 2 and csl["style"]["levels"] == pytest.approx(1.5)
    hsr = {r["HSR"]: r for r in metrics.tables(checks)["HSR"]}
    assert hsr["style L4"]["unparsed"] == 1 and hsr["style L4"]["passed"] is None and hsr["style L4"]["n"] == 2
    assert hsr["style L1"]["passed"] == 2 and hsr["style L1"]["ci_low"] is not None


def test_hsr_ssr_csl_strict_by_hand() -> None:
    checks = _hand_set("strict")
    m = metrics.metrics(checks)
    assert m["HSR_L4"] == pytest.approx(1.0) and m["SSR_L4"] == pytest.approx(1.0)  # the unparsed one is left out
    assert m["HSR"] == pytest.approx(8 / 12)
    assert m["CSL_norm"] == pytest.approx(0.0)  # group 1 is incomplete now; group 2 has chain 0
    status = {r["instructions"]: r["n"] for r in metrics.tables(checks)["instructions"]}
    assert status == {"ok": 12, "unparsed (strict: left out)": 1}


def test_weighted_score_as_upstream_aggregator() -> None:
    us = [metrics.Unit(cat, "1", level, 0, "ok", hard=float(level % 2), soft=1.0)
          for cat in metrics.WEIGHTED for level in metrics.LEVELS]
    assert metrics.weighted(us, "hard") == pytest.approx((1 + 3 + 5) / 15)
    assert metrics.weighted(us, "soft") == pytest.approx(1.0)
    assert metrics.weighted(us[:-1], "hard") is None


# ---------------------------------------------------------------- end to end with the mock judge

def _verdict(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    prompt = last_user(body)
    k = int(prompt.split(" additional constraint", 1)[0].rsplit(" ", 1)[-1])
    if "MALFORMED" in prompt:
        text = "I am not sure about this one."
    elif "HALF" in prompt:
        text = "1) ...\n" + str(["YES"] + ["NO"] * (k - 1))
    else:
        text = "All constraints are met.\n" + str(["YES"] * k)
    return 200, {"id": "j", "object": "chat.completion", "created": 0, "model": body["model"],
                 "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
                 "usage": {"prompt_tokens": 50, "completion_tokens": 5, "total_tokens": 55}}


def _responses(samples: list[Sample], path: Path) -> None:
    judged = {1: "fine", 2: "fine", 3: "HALF answer", 4: "MALFORMED answer", 5: "fine"}
    e2e = next(s.meta["example_id"] for s in samples if s.meta["source"] == "E2E")
    lines = []
    for s in samples:
        cat, gid, level = s.meta["category"], s.meta["example_id"], s.meta["level"]
        if cat == "content" and gid == 1:
            lines.append({"id": s.id, "response": judged[level]})
        elif cat == "content" and gid == e2e:
            lines.append({"id": s.id, "response": s.reference["target"]})
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")


def _score(tmp: Path, shared_data: Path, url: str, *extra: str) -> dict[str, Any]:
    res = CliRunner().invoke(main, ["score", "--pack", "followbench", "--responses", str(tmp / "r.jsonl"), "--data-dir",
                                    str(shared_data), "--out", str(tmp / "out"), "--judge", "openai:judge-mini",
                                    "-J", f"base_url={url}", *extra])
    assert res.exit_code == 0, res.output
    scores: dict[str, Any] = json.loads((tmp / "out/scores.json").read_text())["packs"]["followbench"]
    return scores


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def test_score_responses_with_mock_judge_compat(samples: list[Sample], shared_data: Path, tmp_path: Path) -> None:
    _responses(samples, tmp_path / "r.jsonl")
    with serve(_verdict) as (url, received):
        scores = _score(tmp_path, shared_data, url)
        assert len(received) == 5  # one call per judged instruction; compat never re-asks
    assert all(b["temperature"] == 0 and b["max_tokens"] == 1024 for b in received)
    assert received[0]["messages"][0]["content"].startswith("Given an initial instruction, we add one content")
    checks = [json.loads(x) for x in (tmp_path / "out/checks.jsonl").read_text().splitlines()]
    bad = [c for c in checks if c["sample_id"] == "content/1/4"]
    assert len(bad) == 4 and {c["status"] for c in bad} == {"error"}
    assert all(c["details"]["judge_raw"] == "I am not sure about this one." for c in bad)
    m = scores["metrics"]
    # content L1: judge 1 + E2E 1; L3: judge 0 (YES NO NO) + 1, soft (1/3 + 1)/2; L4: upstream -1 + 1
    assert m["HSR_L1"] == 1.0 and m["HSR_L3"] == 0.5 and m["SSR_L3"] == pytest.approx(2 / 3)
    assert m["HSR_L4"] == 0.0 and m["SSR_L4"] == 0.0
    assert m["CSL_norm"] == pytest.approx((2 + 5) / 2 / 5)
    assert scores["headline"] == "HSR" and scores["counts"]["judge"]["calls"] == 5
    _validate(tmp_path / "out/scores.json")


def test_score_responses_with_mock_judge_strict(samples: list[Sample], shared_data: Path, tmp_path: Path) -> None:
    _responses(samples, tmp_path / "r.jsonl")
    with serve(_verdict) as (url, received):
        scores = _score(tmp_path, shared_data, url, "-T", "mode=strict")
        assert len(received) == 5 + 3  # the malformed verdict is re-asked three times
    m = scores["metrics"]
    assert m["HSR_L4"] == 1.0 and m["CSL_norm"] == pytest.approx(1.0)  # only the complete E2E group: 5 levels
    status = {r["instructions"]: r["n"] for r in scores["tables"]["instructions"]}
    assert status == {"ok": 9, "unparsed (strict: left out)": 1}


def test_upstream_api_output_format_is_accepted(samples: list[Sample], shared_data: Path, tmp_path: Path) -> None:
    e2e = [s for s in samples if s.meta["source"] == "E2E"][:5]
    lines = [{"prompt": s.messages[0]["content"], "choices": [{"message": {"content": s.reference["target"]}}]}
             for s in e2e]
    (tmp_path / "r.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    res = CliRunner().invoke(main, ["score", "--pack", "followbench", "--responses", str(tmp_path / "r.jsonl"),
                                    "--data-dir", str(shared_data), "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    scores = json.loads((tmp_path / "out/scores.json").read_text())["packs"]["followbench"]
    assert scores["metrics"]["HSR"] == 1.0 and scores["metrics"]["CSL_norm"] == 1.0


def _validate(path: Path) -> None:
    import jsonschema

    from evalkit.schemas import load
    jsonschema.validate(json.loads(path.read_text()), load("scores.json"))
