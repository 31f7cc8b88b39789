"""Canned replies of a loopback CFBench judge: the criteria a judge prompt lists and an
OpenAI-style chat completion carrying the judge's text."""

from __future__ import annotations

from typing import Any

MARK = "[评估标准]: "  # precedes the criteria in CFBench's judge prompt


def completion(body: dict[str, Any], text: str | None) -> tuple[int, dict[str, Any]]:
    """HTTP 200 and a one-choice chat completion answering ``body`` with ``text`` (None: a null
    content), reporting 100 prompt and 7 completion tokens."""
    return 200, {"id": "j", "object": "chat.completion", "created": 0, "model": body["model"],
                 "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
                 "usage": {"prompt_tokens": 100, "completion_tokens": 7, "total_tokens": 107}}


def criteria(body: dict[str, Any]) -> list[str]:
    """The criteria listed in the judge prompt of ``body`` (its last message), in order."""
    content = body["messages"][-1]["content"]
    return content[content.rindex(MARK) + len(MARK):].rsplit("\n\n[你的评估]", 1)[0].split("\n\n")
