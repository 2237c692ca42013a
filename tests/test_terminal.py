"""The installed ``dslp-tui`` in a real terminal (tmux): typed at, read back, as a person would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.tmux


def _script() -> str:
    beside = Path(sys.executable).parent / "dslp-tui"
    found = str(beside) if beside.exists() else shutil.which("dslp-tui")
    if not found:
        pytest.fail("the dslp-tui console script is not installed (pip install -e '.[test]')")
    return found


@pytest.fixture
def tmux():
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is required in CI (.ci/run installs it)")
        pytest.skip("tmux is not installed")
    socket = f"dslp-test-{uuid.uuid4().hex[:8]}"

    def run(*args: str) -> str:
        done = subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, check=False)
        return done.stdout

    yield run
    run("kill-server")


def wait_for(tmux, text: str, timeout: float = 30, gone: bool = False) -> str:
    """Poll the screen until ``text`` shows (or, with ``gone``, no longer shows)."""
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", "board")
        if (text in screen) != gone:
            return screen
        time.sleep(0.2)
    what = "never went away" if gone else "never appeared"
    raise AssertionError(f"{text!r} {what} on the screen; last screen:\n{screen}")


def test_demo_in_a_real_terminal(tmux, tmp_path: Path) -> None:
    project = tmp_path / "churn-model"
    env = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    # COLUMNS/LINES from the test runner would override the real terminal size.
    command = "env -u COLUMNS -u LINES " + " ".join(f"{k}={v}" for k, v in env.items())
    command += f" {_script()} demo --path {project}"
    tmux("new-session", "-d", "-s", "board", "-x", "120", "-y", "40", command)

    screen = wait_for(tmux, "#6 Logistic regression baseline")
    assert "Reduce customer churn" in screen and "succeeded" in screen and "merged" in screen

    # A new Ask through the form, typed key by key.
    tmux("send-keys", "-t", "board", "a")
    wait_for(tmux, "New Ask issue")
    tmux("send-keys", "-t", "board", "-l", "Cut support tickets")
    tmux("send-keys", "-t", "board", "C-s")
    wait_for(tmux, "#13 Ask Cut support tickets")

    # Filter to the models: the experiments disappear.
    tmux("send-keys", "-t", "board", "/")
    wait_for(tmux, "filter: text  kind:experiment")  # the filter line is open and focused
    tmux("send-keys", "-t", "board", "-l", "kind:model")
    screen = wait_for(tmux, "filter: kind:model")
    assert "#8 Implement churn model" in screen and "#5 Gradient boosting" not in screen
    tmux("send-keys", "-t", "board", "Escape")
    wait_for(tmux, "#5 Gradient boosting")
    wait_for(tmux, "filter:", gone=True)

    # Help, then quit: the program ends and the issue is really filed.
    tmux("send-keys", "-t", "board", "?")
    wait_for(tmux, "Promote the experiment to a Model")
    tmux("send-keys", "-t", "board", "End")  # the legend is under the keys: scroll the help down
    wait_for(tmux, "labelled failed (kept, not lost)")
    tmux("send-keys", "-t", "board", "Escape")
    wait_for(tmux, "labelled failed", gone=True)  # a key right after escape would read as alt+key
    tmux("send-keys", "-t", "board", "q")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and "board" in tmux("list-sessions", "-F", "#{session_name}"):
        time.sleep(0.2)
    assert "board" not in tmux("list-sessions", "-F", "#{session_name}"), "dslp-tui did not quit on q"

    status = subprocess.run(
        [_script(), "--repo", str(project), "status", "--json"], capture_output=True, text=True, check=True
    )
    asks = {a["number"]: a["title"] for a in json.loads(status.stdout)["asks"]}
    assert asks[13] == "Cut support tickets"
