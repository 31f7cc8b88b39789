"""Packaging: every pack and checker folder is installed under ``evalkit.*``, nothing generic on top."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from evalkit.packs import all_packs

REPO = Path(__file__).resolve().parents[1]
MAPPED = {"tasks": "evalkit.tasks", "verifiers": "evalkit.verifiers", "leaderboards": "evalkit.leaderboards"}


def _source_packages() -> set[str]:
    found = set()
    for folder, dotted in MAPPED.items():
        for init in (REPO / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / folder)
            found.add(".".join([dotted, *rel.parts]) if rel.parts else dotted)
    return found


def test_every_source_package_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    missing = _source_packages() - listed
    assert not missing, f"add to [tool.setuptools] packages: {sorted(missing)}"


def test_every_pack_folder_is_discovered() -> None:
    folders = {p.name for p in (REPO / "tasks").iterdir() if (p / "__init__.py").is_file()}
    assert folders == set(all_packs()), "each tasks/<pack>/ must define PACK"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
                   check=True, capture_output=True)
    (path,) = out.glob("*.whl")
    return zipfile.ZipFile(path)


def test_wheel_contains_every_pack_and_the_starter_data(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for pkg in _source_packages():
        assert f"{pkg.replace('.', '/')}/__init__.py" in names, pkg
    assert "evalkit/data/starter/starter.json" in names
    assert "cli.py" in names
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert tops == {"evalkit", "cli.py"}, tops
