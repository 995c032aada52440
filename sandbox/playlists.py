"""Playlists: an instructor's chosen failure scenarios, in the order the class takes them.

A playlist is a small TOML file (`oauth-sandbox run --playlist FILE`):

    title = "First class"
    scenarios = ["state-mismatch", "code-replay"]

The file is checked when the sandbox starts, so a typo stops the command with the file, the key
and what was expected. Whether each id names a scenario can only be known once the provider
answers, so the instructor page checks that each time it loads.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Scenario ids are kebab-case (the last segment of the scenario's issuer).
SCENARIO_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class PlaylistError(ValueError):
    """The playlist file cannot be used; the message names the file, the key and the fix."""


@dataclass(frozen=True)
class Playlist:
    title: str
    scenarios: tuple[str, ...]  # scenario ids, in the order the class takes them
    source: Path


def load(path: Path) -> Playlist:
    """Read and check a playlist file."""
    document = _read_toml(path)
    unknown = sorted(set(document) - {"title", "scenarios"})
    if unknown:
        raise PlaylistError(
            f"{path}: {unknown[0]}: unknown key; expected only `title` and `scenarios`"
        )
    title = document.get("title")
    if not isinstance(title, str) or not title.strip():
        raise PlaylistError(f"{path}: title: expected a non-empty string, got {title!r}")
    ids = document.get("scenarios")
    if not isinstance(ids, list) or not ids:
        raise PlaylistError(
            f"{path}: scenarios: expected a non-empty list of scenario ids, got {ids!r}"
        )
    for entry in ids:
        if not isinstance(entry, str) or not SCENARIO_ID.fullmatch(entry):
            raise PlaylistError(
                f"{path}: scenarios: expected kebab-case scenario ids such as "
                f'"code-replay", got {entry!r}'
            )
    if len(set(ids)) != len(ids):
        repeated = next(entry for entry in ids if ids.count(entry) > 1)
        raise PlaylistError(f"{path}: scenarios: expected each id once, {repeated!r} repeats")
    return Playlist(title=title.strip(), scenarios=tuple(ids), source=path)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise PlaylistError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PlaylistError(f"{path}: cannot be read ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise PlaylistError(f"{path}: not valid TOML ({error})") from None
