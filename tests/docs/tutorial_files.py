"""Loading a tutorial's files the way a learner runs them, for the tutorials' tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

TUTORIALS = Path(__file__).parents[2] / "tutorials"


def import_fresh(monkeypatch: pytest.MonkeyPatch, path: Path) -> ModuleType:
    """Import a tutorial file as a new module, as `flask --app app run` or `python file.py`
    would: a module of its own for each test, read with the environment the test has set."""
    name = f"tutorial_{path.parent.name[:2]}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module
