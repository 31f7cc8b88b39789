"""The rows of a run directory's JSONL files, as validated records (DESIGN §4)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

GenerationStatus = Literal["ok", "empty", "truncated", "unterminated_thinking", "refusal", "error"]
CheckStatus = Literal["ok", "error", "skipped"]


class Usage(BaseModel):
    """Token counts of one generation (None when the backend does not report them)."""

    model_config = ConfigDict(extra="allow")
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    cost_usd: float | None = None  # from LiteLLM's price map when the model is in it


class GenerationRow(BaseModel):
    """One line of ``generations.jsonl``: the model's answer to one (sample, epoch)."""

    model_config = ConfigDict(extra="allow")
    pack: str
    sample_id: str
    epoch: int = 0
    status: GenerationStatus
    response: str = ""
    reasoning: str | None = None
    usage: Usage = Usage()
    latency_s: float | None = None
    error: str | None = None
    model: str | None = None
    finish_reason: str | None = None
    attempts: int | None = None
    cached: bool = False
    # the prompt as the pack wrote it (before any --system-message), for reports and drill-down
    messages: list[dict[str, str]] | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.pack, self.sample_id, self.epoch)


class CheckRow(BaseModel):
    """One line of ``checks.jsonl``: one constraint verdict, with the sample's table dimensions."""

    model_config = ConfigDict(extra="allow", ser_json_inf_nan="constants")  # NaN stays NaN, as json.dumps writes it
    pack: str
    sample_id: str
    epoch: int = 0
    constraint_index: int
    checker: str
    params: dict[str, Any]
    passed: bool | None
    status: CheckStatus
    reason: str = ""
    details: dict[str, Any] | None = None
