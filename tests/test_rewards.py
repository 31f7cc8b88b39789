"""Checkers as rewards: agreement with the packs' own verdicts, the reward rules, and each
trainer adapter called exactly as its trainer calls it (TRL ``GRPOTrainer``, verl's reward
manager, open-instruct's verifiers), pickling included."""

from __future__ import annotations

import importlib.util
import json
import pickle
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pytest

import evalkit.rewards as rewards
from evalkit.errors import EvalkitError
from evalkit.grading import Grader
from evalkit.records import GenerationRow
from evalkit.rewards import open_instruct, verl
from evalkit.tasks.ifeval import PACK as IFEVAL
from evalkit.tasks.muldimif import PACK as MULDIMIF
from evalkit.types import Sample

GPT4 = "ifeval/reference_gpt4/input_response_data_gpt4_20231107_145030.jsonl"
NO_COMMA = {"checker": "ifeval.punctuation:no_comma", "params": {}}
WORDS_3 = {"checker": "ifeval.length_constraints:number_words", "params": {"num_words": 3, "relation": "at least"}}


def _spec(sample: Sample) -> list[dict[str, Any]]:
    return [{"checker": c.checker, "params": c.params} for c in sample.constraints]


def _pack_verdicts(grader: Grader, sample: Sample, response: str) -> list[bool]:
    gen = GenerationRow.model_construct(pack=sample.pack, sample_id=sample.id, epoch=0, status="ok", response=response)
    return [bool(row.passed) for row in grader.grade(sample, gen)]


def test_muldimif_rewards_equal_pack_and_upstream_verdicts(shared_data: Path) -> None:
    """Over the 8,400 canned-response rows: ``all`` is the pack's all-pass verdict and
    ``fraction`` its constraint pass rate, and both equal upstream's own verdicts. The one
    deliberate difference: the empty canned response scores 0 (upstream passes some
    constraints on it, e.g. "at most 100 words")."""
    samples = {s.id: s for s in MULDIMIF.load(shared_data)}
    canned = json.loads((shared_data / "muldimif" / "upstream_verdicts_canned_responses.json").read_text())
    texts, grader = canned["canned_responses"], Grader(MULDIMIF.mode({}))
    responses, specs, expected_all, expected_fraction = [], [], [], []
    for row in canned["verdicts"]:
        sample, text = samples[row["id"]], texts[row["response_name"]]
        verdicts = _pack_verdicts(grader, sample, text)
        assert verdicts == [bool(j) for j in row["judges"]]
        if not text.strip():
            assert rewards.reward(text, _spec(sample)) == 0.0
            continue
        responses.append(text)
        specs.append(json.dumps(_spec(sample)))
        expected_all.append(float(all(verdicts)))
        expected_fraction.append(sum(verdicts) / len(verdicts))
    assert rewards.reward_batch(responses, specs, mode="all") == expected_all
    assert rewards.reward_batch(responses, specs, mode="fraction") == expected_fraction
    assert 0 < sum(expected_all) < len(expected_all)  # both outcomes occur


@pytest.mark.parametrize("grading", ["strict", "loose"])
def test_ifeval_rewards_equal_pack_verdicts_on_gpt4_responses(shared_data: Path, grading: str) -> None:
    """IFEval's default grading is strict; ``loose=True`` gives the loose verdicts."""
    samples = IFEVAL.load(shared_data)
    pairs = IFEVAL.parse_responses(shared_data / GPT4, samples) or []
    by_id = {s.id: s for s in samples}
    grader = Grader(grading)
    n_differ = 0
    for sid, text in pairs:
        verdicts = _pack_verdicts(grader, by_id[sid], text)
        spec = _spec(by_id[sid])
        loose = grading == "loose"
        assert rewards.reward(text, spec, mode="all", loose=loose) == float(all(verdicts))
        assert rewards.reward(text, spec, mode="fraction", loose=loose) == sum(verdicts) / len(verdicts)
        n_differ += rewards.reward(text, spec, "all", loose=False) != rewards.reward(text, spec, "all", loose=True)
    assert n_differ > 0  # the two gradings really differ on some responses


