"""Regenerate the JSONL row schemas from the record models: ``python -m evalkit.schemas``."""

from __future__ import annotations

import json
from pathlib import Path

from evalkit.schemas import row_schemas

HERE = Path(__file__).parent
for name, schema in row_schemas().items():
    (HERE / name).write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
