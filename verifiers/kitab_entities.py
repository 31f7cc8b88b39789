"""Named-entity checkers for KITAB's human-name and city-name constraints (pluggable).

Upstream (eureka's KitabMetric) asks Azure AI Language NER for ``Person`` entities
(api_version 2023-04-01, model_version 2023-04-15-preview, retried on the lowercased text) and for
``Location`` entities (model_version ``latest``), each location then looked up in OpenDataSoft's
``geonames-all-cities-with-a-population-1000`` dataset and counted as a city when the search returns
more than one record. That path is :class:`AzureEntities` (``entities=azure``; needs the
``kitab-azure`` extra, ``AZURE_LANGUAGE_ENDPOINT``/``AZURE_LANGUAGE_KEY`` and network access —
titles leave the machine). Azure's models change over time, so even it is not exactly reproducible.

The default, :class:`OfflineEntities` (``entities=offline``), is an APPROXIMATION: a title has a
person when one of its words is a common given name (or its possessive) or follows an honorific,
and has a city when a 1–3 word span names a city of a built-in list of large cities or of a local
GeoNames dump (``cities1000.txt``) when one is given. Verdicts it produces are labelled
``approximate`` in the check details and the pack's tables.

Other checkers plug in with :func:`register_entity_checker`.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import string
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from evalkit.errors import EvalkitError

_PUNCT = str.maketrans("", "", string.punctuation)

GIVEN_NAMES = frozenset("""
aaron abraham adam adrian agnes alan albert alex alexander alexandra alfred alice alicia amanda amelia amy
andrea andrew angela anita ann anna anne annie anthony antonio arthur barbara beatrice ben benjamin bernard
betty bill billy bob brian bruce carl carlos carmen caroline carol catherine cecilia charles charlie
charlotte christina christopher clara claire daniel david diana dorothy edward eleanor elena elizabeth ella
emily emma eric ernest esther eva evelyn fanny felix francis frank franz frederick george georgia gerald
grace hannah hans harold harriet harry heidi helen henry herbert hugo isabel isabella jack jacob james jane
janet jean jennifer jenny jessica jim jimmy joan joe john johnny jonathan jose joseph josephine juan judith
julia julian juliet karen karl kate katherine kathleen kevin larry laura lily linda lisa louis louise lucy
luis margaret maria marie mark martha martin mary matthew max michael miguel molly nancy nathan nicholas
oliver oscar patricia patrick paul pedro peter philip rachel ralph raymond rebecca richard robert robin
roger rose ruth sam samuel sarah simon sophia sophie stephen steven susan thomas timothy tom tony victor
victoria vincent walter wendy william zoe
""".split())

HONORIFICS = frozenset("""
mr mrs ms miss dr sir lady lord saint st king queen prince princess captain uncle aunt madame monsieur
""".split())

CITIES = frozenset(line.strip() for line in """
amsterdam
athens
atlanta
baghdad
bangkok
barcelona
beijing
beirut
berlin
bogota
bombay
boston
brussels
bucharest
budapest
buenos aires
cairo
calcutta
chicago
constantinople
copenhagen
dallas
damascus
delhi
detroit
dresden
dublin
edinburgh
florence
frankfurt
geneva
glasgow
hamburg
havana
hong kong
houston
istanbul
jakarta
jerusalem
johannesburg
kabul
karachi
kyoto
lagos
las vegas
leningrad
lima
lisbon
liverpool
london
los angeles
madrid
manchester
manila
marseille
melbourne
mexico city
miami
milan
montreal
moscow
mumbai
munich
nairobi
naples
new delhi
new orleans
new york
new york city
oslo
oxford
paris
philadelphia
prague
rio de janeiro
rome
saigon
san francisco
santiago
sao paulo
seattle
seoul
shanghai
singapore
st petersburg
stockholm
sydney
tehran
tel aviv
tokyo
toronto
venice
vienna
warsaw
washington
zurich
""".strip().splitlines())


class EntityChecker(Protocol):
    """What the human-name and city-name checks need from an entity recogniser."""

    name: str
    approximate: bool

    def has_person(self, text: str) -> bool:
        """True when ``text`` names a person."""
        ...

    def has_city(self, text: str) -> bool:
        """True when ``text`` names a city."""
        ...


def _words(text: str) -> list[str]:
    return text.lower().translate(_PUNCT).split()


class OfflineEntities:
    """Offline approximation (word lists); see the module docstring for the rules."""

    name = "offline"
    approximate = True

    def __init__(self, cities: frozenset[str] = CITIES) -> None:
        self.cities = cities

    def has_person(self, text: str) -> bool:
        """True when a word is a listed given name (or ends in 's' after one), or follows an honorific."""
        words = _words(text)
        for i, w in enumerate(words):
            if w in GIVEN_NAMES or (w.endswith("s") and w[:-1] in GIVEN_NAMES):
                return True
            if w in HONORIFICS and i + 1 < len(words):
                return True
        return False

    def has_city(self, text: str) -> bool:
        """True when a span of 1–3 words is a listed city name."""
        words = _words(text)
        return any(" ".join(words[i:i + n]) in self.cities
                   for n in (1, 2, 3) for i in range(len(words) - n + 1))


class AzureEntities:
    """Upstream's path: Azure AI Language NER plus the OpenDataSoft GeoNames lookup (network)."""

    name = "azure"
    approximate = False
    GEONAMES = ("https://public.opendatasoft.com/api/records/1.0/search/?dataset="
                "geonames-all-cities-with-a-population-1000&q=name:{q}&sort=-name&facet=feature_code"
                "&facet=cou_name_en&facet=timezone")

    def __init__(self, client_factory: Callable[[str | None], Any] | None = None,
                 lookup: Callable[[str], int] | None = None, tries: int = 10) -> None:
        self._client = client_factory or _azure_client
        self._lookup = lookup or self._geonames_count
        self.tries = tries
        self._persons: dict[str, bool] = {}
        self._cities: dict[str, bool] = {}

    def _entities(self, text: str, category: str, model_version: str, api_version: str | None) -> list[str]:
        client = self._client(api_version)
        for attempt in range(self.tries):
            result = client.recognize_entities([text], model_version=model_version)
            docs = [d for d in result if not d.is_error]
            if len(docs) == len(result) or attempt == self.tries - 1:
                return [e.text for d in docs for e in d.entities if e.category == category]
            time.sleep(1)
        return []

    def has_person(self, text: str) -> bool:
        """Azure ``Person`` entities in ``text``, else in ``text.lower()``."""
        if text not in self._persons:
            found = self._entities(text, "Person", "2023-04-15-preview", "2023-04-01") or \
                self._entities(text.lower(), "Person", "2023-04-15-preview", "2023-04-01")
            self._persons[text] = bool(found)
        return self._persons[text]

    def has_city(self, text: str) -> bool:
        """An Azure ``Location`` entity for which the GeoNames search returns more than one record."""
        if text not in self._cities:
            locations = self._entities(text, "Location", "latest", None)
            self._cities[text] = any(self._lookup(loc) > 1 for loc in locations)
        return self._cities[text]

    def _geonames_count(self, location: str) -> int:
        url = self.GEONAMES.format(q=urllib.parse.quote(location.replace(" ", "+"), safe="+"))
        with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 (fixed https host)
            data = json.loads(resp.read().decode("utf-8"))
        return len(data.get("records", [])) if isinstance(data, dict) else 0