def test_reward_rules() -> None:
    """Thinking stripped first; empty or unterminated answers score 0; checker errors and
    unknown checkers score 0 and are counted; nothing raises; results are repeatable."""
    spec = [NO_COMMA, WORDS_3]
    assert rewards.reward("one two three", spec) == 1.0
    assert rewards.reward("one, two three", spec) == 0.5
    assert rewards.reward("one, two three", spec, mode="all") == 0.0
    assert rewards.reward("<think>a, b</think>\none two three", spec) == 1.0
    assert rewards.reward("<think>one two three, still thinking", spec) == 0.0
    assert rewards.reward("   ", [NO_COMMA]) == 0.0
    broken = {"checker": "ifeval.keywords:existence", "params": {"keywords": ["("]}}  # invalid regex
    result = rewards.Rewarder().score("one two three", [NO_COMMA, broken, {"checker": "no.such", "params": {}}])
    assert (result.score, result.passed, result.total, result.errors) == (pytest.approx(1 / 3), 1, 3, 2)
    assert rewards.Rewarder().score("x", "not json").errors == 1
    assert rewards.Rewarder().score("x", 42).score == 0.0
    assert rewards.reward("one two three", json.dumps(spec)) == rewards.reward("one two three", spec) == 1.0
    with pytest.raises(EvalkitError, match="reward mode"):
        rewards.Rewarder(mode="mean")


def test_pack_default_grading_mode_applies() -> None:
    """MulDimIF checkers run in compat mode unless another of its modes is asked for."""
    spec = [{"checker": "muldimif.length.words", "params": {"constraint": "The response must contain at most 5 words"}}]
    assert rewards.Rewarder()._mode_for("muldimif.length.words") == "compat"
    assert rewards.Rewarder(loose=True)._mode_for("muldimif.length.words") == "compat"  # no loose mode there
    assert rewards.Rewarder(grading_mode="strict")._mode_for("muldimif.length.words") == "strict"
    assert rewards.Rewarder(loose=True)._mode_for("ifeval.punctuation:no_comma") == "loose"
    assert rewards.reward("just four words here", spec) == 1.0


# -- TRL -------------------------------------------------------------------------------------


def _call_like_grpo(func: Any, prompts: list[Any], completions: list[Any], inputs: list[dict[str, Any]]) -> list[float]:
    """What ``GRPOTrainer._calculate_rewards`` does for a plain reward function: every dataset
    column except prompt/completion becomes a list keyword, plus the trainer's own keywords."""
    keys = [key for key in inputs[0] if key not in ("prompt", "completion")]
    reward_kwargs = {key: [example[key] for example in inputs] for key in keys}
    output = func(prompts=prompts, completions=completions, completion_ids=[[1, 2]] * len(completions),
                  trainer_state=None, **reward_kwargs)
    return [r if r is not None else float("nan") for r in output]


def test_trl_adapter_standard_and_conversational() -> None:
    func = rewards.trl(mode="fraction")
    assert func.__name__ == "evalkit_fraction"  # TRL logs rewards under the function's name
    spec = [NO_COMMA, WORDS_3]
    inputs = [{"prompt": "p", "constraints": json.dumps(spec), "id": "a"},
              {"prompt": "p", "constraints": spec, "id": "a"}]
    assert _call_like_grpo(func, ["p", "p"], ["one two three", "one, two"], inputs) == [1.0, 0.0]
    chat_prompts = [[{"role": "user", "content": "p"}]] * 2
    chat = [[{"role": "assistant", "content": "<think>x, y</think>one two three"}],
            [{"role": "assistant", "content": [{"type": "text", "text": "one, two three"}]}]]
    assert _call_like_grpo(func, chat_prompts, chat, inputs) == [1.0, 0.5]
    assert _call_like_grpo(rewards.trl(mode="all"), chat_prompts, chat, inputs) == [1.0, 0.0]
    other = rewards.trl(column="rules")
    assert _call_like_grpo(other, ["p"], ["one two three"], [{"prompt": "p", "rules": spec}]) == [1.0]
    with pytest.raises(Exception, match="no 'constraints' column"):
        _call_like_grpo(func, ["p"], ["x"], [{"prompt": "p", "other": 1}])


def test_trl_adapter_pickles_and_runs_in_a_worker_process() -> None:
    func = rewards.trl(mode="all")
    func(completions=["one two three"], constraints=[[NO_COMMA]])  # caches filled, then dropped by pickling
    clone = pickle.loads(pickle.dumps(func))
    assert clone.__name__ == func.__name__
    args = {"completions": ["one two three", "a, b"], "constraints": [[NO_COMMA], [NO_COMMA]]}
    assert clone(**args) == func(**args) == [1.0, 0.0]
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        assert pool.submit(_apply, func, args).result(timeout=120) == [1.0, 0.0]


