"""Reading Multi-IF's data: the CSV ``multiIF_20241018.csv`` of HF ``facebook/Multi-IF``.

One row per conversation. Columns used: ``key``, ``language`` and, for k = 1..3,
``turn_k_prompt`` (a JSON message object; the text ``None`` or "" when the turn does not
exist), ``turn_k_instruction_id_list`` (a JSON list of IFEval ids) and ``turn_k_kwargs`` (a
JSON list of JSON-encoded kwargs objects). Cells are read as text, as upstream's
``read_csv(keep_default_na=False)`` does. The data is CC-BY-NC-2.0 and never bundled: it is
read from ``<data dir>/multiif/multiIF_20241018.csv`` (``--data-dir`` or ``$EVALKIT_DATA_DIR``)
or from the hub through ``datasets`` (extra ``[data]``).
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from typing import Any

from evalkit.errors import DataError, EvalkitError

HF_DATASET = "facebook/Multi-IF"
CSV_NAME = "multiIF_20241018.csv"
TURN_COUNT = 3


def local_file(data_dir: Path | None) -> Path | None:
    """``<root>/multiif/multiIF_20241018.csv`` under ``--data-dir`` or ``$EVALKIT_DATA_DIR``."""
    env = os.environ.get("EVALKIT_DATA_DIR")
    for root in (data_dir, Path(env) if env else None):
        if root is not None and (root / "multiif" / CSV_NAME).is_file():
            return root / "multiif" / CSV_NAME
    return None


def read_csv(path: Path) -> list[dict[str, str]]:
    """The CSV's rows as text cells (DataError when a needed column is missing)."""
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    needed = {"key", "language", "turn_1_prompt", "turn_1_instruction_id_list", "turn_1_kwargs"}
    if rows and not needed <= rows[0].keys():
        raise DataError(f"{path}: missing columns {', '.join(sorted(needed - rows[0].keys()))}")
    return rows


def read_hub() -> list[dict[str, Any]]:
    """The rows of ``facebook/Multi-IF`` from the hub (needs ``datasets``)."""
    try:
        import datasets
    except ImportError:
        raise EvalkitError("Multi-IF comes from the hub and needs `datasets`: pip install 'evalkit-if[data]' "
                           f"(or put {CSV_NAME} under <data dir>/multiif/)") from None
    last: Exception | None = None
    for split in ("train", "test"):  # the parquet conversion calls the split "train"
        try:
            return [dict(r) for r in datasets.load_dataset(HF_DATASET, split=split)]
        except Exception as exc:  # noqa: BLE001 - any hub failure is reported below
            last = exc
    raise DataError(f"could not load {HF_DATASET} from the hub ({type(last).__name__}: {last}); "
                    f"put {CSV_NAME} under <data dir>/multiif/")


def turn_prompt(row: dict[str, Any], k: int) -> str | None:
    """The user text of turn ``k``, or None when the row has no such turn."""
    cell = row.get(f"turn_{k}_prompt")
    if cell is None or str(cell) in ("", "None"):
        return None
    message = json.loads(cell) if isinstance(cell, str) else cell
    if not isinstance(message, dict) or not isinstance(message.get("content"), str):
        raise ValueError(f"turn_{k}_prompt is not a message object")
    return message["content"]


def turn_instructions(row: dict[str, Any], k: int) -> list[tuple[str, dict[str, Any]]] | None:
    """(instruction id, kwargs) of turn ``k``; None when the id list does not parse (upstream
    then leaves the turn out of the metrics)."""
    try:
        ids = json.loads(row[f"turn_{k}_instruction_id_list"])
    except (KeyError, TypeError, ValueError):
        return None
    raw = row.get(f"turn_{k}_kwargs")
    kwargs = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(ids, list) or not isinstance(kwargs, list) or len(ids) != len(kwargs):
        raise ValueError(f"turn_{k}: instruction ids and kwargs differ in length")
    decoded = [json.loads(kw) if isinstance(kw, str) else kw for kw in kwargs]
    if not all(isinstance(i, str) for i in ids) or not all(isinstance(kw, dict) for kw in decoded):
        raise ValueError(f"turn_{k}: malformed instruction ids or kwargs")
    return list(zip(ids, decoded, strict=True))
