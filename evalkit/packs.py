"""Task pack base class and discovery.

A pack is one folder under ``tasks/`` whose ``__init__`` defines ``PACK``, an instance of a
:class:`TaskPack` subclass. Packs are found by scanning ``evalkit.tasks``; there is no other
registration place.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from evalkit.checking import build_checker
from evalkit.datafiles import DataFile, locate, sha256_of
from evalkit.errors import EvalkitError
from evalkit.metrics import CORE_METRICS, Metric, Table, rate_table
from evalkit.records import CheckRow
from evalkit.types import Sample


class TaskPack:
    """Base class of task packs: metadata, data files, loading and table layout."""

    name: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    description: ClassVar[str] = ""
    license: ClassVar[str] = ""
    source: ClassVar[str] = ""
    data_files: ClassVar[tuple[DataFile, ...]] = ()
    modes: ClassVar[tuple[str, ...]] = ("compat",)
    # sample-level all-pass tables over these ``Sample.meta`` keys
    sample_tables: ClassVar[tuple[str, ...]] = ()
    # all-pass per (sample, value of this constraint dimension)
    group_tables: ClassVar[tuple[str, ...]] = ()
    # plain per-constraint pass rate over these constraint dimensions
    constraint_tables: ClassVar[tuple[str, ...]] = ()
    # the pack's own metrics and tables (the core ones, see ``evalkit.metrics.CORE_METRICS``, come first)
    declared_metrics: ClassVar[tuple[Metric, ...]] = ()
    declared_tables: ClassVar[tuple[Table, ...]] = ()
    # check-row fields copied into each per-sample record's ``dims`` (default: ``sample_tables``)
    record_dims: ClassVar[tuple[str, ...] | None] = None
    # --max-tokens when the user gives none
    default_max_tokens: ClassVar[int] = 1024

    def load_samples(self, paths: dict[str, Path], options: dict[str, str]) -> list[Sample]:
        """Parse the located data files into samples (subclasses implement)."""
        raise NotImplementedError

    def load(self, data_dir: Path | None = None, options: dict[str, str] | None = None) -> list[Sample]:
        """Locate the data files and return validated samples (unknown checkers/params raise)."""
        options = dict(options or {})
        self.check_options(options)
        paths = {f.path: locate(self.name, f, data_dir) for f in self.data_files}
        samples = self.load_samples(paths, options)
        validate_samples(samples)
        return samples

    def record_values(self, checks: Sequence[CheckRow]) -> dict[tuple[str, int], dict[str, Any]]:
        """The pack's own per-(sample, epoch) values its declared metrics aggregate (merged into
        each record's ``values``; None = not counted). Default: none beyond the core values."""
        return {}

    def compute_tables(self, checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
        """Rows of the pack's declared tables computed the pack's own way. Default: none."""
        return {}

    def metric_declarations(self) -> tuple[Metric, ...]:
        """The core metrics then the pack's own; ``accuracy`` is the headline when the pack
        declares none."""
        own_headline = any(m.headline for m in self.declared_metrics)
        core = tuple(replace(m, headline=not own_headline) if m.name == "accuracy" else m for m in CORE_METRICS)
        return (*core, *self.declared_metrics)

    def table_declarations(self) -> tuple[Table, ...]:
        """The core tables (``sample_tables``, ``group_tables``, ``constraint_tables``) then the pack's own."""
        core = [rate_table(d, f"all-pass rate of units per {d}") for d in self.sample_tables]
        core += [rate_table(d, f"all-pass rate of each unit's {d} constraints, per {d}") for d in self.group_tables]
        core += [rate_table(d, f"pass rate of constraints per {d}") for d in self.constraint_tables]
        return (*core, *self.declared_tables)

    def dims(self) -> tuple[str, ...]:
        """The check-row fields copied into records' ``dims``."""
        return self.sample_tables if self.record_dims is None else self.record_dims

    def parse_responses(self, path: Path, samples: Sequence[Sample]) -> list[tuple[str, str]] | None:
        """Read an upstream submission format as (sample id, response) pairs; None when ``path``
        is not in such a format (it is then read as evalkit's ``{"id", "response"}`` JSONL)."""
        return None

    def parse_judgements(self, path: Path, samples: Sequence[Sample]) -> list[Any] | None:
        """Judge verdicts an upstream output file at ``path`` already holds, as
        ``evalkit.judging.JudgementRow``s to import; None when it holds none (the default)."""
        return None

    def data_hashes(self, data_dir: Path | None = None) -> dict[str, str]:
        """sha256 of each data file as it will be read (for the run manifest)."""
        return {f.path: sha256_of(locate(self.name, f, data_dir)) for f in self.data_files}

    def mode(self, options: dict[str, str]) -> str:
        """The scoring mode selected by ``-T mode=…`` (the first declared mode by default)."""
        return options.get("mode", self.modes[0])

    def check_options(self, options: dict[str, str]) -> None:
        """Reject ``-T`` options this pack does not know."""
        for key in options:
            if key != "mode":
                raise EvalkitError(f"pack {self.name!r} has no option {key!r} (known: mode)")
        mode = self.mode(options)
        if mode not in self.modes:
            raise EvalkitError(f"pack {self.name!r} has no mode {mode!r} (modes: {', '.join(self.modes)})")

    def info(self) -> dict[str, Any]:
        """Name, version, license and source, for listings and manifests."""
        return {"name": self.name, "version": self.version, "license": self.license,
                "source": self.source, "description": self.description, "modes": list(self.modes)}


def validate_samples(samples: list[Sample]) -> None:
    """Build every constraint's checker (each distinct one once: :func:`build_checker` keeps it
    for grading) so bad ids or params fail at load time."""
    for sample in samples:
        for c in sample.constraints:
            try:
                build_checker(c.checker, c.params)
            except EvalkitError as exc:
                raise EvalkitError(f"{sample.pack} sample {sample.id}: {exc}") from None


def pack_names() -> list[str]:
    """Names of the pack folders under ``evalkit.tasks`` (nothing is imported)."""
    import evalkit.tasks as pkg

    return sorted(info.name for info in pkgutil.iter_modules(pkg.__path__) if info.ispkg)


@cache
def _import_pack(name: str) -> TaskPack:
    module = importlib.import_module(f"evalkit.tasks.{name}")
    pack = getattr(module, "PACK", None)
    if not isinstance(pack, TaskPack):
        raise EvalkitError(f"evalkit.tasks.{name} defines no PACK")
    return pack


def all_packs() -> dict[str, TaskPack]:
    """Every importable pack by name; a pack that fails to import is reported on stderr and left out."""
    packs: dict[str, TaskPack] = {}
    for name in pack_names():
        try:
            pack = _import_pack(name)
        except Exception as exc:  # noqa: BLE001 - one broken pack must not hide the others
            print(f"warning: pack {name!r} could not be loaded: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        packs[pack.name] = pack
    return packs


def get_pack(name: str) -> TaskPack:
    """The pack called ``name`` (only that pack is imported), or the data-only pack at the path
    ``name``; EvalkitError with a suggestion when unknown."""
    names = pack_names()
    if name not in names:
        from evalkit.datapack import is_data_pack, load_data_pack  # datapack imports this module

        if is_data_pack(name):  # a .jsonl file or a folder with pack.json + samples.jsonl
            return load_data_pack(name)
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(names)})"
        raise EvalkitError(f"unknown pack {name!r}{hint}")
    pack = _import_pack(name)
    if pack.name != name:
        raise EvalkitError(f"pack folder {name!r} defines a pack named {pack.name!r}")
    return pack
