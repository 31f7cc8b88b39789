"""Running the command line in-process and reading its one-line errors."""

from __future__ import annotations

from click.testing import CliRunner

from cli import main


def run_cli(*args: str) -> tuple[int, str]:
    """Exit status and output (stdout and stderr together) of ``evalkit ARGS`` run in-process."""
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def one_error_line(output: str) -> str:
    """The single ``error:`` line of ``output``; fails the test when there is not exactly one."""
    lines = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, output
    return lines[0]
