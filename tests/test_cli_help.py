"""Every command's help, rendered as a user sees it: option types as click writes them, no markup eaten by
rich (" ." where "[default: …]" was), and a help text for every option and argument."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from cybershield.cli import app


def command_paths(command, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    found = [(path, command)]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found += command_paths(sub, (*path, name))
    return found


COMMANDS = command_paths(typer.main.get_command(app))


def test_the_tree_has_every_area():
    names = {path[0] for path, _ in COMMANDS if path}
    assert {"ingest", "detect", "run", "intel", "model", "taxii"} <= names
    assert len(COMMANDS) > 12


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=lambda p: " ".join(p) or "cybershield")
def test_help_renders_cleanly(path):
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "250", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Usage:" in text
    assert not re.search(r"<(bool|str|int|float|path|Path|list\[[^>]*\])>", text), text
    assert not re.search(r"\w \.(\s|$)", text), text  # "Version ." : rich took "[default: …]" for markup
    command = dict(COMMANDS)[path]
    for param in command.params:
        assert (param.help or "").strip(), f"{' '.join(path)}: {param.name} has no help"


def test_version_and_global_logging_options():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("cybershield ")
    text = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "250"}).output
    assert "--verbose" in text and "--log-json" in text
