"""Shared fixtures: the location of the reference data beside the project."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("EVALKIT_TEST_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder holding upstream reference data (``../shared/data``)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"reference data folder not found: {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _private_request_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets an empty request cache, so no test is served another's generations."""
    monkeypatch.setenv("EVALKIT_REQUEST_CACHE_DIR", str(tmp_path_factory.mktemp("request-cache")))
