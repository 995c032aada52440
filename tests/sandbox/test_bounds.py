"""The sandbox's bounds: a learner's stored runs are capped, and a request body has a limit."""

from __future__ import annotations

from bs4 import BeautifulSoup

from sandbox import MAX_REQUEST_BYTES, SandboxConfig, create_app
from sandbox.recorder import Run, RunStore


def test_a_learner_keeps_only_the_newest_runs_and_another_learner_keeps_theirs():
    store = RunStore(runs_per_learner=3)
    runs = [
        store.add("ada", Run(flow="authorization-code", variant="v", issuer="i")) for _ in "12345"
    ]
    other = store.add("bo", Run(flow="authorization-code", variant="v", issuer="i"))

    assert store.of("ada") == runs[:1:-1]  # the newest three, newest first
    assert store.get("ada", runs[0].id) is None
    assert store.of("bo") == [other]


def test_the_configured_cap_is_the_one_the_app_uses():
    app = create_app(SandboxConfig(issuer="http://127.0.0.1:9", runs_per_learner=2))
    runs = app.extensions["sandbox"].runs
    for _ in range(4):
        runs.add("ada", Run(flow="authorization-code", variant="v", issuer="i"))

    assert len(runs.of("ada")) == 2


def test_a_request_body_over_the_limit_gets_a_413_page_saying_how_large_a_request_may_be():
    app = create_app(SandboxConfig(issuer="http://127.0.0.1:9"))
    answer = app.test_client().post(
        "/flows/authorization-code/runs", data={"variant": "x" * (MAX_REQUEST_BYTES + 1)}
    )

    assert answer.status_code == 413
    page = BeautifulSoup(answer.get_data(as_text=True), "html.parser")
    assert f"larger than {MAX_REQUEST_BYTES} bytes" in page.get_text()
    assert "Traceback" not in page.get_text()
