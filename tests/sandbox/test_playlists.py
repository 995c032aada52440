"""Playlist files are checked at start: a bad one names the file, the key and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from oauth_sandbox.cli import main
from sandbox import SandboxConfig
from sandbox.playlists import PlaylistError, load

EXAMPLE = Path(__file__).parents[2] / "playlists" / "first-class.toml"


def test_the_example_playlist_has_five_scenarios_in_order():
    playlist = load(EXAMPLE)
    assert len(playlist.scenarios) == 5
    assert playlist.scenarios[0] == "state-mismatch"


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ('scenarios = ["code-replay"]', "title", "expected a non-empty string"),
        ('title = "T"\nscenarios = "code-replay"', "scenarios", "expected a non-empty list"),
        ('title = "T"\nscenarios = []', "scenarios", "expected a non-empty list"),
        ('title = "T"\nscenarios = ["Code Replay"]', "scenarios", "expected kebab-case"),
        ('title = "T"\nscenarios = ["a", "a"]', "scenarios", "expected each id once"),
        ('title = "T"\nscenarios = ["a"]\nrepeat = 2', "repeat", "unknown key"),
        ('title = "T', "", "not valid TOML"),
    ],
)
def test_a_bad_playlist_stops_the_config_naming_file_key_and_expectation(
    tmp_path, text, key, expected
):
    path = tmp_path / "class.toml"
    path.write_text(text)
    with pytest.raises(PlaylistError) as error:
        SandboxConfig(playlist=path)
    assert str(error.value).startswith(f"{path}: {key}")
    assert expected in str(error.value)


def test_a_bad_playlist_stops_the_command_before_anything_listens(tmp_path):
    path = tmp_path / "class.toml"
    path.write_text('title = "T"\nscenarios = 3\n')
    result = CliRunner().invoke(main, ["sandbox", "--port", "0", "--playlist", str(path)])
    assert result.exit_code == 1
    assert f"{path}: scenarios: expected a non-empty list of scenario ids, got 3" in result.output


def test_a_missing_playlist_file_is_named(tmp_path):
    with pytest.raises(PlaylistError, match="file not found"):
        SandboxConfig(playlist=tmp_path / "nope.toml")