def _apply(func: Any, kwargs: dict[str, Any]) -> list[float]:
    return list(func(**kwargs))


# -- verl ------------------------------------------------------------------------------------


def _load_like_verl(path: str, name: str) -> Any:
    """verl's ``get_custom_reward_fn``: import the file by path as a fresh module, take ``name``."""
    spec = importlib.util.spec_from_file_location("custom_module", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def test_verl_compute_score_as_the_reward_manager_calls_it() -> None:
    compute_score = _load_like_verl(verl.__file__, "compute_score")
    truth = json.dumps([NO_COMMA, WORDS_3])
    score = compute_score(data_source="evalkit/ifeval", solution_str="<think>a, b</think>one two three",
                          ground_truth=truth, extra_info={"index": 3})
    assert score == 1.0 and isinstance(score, float)
    assert compute_score(data_source="x", solution_str="one, two three", ground_truth=truth) == 0.5
    assert compute_score(data_source="x", solution_str="one, two three", ground_truth=truth, mode="all") == 0.0
    assert compute_score(data_source="x", solution_str="one, two three", ground_truth=[NO_COMMA, WORDS_3],
                         extra_info={"mode": "all"}) == 0.0
    assert compute_score(data_source="x", solution_str="a", ground_truth="{broken") == 0.0
    details = verl.compute_score_details("x", "one, two three", truth)
    assert details == {"score": 0.5, "passed": 1.0, "total": 2.0, "errors": 0.0}
    assert pickle.loads(pickle.dumps(verl.compute_score)) is verl.compute_score


# -- open-instruct ---------------------------------------------------------------------------


def test_open_instruct_verifier_on_ifeval_labels(shared_data: Path) -> None:
    """Labels in open-instruct's stored form (``str([{"instruction_id", "kwargs"}])``) score the
    fraction of instructions the pack's strict grading passes."""
    verifier = pickle.loads(pickle.dumps(open_instruct.IFEvalVerifier()))
    records = {str(json.loads(line)["key"]): json.loads(line)
               for line in (shared_data / "ifeval" / "input_data.jsonl").read_text().splitlines()}
    samples = IFEVAL.load(shared_data)
    pairs = (IFEVAL.parse_responses(shared_data / GPT4, samples) or [])[:120]
    by_id, grader = {s.id: s for s in samples}, Grader("strict")
    for sid, text in pairs:
        record = records[sid]
        label = str([{"instruction_id": record["instruction_id_list"], "kwargs": record["kwargs"]}])
        verdicts = _pack_verdicts(grader, by_id[sid], text)
        result = verifier([1, 2, 3], text, label, query=record["prompt"])
        assert result.score == sum(verdicts) / len(verdicts)
    as_json = json.dumps({"instruction_id": ["punctuation:no_comma"], "kwargs": [None]})
    assert verifier([], "no commas", as_json).score == 1.0
    assert verifier([], "no commas", str([as_json])).score == 1.0  # list element given as JSON text
    assert verifier([], "", as_json).score == 0.0
    unknown = verifier.result("text", {"instruction_id": ["made:up"], "kwargs": [{}]})
    assert (unknown.score, unknown.errors) == (0.0, 1)
    assert verifier([], "x", "not a label").score == 0.0


def test_open_instruct_maps_ifbench_training_ids() -> None:
    label = {"instruction_id": ["count:word_count_range"], "kwargs": [{"min_words": 2, "max_words": 4}]}
    assert open_instruct.label_constraints(label)[0]["checker"] == "ifbench.count:word_count_range"
    assert open_instruct.label_constraints(label)[0]["params"] == {"min_words": 2, "max_words": 4}


def test_batch_of_many_completions_per_prompt_is_deterministic() -> None:
    spec = json.dumps([NO_COMMA, WORDS_3])
    completions = ["one two three", "a, b", "", "<think>", "one two, three four"] * 20
    first = rewards.reward_batch(completions, [spec] * len(completions))
    again = rewards.reward_batch(list(reversed(completions)), [spec] * len(completions))
    assert first == list(reversed(again))
    counts: dict[float, int] = defaultdict(int)
    for value in first:
        counts[value] += 1
    assert counts == {1.0: 20, 0.5: 20, 0.0: 60}
