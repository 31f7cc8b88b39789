"""The embedded starter pack: 40 short prompts written for evalkit, levels I–IV.

Each prompt carries MulDimIF-style constraints (content, format, language, length) verified by
the MulDimIF checkers, and a reference answer that satisfies all of them. It ships inside the
package, so ``evalkit run`` works offline with no arguments.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from evalkit.jsonio import read_json_records
from evalkit.packs import TaskPack, validate_samples
from evalkit.tasks.muldimif import MulDimIF, RawSample, to_sample
from evalkit.types import Sample


class StarterRecord(RawSample):
    """A starter record: a MulDimIF record plus a reference answer that passes every constraint."""

    reference: str


def starter_file() -> Path:
    """Location of the starter data inside the installed package."""
    return Path(str(resources.files("evalkit.data") / "starter" / "starter.json"))


class Starter(TaskPack):
    name = "starter"
    version = "1"
    description = "Embedded starter pack: 40 prompts, levels I–IV, all four constraint categories"
    license = "Apache-2.0 (written for evalkit)"
    source = "evalkit (data/starter/starter.json)"
    modes = MulDimIF.modes
    sample_tables = MulDimIF.sample_tables
    group_tables = MulDimIF.group_tables
    constraint_tables = MulDimIF.constraint_tables
    default_max_tokens = 200

    def load(self, data_dir: Path | None = None, options: dict[str, str] | None = None) -> list[Sample]:
        """Read the packaged starter file (``data_dir`` does not apply)."""
        self.check_options(dict(options or {}))
        samples = read_json_records(starter_file(),
                                    lambda record: to_sample(StarterRecord.model_validate(record), self.name), "sample")
        validate_samples(samples)
        return samples

    def data_hashes(self, data_dir: Path | None = None) -> dict[str, str]:
        from evalkit.datafiles import sha256_of

        return {"starter.json": sha256_of(starter_file())}


PACK = Starter()
