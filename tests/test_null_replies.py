"""A reply whose content is JSON null is told apart from an empty reply by every chat backend's
parser, and the mark survives the request cache."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from evalkit.backends.anthropic_msgs import from_anthropic
from evalkit.backends.openai_chat import from_openai
from evalkit.backends.ray_llm import from_chat_json
from evalkit.cache import RequestCache


def _reply(content: str | None) -> dict[str, Any]:
    return {"model": "m", "choices": [{"finish_reason": "stop", "message": {"role": "assistant", "content": content}}]}


def test_openai_null_content_is_marked() -> None:
    null, empty = from_openai(_reply(None)), from_openai(_reply(""))
    assert null.text == "" and null.null is True
    assert empty.text == "" and empty.null is False
    assert from_openai(_reply("hi")).null is False


def test_ray_http_null_content_is_marked() -> None:
    assert from_chat_json(_reply(None)).null is True
    assert from_chat_json(_reply("")).null is False


def test_anthropic_without_text_block_is_marked() -> None:
    def resp(*blocks: Any) -> Any:
        return SimpleNamespace(content=list(blocks), stop_reason="end_turn", usage=None, model="m")

    assert from_anthropic(resp()).null is True
    assert from_anthropic(resp(SimpleNamespace(type="thinking", thinking="hmm"))).null is True
    assert from_anthropic(resp(SimpleNamespace(type="text", text=""))).null is False


def test_the_cache_keeps_the_null_mark(tmp_path: Path) -> None:
    cache = RequestCache(tmp_path)
    cache.put("k", from_openai(_reply(None)))
    got = cache.get("k")
    assert got is not None and got.null is True and got.cached
