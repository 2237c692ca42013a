"""The installed ``dslp-tui`` in a real terminal (tmux): typed at, read back, as a person would.

Keys are sent as SSH delivers them: in bursts, and before the board is ready. Every wait is
on a fact (the screen shows something, the tracker holds something, the terminal is in the
board's input mode), never a sleep standing in for one.
"""

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

# How long a fact may take to come true: generous, for a machine loaded by others (the soak in
# bench/tmux_soak.py runs these beside two busy loops). A wait ends as soon as the fact holds.
LOADED = 90.0


def _script() -> str:
    beside = Path(sys.executable).parent / "dslp-tui"
    found = str(beside) if beside.exists() else shutil.which("dslp-tui")
    if not found:
        pytest.fail("the dslp-tui console script is not installed (pip install -e '.[test]')")
    return found


@pytest.fixture
def tmux(tmp_path: Path, request: pytest.FixtureRequest):
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is required in CI (.ci/run installs it)")
        pytest.skip("tmux is not installed")
    socket = f"dslp-test-{uuid.uuid4().hex[:8]}"
    transcript = Transcript()

    def run(*args: str) -> str:
        done = subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, check=False)
        transcript.note(args, done.stdout)
        return done.stdout

    run.cache = str(tmp_path / "cache")
    run.mark = transcript.mark
    yield run
    run("capture-pane", "-p", "-t", "board")  # the last screen, for the transcript
    run("kill-server")
    transcript.save(request.node.name)


class Transcript:
    """What a test sent and every distinct screen it saw, timed: kept (for bench/tmux_soak.py)
    in ``$DSLP_TMUX_TRANSCRIPTS`` when that is set, so a failing run can be read afterwards."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.lines: list[str] = []
        self.screen: str | None = None

    def note(self, args: tuple[str, ...], output: str) -> None:
        at = f"{time.monotonic() - self.started:8.3f}s"
        if args[0] == "capture-pane":
            if output != self.screen:
                self.screen = output
                self.lines.append(f"{at} screen:\n{output.rstrip()}\n")
        elif args[0] in ("send-keys", "new-session"):
            self.lines.append(f"{at} {' '.join(args)}")

    def mark(self, fact: str) -> None:
        self.lines.append(f"{time.monotonic() - self.started:8.3f}s {fact}")

    def save(self, name: str) -> None:
        folder = os.environ.get("DSLP_TMUX_TRANSCRIPTS")
        if folder:
            safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
            (Path(folder) / f"{safe}.txt").write_text("\n".join(self.lines) + "\n")


@pytest.fixture(scope="module")
def _demo_copy_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("terminal") / "churn-model"
    subprocess.run([_script(), "demo", "--path", str(path), "--no-open"], capture_output=True, check=True)
    return path


@pytest.fixture
def project(_demo_copy_source: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo project (its tracker lives in .git, so it is copied too)."""
    path = tmp_path / "churn-model"
    shutil.copytree(_demo_copy_source, path, symlinks=True)
    return path


def start(tmux, args: str, size: tuple[int, int] = (120, 40), **env: str) -> None:
    env = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", **env}
    env.setdefault("XDG_CACHE_HOME", tmux.cache)  # this test's own board cache
    # COLUMNS/LINES from the test runner would override the real terminal size.
    command = "env -u COLUMNS -u LINES " + " ".join(f"{k}={v}" for k, v in env.items())
    command += f" {_script()} {args}"
    tmux("new-session", "-d", "-s", "board", "-x", str(size[0]), "-y", str(size[1]), command)


def keys(tmux, *keys: str) -> None:
    """One ``send-keys`` call: the keys reach the program in one burst, as over SSH."""
    tmux("send-keys", "-t", "board", *keys)


def wait_for(tmux, text: str, timeout: float = LOADED, gone: bool = False) -> str:
    """Poll the screen until ``text`` shows (or, with ``gone``, no longer shows)."""
    if gone:
        return wait_for_screen(tmux, hides=(text,), timeout=timeout)
    return wait_for_screen(tmux, (text,), timeout=timeout)


def wait_for_screen(tmux, shows: tuple[str, ...] = (), hides: tuple[str, ...] = (), timeout: float = LOADED) -> str:
    """Poll the screen until one capture shows every text in ``shows`` and none in ``hides``.

    Facts about one frame are checked on one capture that holds them all: a capture may
    catch a frame half written (the status line new, the tree below it not yet), so
    waiting for one fact and asserting the others on that capture races the painting.
    """
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", "board")
        if all(text in screen for text in shows) and not any(text in screen for text in hides):
            return screen
        time.sleep(0.05)
    missing = [text for text in shows if text not in screen]
    still = [text for text in hides if text in screen]
    raise AssertionError(f"never on one screen: missing {missing}, still shown {still}; last screen:\n{screen}")


