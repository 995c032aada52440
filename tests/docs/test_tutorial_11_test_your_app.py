"""Tutorial 11, "Test your app against the mock provider", run as the learner runs it.

The learner's test file (tutorials/11-test-your-app/test_app.py) is run by pytest in a process of
its own, exactly with the tutorial's command, so it meets the installed `oauth_provider` plugin as
any other project would. The project's own `pytest` never collects tutorials/ (testpaths).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]
TUTORIAL = ROOT / "tutorials" / "11-test-your-app"
PAGE = (ROOT / "docs" / "tutorials" / "11-test-your-app.md").read_text(encoding="utf-8")


def _learners_tests() -> list[str]:
    return re.findall(r"^def (test_\w+)\(", (TUTORIAL / "test_app.py").read_text(), re.MULTILINE)


def test_the_learners_tests_all_pass_with_the_tutorials_command():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tutorials/11-test-your-app", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert re.search(rf"\b{len(_learners_tests())} passed\b", summary), summary
    assert "failed" not in summary
    assert "error" not in summary
    assert f"{len(_learners_tests())} passed" in PAGE  # what the page says the learner sees


def test_the_project_test_run_does_not_collect_the_tutorials():
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert settings["tool"]["pytest"]["ini_options"]["testpaths"] == ["tests"]


def test_the_page_names_every_test_the_learner_writes():
    assert _learners_tests()
    assert all(f"`{name}`" in PAGE for name in _learners_tests())
