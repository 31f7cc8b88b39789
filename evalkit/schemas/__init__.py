"""JSON Schemas of the run-directory files, versioned with the files they describe."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from evalkit.records import CheckRow, GenerationRow

SCHEMA_FILES = {"run.json": "run.schema.json", "scores.json": "scores.schema.json",
                "generations.jsonl": "generation_row.schema.json", "checks.jsonl": "check_row.schema.json",
                "records.jsonl": "record_row.schema.json"}


def row_schemas() -> dict[str, dict[str, Any]]:
    """The JSONL row schemas as generated from the record models (the committed files must match)."""
    return {"generation_row.schema.json": GenerationRow.model_json_schema(),
            "check_row.schema.json": CheckRow.model_json_schema()}


def load(file_name: str) -> dict[str, Any]:
    """The schema for a run-directory file name (``run.json``, ``checks.jsonl``…)."""
    text = (resources.files("evalkit.schemas") / SCHEMA_FILES[file_name]).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema

