"""IFBench's NLTK data: found under $NLTK_DATA, else downloaded and accepted only with the pinned
sha256 (the download is simulated: no test touches the network); never ``nltk.download``."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalkit.errors import DataError
from evalkit.verifiers.ifbench import _nltk


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("EVALKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_nltk, "search_dirs", lambda: [Path(p) for p in _dirs])
    _dirs.clear()
    _nltk.locate.cache_clear()
    yield
    for cached in (_nltk.locate, _nltk.tagger, _nltk.stopwords):  # later tests find the real files
        cached.cache_clear()


_dirs: list[str] = []


def _fake_urlopen(payload: bytes) -> Any:
    class Response(io.BytesIO):
        def __enter__(self) -> Response:
            return self

        def __exit__(self, *args: object) -> None:
            self.close()

    return lambda url, timeout=0: Response(payload)


def _zip(member: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(member, data)
    return buf.getvalue()


def test_found_under_nltk_data(shared_data: Path) -> None:
    _dirs.append(str(shared_data / "ifbench" / "nltk_data"))
    assert _nltk.locate(_nltk.STOPWORDS).read_text().split()[:3] == ["i", "me", "my"]


def test_a_differing_local_copy_is_used_with_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "mine" / "corpora" / "stopwords"
    folder.mkdir(parents=True)
    (folder / "english").write_text("the\na\n")
    _dirs.append(str(tmp_path / "mine"))
    assert _nltk.locate(_nltk.STOPWORDS) == folder / "english"
    assert "differs" in capsys.readouterr().err


def test_download_is_kept_only_with_the_pinned_sha256(shared_data: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    good = (shared_data / "ifbench" / "nltk_data" / _nltk.STOPWORDS.path).read_bytes()
    monkeypatch.setattr("urllib.request.urlopen", _fake_urlopen(_zip(_nltk.STOPWORDS.member, good + b"x\n")))
    with pytest.raises(DataError, match="sha256"):
        _nltk.locate(_nltk.STOPWORDS)
    assert not (tmp_path / "cache" / "nltk_data" / _nltk.STOPWORDS.path).exists()
    monkeypatch.setattr("urllib.request.urlopen", _fake_urlopen(_zip(_nltk.STOPWORDS.member, good)))
    path = _nltk.locate(_nltk.STOPWORDS)
    assert path == tmp_path / "cache" / "nltk_data" / _nltk.STOPWORDS.path and path.read_bytes() == good


def test_failed_download_names_nltk_data(monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(url: str, timeout: float = 0) -> Any:
        raise OSError("network unreachable")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(DataError, match="NLTK_DATA"):
        _nltk.locate(_nltk.TAGGER_FILES[0])


def test_nltk_download_is_never_called(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nltk

    monkeypatch.setattr(nltk, "download", lambda *a, **k: pytest.fail("nltk.download was called"))
    _dirs.append(str(shared_data / "ifbench" / "nltk_data"))
    _nltk.tagger.cache_clear()
    assert _nltk.tagger().tag(["Go", "to", "the", "shop"])[0][1].startswith("VB")
