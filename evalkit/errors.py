"""Errors evalkit reports to users as one clear line."""

from __future__ import annotations


class EvalkitError(Exception):
    """A user-facing error: bad input, missing data, unknown names. The CLI prints it and exits 2."""


class DataError(EvalkitError):
    """A data file that cannot be read or parsed; the message names the file (and line)."""
