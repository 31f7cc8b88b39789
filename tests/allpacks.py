"""Real-shaped run directories of every pack, built through the public Python API.

Each run is graded from the inputs the pack's own conformance tests use (IFEval's GPT-4
responses, CFBench's shipped judged file, LR²Bench's DeepSeek-R1 submission, MulDimIF's canned
responses, QuestBench gold answers, the CoDI/KITAB/AgentIF fixtures, FollowBench through a
loopback judge) on a subset small enough to keep the suite fast, plus one multi-pack run made
with the ``mock:`` backend. ``degraded=True`` builds the same run from worse inputs (about half
the samples answered badly, or judged "no"), for regression gates.

Runs are built once per test session (:func:`all_runs` memoises on the base folder).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import evalkit
from evalkit.packs import get_pack
from evalkit.types import Sample

from .mock_openai_server import last_user, serve

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
IFEVAL_GPT4 = "ifeval/reference_gpt4/input_response_data_gpt4_20231107_145030.jsonl"
SINGLE_PACKS = ("starter", "ifeval", "cfbench", "lr2bench", "followbench", "muldimif", "questbench", "codi",
                "kitab", "agentif", "ifbench", "multiif")
MULTI = "multi"
BAD = "x"  # an answer that meets almost no constraint
CACHE_VARS = ("EVALKIT_CACHE_DIR", "EVALKIT_REQUEST_CACHE_DIR")
Builder = Callable[[Path, Path, bool], None]


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _input(out: Path, suffix: str) -> Path:
    """Where the inputs (and caches) of the run ``out`` go: beside the runs folder, not in it."""
    folder = out.parent.parent / f"{out.parent.name}-inputs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{out.name}{suffix}"


def _worse(i: int, degraded: bool) -> bool:
    """Whether the i-th answer is replaced by a bad one (every other answer in a degraded run)."""
    return degraded and i % 2 == 0


def _chat_reply(text: str, model: str) -> tuple[int, dict[str, Any]]:
    return 200, {"id": "j", "object": "chat.completion", "created": 0, "model": model,
                 "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
                 "usage": {"prompt_tokens": 20, "completion_tokens": 4, "total_tokens": 24}}


@contextmanager
def _judge(reply: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    """A loopback OpenAI-compatible judge; yields the judge arguments for ``evalkit.run``/``score_responses``."""
    with serve(reply) as (url, _received):
        yield {"base_url": url, "max_retries": 0}


# ---------------------------------------------------------------------------- one builder per pack

def _starter(out: Path, shared: Path, degraded: bool) -> None:
    samples = get_pack("starter").load()
    rows = [{"id": s.id, "response": BAD if _worse(i, degraded) else (s.reference or "")}
            for i, s in enumerate(samples)]
    evalkit.score_responses("starter", _jsonl(_input(out, ".jsonl"), rows), out=out)


def _ifeval(out: Path, shared: Path, degraded: bool) -> None:
    lines = (shared / IFEVAL_GPT4).read_text(encoding="utf-8").splitlines()[:120]
    rows = [json.loads(line) for line in lines]
    for i, row in enumerate(rows):
        if _worse(i, degraded):
            row["response"] = BAD
    evalkit.score_responses("ifeval", _jsonl(_input(out, ".jsonl"), rows), out=out, data_dir=shared)


def _cfbench(out: Path, shared: Path, degraded: bool) -> None:
    records = json.loads((shared / "cfbench/output/judge/moonshot_eval.json").read_text(encoding="utf-8"))
    for i, rec in enumerate(records):
        if _worse(i, degraded):  # the judge said "no" to every checklist item
            rec["judge_response"] = rec["judge_response"].replace("\t1", "\t0")
            rec["judge_score"] = ["0" for _ in rec["judge_score"]]
    path = _input(out, "_eval.json")
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    evalkit.score_responses("cfbench", path, out=out, data_dir=shared)


def _lr2bench(out: Path, shared: Path, degraded: bool) -> None:
    sub = json.loads((shared / "lr2bench/submission_template_deepseek_r1.json").read_text(encoding="utf-8"))
    for task, entries in sub["results"].items():
        kept = entries[:24]
        answers = [e["answer"] for e in kept]
        for i, entry in enumerate(kept):
            if _worse(i, degraded):  # another puzzle's answer: well-formed, and wrong
                entry["answer"] = answers[(i + 1) % len(answers)]
        sub["results"][task] = kept
    path = _input(out, ".json")
    path.write_text(json.dumps(sub), encoding="utf-8")
    evalkit.score_responses("lr2bench", path, out=out, data_dir=shared)


def _followbench_verdict(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    prompt = last_user(body)
    k = int(prompt.split(" additional constraint", 1)[0].rsplit(" ", 1)[-1])
    answer = "NO" if "POOR ANSWER" in prompt else "YES"
    return _chat_reply(f"Checked.\n{[answer] * k}", body["model"])


def _followbench(out: Path, shared: Path, degraded: bool) -> None:
    samples = get_pack("followbench").load(shared)
    picked = [s for s in samples if s.meta["category"] in ("content", "style") and int(s.meta["example_id"]) <= 4]
    rows = []
    for i, s in enumerate(picked):
        good = s.reference.get("target") if s.meta["method"] == "rule" else f"A fine answer to {s.id}."
        rows.append({"id": s.id, "response": "POOR ANSWER" if _worse(i, degraded) else (good or "fine")})
    with _judge(_followbench_verdict) as args:
        evalkit.score_responses("followbench", _jsonl(_input(out, ".jsonl"), rows), out=out,
                                data_dir=shared, judge="openai:judge-mini", judge_args=args)


def _muldimif(out: Path, shared: Path, degraded: bool) -> None:
    canned = json.loads((shared / "muldimif/upstream_verdicts_canned_responses.json").read_text(encoding="utf-8"))
    samples = get_pack("muldimif").load(shared)
    picked = [s for lv in ("I", "II", "III", "IV") for s in [x for x in samples if x.meta["level"] == lv][:100]]
    text = canned["canned_responses"]["upper_en"]
    rows = [{"id": s.id, "response": BAD if _worse(i, degraded) else text} for i, s in enumerate(picked)]
    evalkit.score_responses("muldimif", _jsonl(_input(out, ".jsonl"), rows), out=out, data_dir=shared)


def _questbench_gold(s: Sample) -> str:
    subset = s.meta["subset"]
    if subset == "Logic-Q":
        return f"Question: Is Alice {s.reference[0]}?"
    if subset == "Planning-Q":
        return str(s.reference[0])
    return f"Choice: {s.reference}"


def _questbench(out: Path, shared: Path, degraded: bool) -> None:
    options = {"planning_full": "off"}
    samples = get_pack("questbench").load(shared, options)
    picked = [s for sub in ("Logic-Q", "Planning-Q", "GSM-Q", "GSME-Q")
              for s in [x for x in samples if x.meta["subset"] == sub][:15]]
    rows = [{"id": s.id, "response": "garbage" if _worse(i, degraded) or i % 5 == 4 else _questbench_gold(s)}
            for i, s in enumerate(picked)]
    evalkit.score_responses("questbench", _jsonl(_input(out, ".jsonl"), rows), out=out, data_dir=shared,
                            task_args=options)


def _codi_witness(s: Sample) -> str:
    """An answer meeting a CoDI length or keyword constraint, built from its parameters."""
    params = s.constraints[0].params
    if "keywords" in params:
        return "Here is a sentence that mentions " + ", ".join(params["keywords"]) + "."
    return " ".join(["word"] * int((params["lo"] + params["hi"]) / 2))


def _codi(out: Path, shared: Path, degraded: bool) -> None:
    options = {"tasks": "length,keyword"}
    fixture = {r["id"]: r["response"] for r in
               map(json.loads, (FIXTURES / "codi/responses.jsonl").read_text(encoding="utf-8").splitlines())}
    samples = get_pack("codi").load(shared, options)
    picked = [s for task in ("length", "keyword") for s in [x for x in samples if x.meta["task"] == task][:20]]
    picked += [s for s in samples if s.id in fixture and s not in picked]
    rows = [{"id": s.id, "response": BAD if _worse(i, degraded) else fixture.get(s.id) or _codi_witness(s)}
            for i, s in enumerate(picked)]
    evalkit.score_responses("codi", _jsonl(_input(out, ".jsonl"), rows), out=out, data_dir=shared,
                            task_args=options)


def _kitab_answer(*titles: str) -> str:
    return "Thinking...\nOutput:    \n" + "".join(f"{i}. Reason: r. Title: {t}\n" for i, t in enumerate(titles, 1))


def _replicated(out: Path, pack: str, name: str, copies: int, transform: Callable[[str, int], str]) -> Path:
    """A data folder holding ``pack``'s test fixture with the data file ``name`` rewritten by
    ``transform(text, copies)`` (the fixtures are too small for a paired test to see a drop)."""
    src = FIXTURES / pack / pack
    dest = out.parent.parent / "data" / pack  # one copy for baseline and degraded runs: same data, same hashes
    dest.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        text = f.read_text(encoding="utf-8")
        (dest / f.name).write_text(transform(text, copies) if f.name == name else text, encoding="utf-8")
    return dest.parent


def _repeat_lines(text: str, copies: int) -> str:
    return "".join(line + "\n" for line in text.splitlines() if line.strip()) * copies


def _renumber_instances(text: str, copies: int) -> str:
    rows = json.loads(text)
    out = []
    for k in range(copies):
        for row in rows:
            row = dict(row)
            if row.get("id"):
                row["id"] = f"{row['id']}-{k}"
            else:
                row["query_id"] = f"{row.get('query_id')}-{k}"
            out.append(row)
    return json.dumps(out, ensure_ascii=False)


def _kitab(out: Path, shared: Path, degraded: bool) -> None:
    data = _replicated(out, "kitab", "KITAB-ONE-BOOK-CONSTRAINTS.json", 5, _repeat_lines)
    samples = get_pack("kitab").load(data)
    rows = []
    for i, s in enumerate(samples):
        books = [str(b).split(" (")[0] for b in (s.reference or {}).get("all_books", [])][:2]
        text = "I don't know any." if _worse(i, degraded) or not books else _kitab_answer(*books)
        rows.append({"id": s.id, "response": text})
    evalkit.score_responses("kitab", _jsonl(_input(out, ".jsonl"), rows), out=out, data_dir=data)


def _agentif(out: Path, shared: Path, degraded: bool) -> None:
    def reply(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        prompt = body["messages"][-1]["content"]
        text = "<think>z</think>short" if "EXTRACT" in prompt else "Reasoning.\n" + ("NO" if degraded else "YES")
        return _chat_reply(text, body["model"])

    with _judge(reply) as args:
        evalkit.run(["agentif"], "mock:constant", out=out, model_args={"text": "<think>plan</think><code>print(1)</code>"},
                    data_dir=_replicated(out, "agentif", "eval.json", 5, _renumber_instances), judge="openai:judge",
                    judge_args=args, progress=False)


def _ifbench(out: Path, shared: Path, degraded: bool) -> None:
    os.environ.setdefault("NLTK_DATA", str(shared / "ifbench" / "nltk_data"))
    rows = [json.loads(line) for line in (shared / "ifbench/reference/synthetic_probe_verdicts.jsonl").open()][:80]
    answers = [{"prompt": r["prompt"], "response": BAD if _worse(i, degraded) else r["response"]}
               for i, r in enumerate(rows)]
    evalkit.score_responses("ifbench", _jsonl(_input(out, ".jsonl"), answers), out=out, data_dir=shared)


def _renumber_conversations(text: str, copies: int) -> str:
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(text)))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for k in range(copies):
        writer.writerows({**row, "key": f"{row['key']}{k:02d}"} for row in rows)
    return buf.getvalue()


def _multiif(out: Path, shared: Path, degraded: bool) -> None:
    data = _replicated(out, "multiif", "multiIF_20241018.csv", 10, _renumber_conversations)
    evalkit.run(["multiif"], "mock:constant" if degraded else "mock:echo", out=out,
                model_args={"text": "x, y"} if degraded else None, data_dir=data, progress=False)


def _multi(out: Path, shared: Path, degraded: bool) -> None:
    evalkit.run(["starter", "ifeval", "muldimif"], "mock:constant" if degraded else "mock:echo", out=out,
                model_args={"text": BAD} if degraded else None, data_dir=shared, limit=30, progress=False)


BUILDERS: dict[str, Builder] = {
    "starter": _starter, "ifeval": _ifeval, "cfbench": _cfbench, "lr2bench": _lr2bench,
    "followbench": _followbench, "muldimif": _muldimif, "questbench": _questbench, "codi": _codi,
    "kitab": _kitab, "agentif": _agentif, "ifbench": _ifbench, "multiif": _multiif, MULTI: _multi,
}
_BUILT: dict[tuple[Path, bool], dict[str, Path]] = {}


def build_run(name: str, out: Path, shared: Path, degraded: bool = False) -> Path:
    """Build the run called ``name`` (a pack name, or ``multi``) into ``out``; returns ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    saved = {k: os.environ.get(k) for k in CACHE_VARS}
    for k in CACHE_VARS:  # caches (judge verdicts, requests) stay inside this run's folder
        os.environ[k] = str(_input(out, f".{k.lower()}"))
    try:
        BUILDERS[name](out, shared, degraded)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return out


def all_runs(base: Path, shared: Path, degraded: bool = False) -> dict[str, Path]:
    """Every pack's run plus the multi-pack run under ``base`` (built on the first call only)."""
    key = (base, degraded)
    if key not in _BUILT:
        folder = base / ("degraded" if degraded else "baseline")
        _BUILT[key] = {name: build_run(name, folder / name, shared, degraded) for name in BUILDERS}
    return _BUILT[key]
