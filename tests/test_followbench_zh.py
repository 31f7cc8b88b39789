"""FollowBench Chinese (``-T lang=zh``, upstream ``code_zh/`` on ``data_zh/``): loading, counts and
the rule/judge split, pinned data files, the Chinese rule checkers (table tests and conformance on
the shared data), the Chinese judge prompt (written out by hand) and verdict parser, and
`evalkit score -T lang=zh --responses … --judge openai:…` end to end against the loopback mock judge."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.checking import CheckContext, build_checker
from evalkit.errors import EvalkitError
from evalkit.judging import VerdictError
from evalkit.packs import get_pack
from evalkit.tasks.followbench import COMMIT, FILES, FILES_ZH
from evalkit.types import Sample
from evalkit.verifiers.followbench import (
    format22_zh,
    has_numeric,
    template_regex,
    zh_rule_passes,
    zh_sentences,
)
from evalkit.verifiers.followbench_judge import JUDGE, JUDGE_ZH, judge_prompt_zh, parse_judgement_zh

from .mock_openai_server import last_user, serve

ZH = {"lang": "zh"}


@pytest.fixture(scope="module")
def samples(shared_data: Path) -> list[Sample]:
    return get_pack("followbench").load(shared_data, ZH)


def _check(sample: Sample, response: str, mode: str = "compat") -> bool | None:
    c = sample.constraints[0]
    return build_checker(c.checker, c.params).check(response, CheckContext(mode=mode)).passed


# ---------------------------------------------------------------- loading, counts, data files

def test_counts_and_rule_judge_split(samples: list[Sample]) -> None:
    assert len(samples) == 790
    assert Counter(s.meta["method"] for s in samples) == {"rule": 330, "judge": 460}
    per = Counter(s.meta["category"] for s in samples)
    assert per == {"content": 115, "situation": 110, "style": 150, "format": 150, "example": 200, "mixed": 65}
    rule = Counter((s.meta["category"], s.meta["source"]) for s in samples
                   if s.meta["method"] == "rule" and s.meta["category"] != "example")
    assert rule == {("content", "E2E"): 25, ("content", "CONLL2003"): 25, ("situation", "BBH_logical"): 25,
                    ("situation", "BBH_time"): 5, ("situation", "self_made_space"): 5, ("situation", "gsm_8k"): 5,
                    ("format", "helpful_base"): 5, ("mixed", "text_editing"): 10, ("mixed", "cnn_dailymail"): 5,
                    ("mixed", "xsum"): 5, ("mixed", "samsum"): 5, ("mixed", "gigaword"): 5, ("mixed", "arxiv"): 5}
    checkers = Counter(c.checker for s in samples for c in s.constraints[:1])
    assert checkers == {"followbench.judge_zh": 460, "followbench.example_template": 200,
                        "followbench.rule_zh": 125, "followbench.format_rule_zh": 5}
    # code_zh checks format example 22 by rule and judges example 30 (English checks both by rule)
    by_id = {s.id: s for s in samples}
    assert by_id["zh/format/22/3"].meta["method"] == "rule" and by_id["zh/format/30/3"].meta["method"] == "judge"
    judged = [s for s in samples if s.meta["method"] == "judge"]
    assert all(len(s.constraints) == s.meta["level"] == len(s.reference["evolution"]) - 1 for s in judged)


def test_ids_do_not_collide_with_english(samples: list[Sample], shared_data: Path) -> None:
    english = get_pack("followbench").load(shared_data)
    assert all(s.id.startswith("zh/") for s in samples)
    assert len({s.id for s in samples}) == 790
    assert not {s.id for s in samples} & {s.id for s in english}
    assert len(english) == 820 and not any(s.id.startswith("zh/") for s in english)


def test_pinned_data_files(shared_data: Path) -> None:
    pack = get_pack("followbench")
    assert pack.data_files == tuple(FILES.values())  # English files only, as before
    for cat, file in FILES_ZH.items():
        assert file.path == f"data_zh/{cat}_constraints.json"
        assert file.url == f"https://raw.githubusercontent.com/YJiangcm/FollowBench/{COMMIT}/data_zh/{cat}_constraints.json"
        local = shared_data / "followbench" / file.path
        assert hashlib.sha256(local.read_bytes()).hexdigest() == file.sha256
    pack.load(shared_data, ZH)
    assert set(pack.data_hashes(shared_data)) == {f.path for f in FILES_ZH.values()}
    pack.load(shared_data)
    assert set(pack.data_hashes(shared_data)) == {f.path for f in FILES.values()}


def test_zh_files_are_read_only_for_lang_zh(shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    only_en = tmp_path / "data"
    (only_en / "followbench").mkdir(parents=True)
    (only_en / "followbench" / "data").symlink_to(shared_data / "followbench" / "data")
    monkeypatch.setenv("EVALKIT_CACHE_DIR", str(tmp_path / "cache"))
    assert len(get_pack("followbench").load(only_en)) == 820


@pytest.mark.parametrize(("options", "message"), [
    ({"lang": "fr"}, "lang must be one of en, zh"), ({"language": "zh"}, "known: mode, lang"),
    ({"lang": "zh", "mode": "lenient"}, "no mode"),
])
def test_options_are_validated(options: dict[str, str], message: str) -> None:
    with pytest.raises(EvalkitError, match=message):
        get_pack("followbench").check_options(options)


# ---------------------------------------------------------------- conformance on the shared data

def test_exact_match_sources_pass_on_target(samples: list[Sample]) -> None:
    exact = [s for s in samples if s.meta["source"] in {"E2E", "text_editing", "BBH_logical", "BBH_time",
                                                         "gsm_8k", "self_made_space"}]
    assert len(exact) == 75
    assert all(_check(s, s.reference["target"]) for s in exact)
    assert not any(_check(s, s.reference["target"] + "。") for s in exact if s.meta["source"] in {"E2E", "text_editing"})
    gsm = [s for s in samples if s.meta["source"] == "gsm_8k"]
    assert all(re.fullmatch(r"\d+美元", s.reference["target"]) for s in gsm)
    assert not any(_check(s, "$" + s.reference["target"].removesuffix("美元")) for s in gsm)


def test_conll_response_must_be_one_listed_entity(samples: list[Sample]) -> None:
    import ast
    conll = [s for s in samples if s.meta["source"] == "CONLL2003"]
    assert all(_check(s, ast.literal_eval(s.reference["target"])[0]) for s in conll)
    assert not any(_check(s, s.reference["target"]) for s in conll)


def test_example_templates(shared_data: Path, samples: list[Sample]) -> None:
    raw = json.loads((shared_data / "followbench/data_zh/example_constraints.json").read_text(encoding="utf-8"))
    assert len({r["target"] for r in raw}) == 21 and all(r["target"].startswith("{instruction}\n") for r in raw)
    by_id = {s.id: s for s in samples}
    for r in raw:
        s = by_id[f"zh/example/{r['example_id']}/{r['level']}"]
        shaped = r["target"].removeprefix("{instruction}\n").replace("{{", "{").replace("}}", "}")
        assert _check(s, shaped.replace("{answer}", "北京"))
        assert not _check(s, "好的！" + shaped.replace("{answer}", "北京"))
        # upstream's `.*` does not cross newlines (compat); strict matches with DOTALL
        assert not _check(s, shaped.replace("{answer}", "第一行\n第二行"))
        assert _check(s, shaped.replace("{answer}", "第一行\n第二行"), "strict")
    assert template_regex("{instruction}\n{{'回复': '{answer}'}}").fullmatch("{'回复': '北京'}")


# ---------------------------------------------------------------- Chinese rules, table tests

@pytest.mark.parametrize(("source", "level", "target", "response", "expected"), [
    ("E2E", 1, "名字[A]，类型[酒吧]", "名字[A]，类型[酒吧]", True),
    ("E2E", 1, "名字[A]，类型[酒吧]", "名字[A],类型[酒吧]", False),
    ("gsm_8k", 1, "14美元", "先赚12美元，总共14美元", True),
    ("gsm_8k", 1, "14美元", "总共14美元，外加3美元", False),
    ("gsm_8k", 1, "14美元", "总共$14", False),
    ("BBH_logical", 1, "(A)", "不是(B)，是(A)", True),
    ("self_made_space", 1, "20楼", "他在20楼。", True),
    ("cnn_dailymail", 1, "", "一。二！三？", True),
    ("cnn_dailymail", 1, "", "One. Two. Three.", False),  # English periods split nothing
    ("cnn_dailymail", 2, "", "短句。第二句。第三句不到十五个字", True),
    ("cnn_dailymail", 2, "", "短句。第二句。第三句有整整十五个字符长度的句子", False),  # 15 chars, not < 15
    ("cnn_dailymail", 3, "", "波特来了。演员到了。电影好", True),
    ("cnn_dailymail", 3, "", "演员来了。波特到了。电影好", False),
    ("cnn_dailymail", 4, "", "波特来了。奢侈的演员。电影好", False),
    ("cnn_dailymail", 5, "", "波特来了。演员到了。拍了电影", True),
    ("cnn_dailymail", 5, "", "波特来了。演员到了。拍电影", False),
    ("xsum", 2, "", "洪水淹没了城镇。", True),
    ("xsum", 2, "", "洪水淹没了城镇，居民们正在撤离，政府正在操作。", False),  # 23 characters
    ("xsum", 3, "", "牛顿斯图尔特被淹", False),
    ("xsum", 4, "", "居民在撤离", True),
    ("xsum", 5, "", "居民在撤离", False),
    ("xsum", 5, "", "政府在操作防洪", True),
    ("samsum", 3, "", "金有琐碎的事要做", True),
    ("samsum", 4, "", "琐碎的拖沓的事", False),
    ("samsum", 5, "", "琐碎的事，明天做", True),
    ("samsum", 5, "", "琐碎的事，明天做！", True),  # ！ ends the sentence and is not in upstream's set
    ("samsum", 5, "", "琐碎的事情明天做", False),  # no punctuation at all fails
    ("samsum", 5, "", "琐碎的事，明天做。", False),  # ， and 。: two
    ("gigaword", 1, "", "客车爆炸两人丧生", True),
    ("gigaword", 1, "", "客车爆炸两人丧生。", False),
    ("gigaword", 2, "", "客车爆炸两人丧生", True),
    ("gigaword", 2, "", "客车爆炸，两人亡", False),
    ("gigaword", 3, "", "客车爆炸2人丧生", False),
    ("gigaword", 3, "", "客车爆炸一人丧生", False),  # quirk: 一 is str.isnumeric
    ("gigaword", 4, "", "公交车炸两人丧生", False),
    ("gigaword", 5, "", "在菲律宾客车爆炸", True),
    ("arxiv", 3, "", "我们提出了一种编辑方法", True),
    ("arxiv", 3, "", "本文提出了一种编辑方法", False),
    ("arxiv", 4, "", "我们编辑激活值", True),
    ("arxiv", 5, "", "我们编辑transformer激活", False),
    ("arxiv", 2, "", "我们提出了一种直接编辑模型中间层前馈模块的方法", False),  # 23 characters
])
def test_zh_source_rules(source: str, level: int, target: str, response: str, expected: bool) -> None:
    assert zh_rule_passes(source, level, target, response) is expected


def test_zh_sentences_and_numerals() -> None:
    assert zh_sentences("一。二！！三？") == ["一", "二", "三"]
    assert zh_sentences("no Chinese stops. at all!") == ["no Chinese stops. at all!"]
    assert has_numeric("万") and has_numeric("１") and not has_numeric("两人")


P1 = "1. " + "第一段的这句话一定要超过二十个汉字才能满足第三级的要求"
P2 = "2. " + "第二段的这句话同样也要超过二十个汉字才能满足第三级要求"
P3 = "3. " + "第三段的这句话依然需要超过二十个汉字才能满足第三级要求"


@pytest.mark.parametrize(("text", "level", "expected"), [
    ("\n\n".join([P1, P2, P3]), 4, True),  # unlike English, the "1." marker splits no sentence
    ("\n\n".join([P1, P2, P3]), 5, False),
    ("\n\n".join([P1, P2, P3, "这些是建议"]), 5, False),  # "这些是建议" is a sentence of 5 characters
    ("\n\n".join([P1, P2, P3, P1 + "这些是建议"]), 5, True),
    ("\n\n".join([P1, P2, P3.removeprefix("3. ")]), 4, False),
    ("\n\n".join([P1, P2, "短句"]), 2, True),
    ("\n\n".join([P1, P2, "短句"]), 3, True),  # quirk: only 。！？ end sentences, not paragraphs
    ("\n\n".join([P1 + "。", P2 + "。", "短句。"]), 3, False),
    ("\n\n".join([P1 + "。一。二", P2, P3]), 2, False),
    ("a\n\nb", 1, False),
])
def test_format22_zh(text: str, level: int, expected: bool) -> None:
    assert format22_zh(text, level) is expected


def test_zh_checker_params_are_validated() -> None:
    with pytest.raises(Exception, match="no rule for source"):
        build_checker("followbench.rule_zh", {"source": "quora", "level": 1})
    with pytest.raises(Exception, match="example id 22 only"):
        build_checker("followbench.format_rule_zh", {"example_id": 30, "level": 1})
    with pytest.raises(Exception, match="level must be"):
        build_checker("followbench.format_rule_zh", {"example_id": 22, "level": 6})


def test_adversarial_inputs_are_graded_in_bounded_time(samples: list[Sample]) -> None:
    rule = [s for s in samples if s.meta["method"] == "rule"]
    inputs = ["字" * 1_000_000, "。" * 1_000_000, "\n\n" * 500_000, "\x00\x07\x1b[31m" * 200_000,
              "12美元" * 200_000, "(A" * 500_000]
    start = time.perf_counter()
    for text in inputs:
        for s in {s.constraints[0].checker + str(s.meta["source"]): s for s in rule}.values():
            _check(s, text)
    assert time.perf_counter() - start < 20


# ---------------------------------------------------------------- judge prompt and verdict parser

def test_judge_prompt_level_1_byte_for_byte() -> None:
    expected = ("给定一个初始指令，我们添加一个情景约束（描述特定情况/背景的信息），获得了有1个附加约束的最终指令。\n\n"
                "#初始指令#\n指令0\n\n#初始指令 + 1个约束#\n指令1\n\n#初始指令 + 1个约束的答案#\n答案\n\n"
                "#系统#\n1) 请识别出添加的1个约束。\n2) 请判断#初始指令 + 1个约束的答案#是否满足了添加的1个约束。\n"
                "3) 在最后一行，只输出一个包含1个元素（“YES”或“NO”）的Python列表，表明答案是否满足添加的一个约束。")
    assert judge_prompt_zh("situation", ["指令0", "指令1"], "答案") == expected
    assert judge_prompt_zh("content", ["a", "b"], "c").startswith("给定一个初始指令，我们添加一个内容约束，获得了有1个")


def test_judge_prompt_level_3_byte_for_byte() -> None:
    expected = ("给定一个初始指令，我们每次添加一个约束，获得了有3个附加约束的最终指令。\n\n"
                "#初始指令#\nI0\n\n#初始指令 + 1个约束#\nI1\n\n#初始指令 + 2个约束#\nI2\n\n#初始指令 + 3个约束#\nI3\n\n"
                "#初始指令 + 3个约束的答案#\nANS\n\n"
                "#系统#\n1) 请识别出添加的3个约束。\n2) 对于添加的3个约束, 请判断#初始指令 + 3个约束的答案#是否满足了每个约束。\n"
                "3) 在最后一行，只输出一个包含3个元素（“YES”或“NO”）的Python列表，表明答案是否满足添加的每一个约束。")
    assert judge_prompt_zh("mixed", ["I0", "I1", "I2", "I3"], "ANS") == expected
    for kind, word in (("style", "风格约束"), ("format", "格式约束")):
        assert judge_prompt_zh(kind, ["a", "b", "c"], "x").startswith(f"给定一个初始指令，我们每次添加一个{word}，获得了有2个")


def test_judge_defaults() -> None:
    checker = build_checker("followbench.judge_zh", {"index": 0, "level": 1})
    assert checker.judge_defaults is JUDGE_ZH  # type: ignore[attr-defined]
    assert (JUDGE_ZH.model, JUDGE_ZH.temperature, JUDGE_ZH.max_tokens) == ("openai:gpt-4", 0.0, 1024)
    assert JUDGE.model == "openai:gpt-4o-mini"


@pytest.mark.parametrize(("text", "level", "expected"), [
    ("分析……\n['YES']", 1, [True]),
    ("“NO”", 1, [False]),
    ("```\n[YES, NO]\n```", 2, [True, False]),  # bare names are quoted first
    ("x\n[“YES”, “NO”, “PARTIALLY”]", 3, [True, False, False]),  # curly quotes become "
    ("['YES', 'NO', 'N/A']", 2, [True, False]),  # longer lists: only the first k count
    ("['YES', 'MAYBE', 'UNKNOWN'] \n\n", 3, [True, False, False]),
    ("[YES, NO, YES]\r", 3, [True, False, True]),
])
def test_parse_judgement_zh(text: str, level: int, expected: list[bool]) -> None:
    assert parse_judgement_zh(text, level) == expected


@pytest.mark.parametrize(("text", "level"), [
    ("无法判断", 1), ("", 1), ("['YES']\nok", 2), ("['YES']", 2), ("['YES', 'N/A']", 2),
    ("[UNKNOWN, YES]", 2),  # the bare-name quoting turns UNKNOWN into UNK'NO'WN
    ("[YES，NO]", 2), ("['YES', 1]", 2), ("\n['YES', 'NO']\n \n", 2),
    ("['YES'] + ['NO']", 2),  # upstream eval()s this to a list; ast.literal_eval refuses it (as in English)
    ("[" * 5000 + "]" * 5000, 2),
])
def test_parse_judgement_zh_unparseable(text: str, level: int) -> None:
    with pytest.raises(VerdictError):
        parse_judgement_zh(text, level)


# ---------------------------------------------------------------- end to end with the mock judge

def _verdict(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    prompt = last_user(body)
    found = re.search(r"获得了有(\d)个附加约束", prompt)
    k = int(found.group(1)) if found else 1
    if "MALFORMED" in prompt:
        text = "无法判断。"
    elif "HALF" in prompt:
        text = "1) ……\n[" + ", ".join(["YES"] + ["NO"] * (k - 1)) + "]"
    else:  # curly quotes and one element too many: the Chinese parser accepts both
        text = "全部满足。\n[" + ", ".join(["“YES”"] * k + ["“NO”"]) + "]"
    return 200, {"id": "j", "object": "chat.completion", "created": 0, "model": body["model"],
                 "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
                 "usage": {"prompt_tokens": 50, "completion_tokens": 5, "total_tokens": 55}}


def _judged_group(samples: list[Sample]) -> int:
    return next(s.meta["example_id"] for s in samples if s.meta["category"] == "content" and s.meta["method"] == "judge")


def _responses(samples: list[Sample], path: Path) -> None:
    judged = {1: "好的", 2: "好的", 3: "HALF 回答", 4: "MALFORMED 回答", 5: "好的"}
    gid = _judged_group(samples)
    e2e = next(s.meta["example_id"] for s in samples if s.meta["source"] == "E2E")
    lines = []
    for s in samples:
        cat, eid, level = s.meta["category"], s.meta["example_id"], s.meta["level"]
        if cat == "content" and eid == gid:
            lines.append({"id": s.id, "response": judged[level]})
        elif cat == "content" and eid == e2e:
            lines.append({"id": s.id, "response": s.reference["target"]})
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")


def _score(tmp: Path, shared_data: Path, url: str, *extra: str) -> dict[str, Any]:
    res = CliRunner().invoke(main, ["score", "--pack", "followbench", "-T", "lang=zh", "--responses",
                                    str(tmp / "r.jsonl"), "--data-dir", str(shared_data), "--out", str(tmp / "out"),
                                    "--judge", "openai:judge-mini", "-J", f"base_url={url}", *extra])
    assert res.exit_code == 0, res.output
    scores: dict[str, Any] = json.loads((tmp / "out/scores.json").read_text())["packs"]["followbench"]
    return scores


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def test_score_zh_with_mock_judge_compat(samples: list[Sample], shared_data: Path, tmp_path: Path) -> None:
    _responses(samples, tmp_path / "r.jsonl")
    with serve(_verdict) as (url, received):
        scores = _score(tmp_path, shared_data, url)
        assert len(received) == 5  # one call per judged instruction; compat never re-asks
    assert all(b["temperature"] == 0 and b["max_tokens"] == 1024 and b["model"] == "judge-mini" for b in received)
    gid = _judged_group(samples)
    by_id = {s.id: s for s in samples}
    first = by_id[f"zh/content/{gid}/1"]
    prompts = {b["messages"][0]["content"] for b in received}  # calls run concurrently: any order
    assert judge_prompt_zh("content", first.reference["evolution"], "好的") in prompts
    checks = [json.loads(x) for x in (tmp_path / "out/checks.jsonl").read_text().splitlines()]
    assert all(c["sample_id"].startswith("zh/content/") for c in checks)
    bad = [c for c in checks if c["sample_id"] == f"zh/content/{gid}/4"]
    assert len(bad) == 4 and {c["status"] for c in bad} == {"error"}
    assert {c["checker"] for c in checks} == {"followbench.judge_zh", "followbench.rule_zh"}
    m = scores["metrics"]
    # L1: judge 1 + E2E 1; L3: judge [YES, NO, NO] 0 + 1, soft (1/3 + 1)/2; L4: upstream -1 + 1;
    # L5: six elements, the first five YES -> 1
    assert m["HSR_L1"] == 1.0 and m["HSR_L3"] == 0.5 and m["SSR_L3"] == pytest.approx(2 / 3)
    assert m["HSR_L4"] == 0.0 and m["SSR_L4"] == 0.0 and m["HSR_L5"] == 1.0
    assert m["CSL_norm"] == pytest.approx((2 + 5) / 2 / 5)
    assert scores["counts"]["judge"]["calls"] == 5


def test_score_zh_with_mock_judge_strict(samples: list[Sample], shared_data: Path, tmp_path: Path) -> None:
    _responses(samples, tmp_path / "r.jsonl")
    with serve(_verdict) as (url, received):
        scores = _score(tmp_path, shared_data, url, "-T", "mode=strict")
        assert len(received) == 5 + 3  # the malformed verdict is re-asked three times
    status = {r["instructions"]: r["n"] for r in scores["tables"]["instructions"]}
    assert status == {"ok": 9, "unparsed (strict: left out)": 1}


def test_upstream_zh_api_output_format(samples: list[Sample], shared_data: Path, tmp_path: Path) -> None:
    e2e = [s for s in samples if s.meta["source"] == "E2E"][:5]
    lines = [{"prompt_new": s.messages[0]["content"], "choices": [{"message": {"content": s.reference["target"]}}]}
             for s in e2e]
    (tmp_path / "r.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    res = CliRunner().invoke(main, ["score", "--pack", "followbench", "-T", "lang=zh", "--responses",
                                    str(tmp_path / "r.jsonl"), "--data-dir", str(shared_data), "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    scores = json.loads((tmp_path / "out/scores.json").read_text())["packs"]["followbench"]
    assert scores["metrics"]["HSR"] == 1.0 and scores["metrics"]["CSL_norm"] == 1.0