def wait_for_board_input(tmux, timeout: float = LOADED) -> None:
    """Wait until dslp-tui has taken the terminal (no line editing): from then on, keys are its own.

    Keys typed before the program has even started belong to the kernel's cooked mode (ctrl+s
    stops the output there, for any program), so type-ahead starts at this fact.
    """
    tty = tmux("display-message", "-p", "-t", "board", "#{pane_tty}").strip()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mode = subprocess.run(["stty", "-F", tty, "-a"], capture_output=True, text=True, check=False).stdout
        if "-icanon" in mode.split():
            tmux.mark("the board has the terminal (-icanon)")
            return
        time.sleep(0.01)
    raise AssertionError(f"dslp-tui never took the terminal {tty}")


def wait_until_quit(tmux, timeout: float = LOADED) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and "board" in tmux("list-sessions", "-F", "#{session_name}"):
        time.sleep(0.05)
    assert "board" not in tmux("list-sessions", "-F", "#{session_name}"), "dslp-tui did not quit on q"


def cli(project: Path, *args: str) -> dict:
    done = subprocess.run([_script(), "--repo", str(project), *args], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def wait_for_issue(tmux, project: Path, number: int, timeout: float = LOADED) -> dict:
    """The issue as the tracker has it, once it exists (read by the CLI, beside the board)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = subprocess.run(
            [_script(), "--repo", str(project), "show", str(number), "--json"], capture_output=True, text=True
        )
        if done.returncode == 0:
            return json.loads(done.stdout)
        time.sleep(0.1)
    screen = tmux("capture-pane", "-p", "-t", "board")
    raise AssertionError(f"#{number} was never filed; last screen:\n{screen}")


def test_demo_in_a_real_terminal(tmux, tmp_path: Path) -> None:
    project = tmp_path / "churn-model"
    start(tmux, f"demo --path {project}")

    wait_for(tmux, "#6 Logistic regression baseline")  # the issues are painted first...
    wait_for_screen(tmux, ("merged", "Reduce customer churn", "succeeded"))  # ...then the branch states fill in

    # A new Ask through the form, typed key by key.
    keys(tmux, "a")
    wait_for(tmux, "New Ask issue")
    tmux("send-keys", "-t", "board", "-l", "Cut support tickets")
    keys(tmux, "C-s")
    wait_for(tmux, "#13 Ask Cut support tickets")

    # Filter to the models: the experiments disappear.
    keys(tmux, "/")
    tmux("send-keys", "-t", "board", "-l", "kind:model")
    wait_for_screen(tmux, ("filter: kind:model", "#8 Implement churn model"), hides=("#5 Gradient boosting",))
    keys(tmux, "Escape")
    wait_for(tmux, "#5 Gradient boosting")
    wait_for(tmux, "filter:", gone=True)

    # Help, then quit: the program ends and the issue is really filed.
    keys(tmux, "?")
    wait_for(tmux, "Promote the experiment to a Model")
    keys(tmux, "End")  # the legend is under the keys: scroll the help down
    wait_for(tmux, "labelled failed (kept, not lost)")
    keys(tmux, "Escape")
    wait_for(tmux, "labelled failed", gone=True)  # a key right after escape would read as alt+key
    keys(tmux, "q")
    wait_until_quit(tmux)

    asks = {a["number"]: a["title"] for a in cli(project, "status", "--json")["asks"]}
    assert asks[13] == "Cut support tickets"


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_type_ahead_at_launch(tmux, project: Path, size: tuple[int, int]) -> None:
    """Everything typed before the first frame is applied, in order, once the board is ready."""
    start(tmux, f"--ascii --repo {project}", size, NO_COLOR="1")
    wait_for_board_input(tmux)
    keys(tmux, "/", "kind:model", "Enter", "a", "Early idea", "Tab", "Fewer tickets", "C-s")

    created = wait_for_issue(tmux, project, 13)
    assert created["title"] == "Early idea" and created["kind"] == "Ask"
    assert "### Desired Outcome\n\nFewer tickets" in created["body"]
    wait_for_screen(
        tmux, ("filter: kind:model", "#8 Implement churn model"), hides=("#5 Gradient boosting", "New Ask issue")
    )
    keys(tmux, "q")  # the tree has the focus again (Enter left the filter): q quits
    wait_until_quit(tmux)


def test_a_burst_in_the_form(tmux, project: Path) -> None:
    """``a``, a title, Tab, a section and ctrl+s in one burst: each key lands where it was meant."""
    start(tmux, f"--repo {project}")
    wait_for(tmux, "#6 Logistic regression baseline")
    wait_for(tmux, "stale", gone=True)  # the fresh board, not only the cached one
    keys(tmux, "a", "abc", "Tab", "def", "C-s")

    created = wait_for_issue(tmux, project, 13)
    assert created["title"] == "abc"
    assert "### Desired Outcome\n\ndef" in created["body"]
    wait_for(tmux, "#13 Ask abc")

    # A filter typed in one burst right after it: the board swap that follows keeps it.
    keys(tmux, "/", "zzqq")
    wait_for_screen(tmux, ("filter: zzqq", "Nothing matches the filter"))
    keys(tmux, "Escape")
    wait_for(tmux, "filter:", gone=True)
    keys(tmux, "q")
    wait_until_quit(tmux)