def _azure_client(api_version: str | None) -> Any:
    try:
        from azure.ai.textanalytics import TextAnalyticsClient
        from azure.core.credentials import AzureKeyCredential
    except ImportError:
        raise EvalkitError("entities=azure needs the Azure client: pip install 'evalkit-if[kitab-azure]'") from None
    endpoint, key = os.environ.get("AZURE_LANGUAGE_ENDPOINT"), os.environ.get("AZURE_LANGUAGE_KEY")
    if not endpoint or not key:
        raise EvalkitError("entities=azure needs AZURE_LANGUAGE_ENDPOINT and AZURE_LANGUAGE_KEY")
    kwargs = {"api_version": api_version} if api_version else {}
    return TextAnalyticsClient(endpoint=endpoint, credential=AzureKeyCredential(key), **kwargs)


def _offline(cities_file: str) -> EntityChecker:
    return OfflineEntities(CITIES | load_geonames(cities_file)) if cities_file else OfflineEntities()


_FACTORIES: dict[str, Callable[[str], EntityChecker]] = {
    "offline": _offline,
    "azure": lambda _cities_file: AzureEntities(),
}


def register_entity_checker(name: str, factory: Callable[[str], EntityChecker]) -> None:
    """Make ``entities=<name>`` available; ``factory(cities_file)`` builds the checker."""
    _FACTORIES[name] = factory
    get_entity_checker.cache_clear()


def entity_checker_names() -> list[str]:
    """Names accepted by ``entities=``."""
    return sorted(_FACTORIES)


@cache
def get_entity_checker(name: str, cities_file: str = "") -> EntityChecker:
    """The entity checker called ``name`` (built once per process)."""
    if name not in _FACTORIES:
        raise EvalkitError(f"unknown KITAB entity checker {name!r} (known: {', '.join(entity_checker_names())})")
    return _FACTORIES[name](cities_file)


@cache
def load_name_titles(path: str) -> tuple[str, ...]:
    """Titles of the GPT-4 human-name list (``human_name_books`` column, dict literals with
    ``titles``); empty when ``path`` is empty."""
    if not path:
        return ()
    titles: list[str] = []
    with Path(path).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            cell = ast.literal_eval(row["human_name_books"])
            titles.extend(str(t) for t in cell["titles"])
    return tuple(titles)


@cache
def load_geonames(path: str) -> frozenset[str]:
    """Lowercased names and ASCII names (columns 2 and 3) of a GeoNames ``cities1000.txt`` dump."""
    names: set[str] = set()
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            if len(cols) > 2:
                names.update(" ".join(_words(c)) for c in cols[1:3] if c)
    return frozenset(names)
