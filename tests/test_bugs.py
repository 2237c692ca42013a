"""Bugs are recorded privately and named in one line; expected errors are shown as they are."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from dslp_tui import bugs
from dslp_tui.bugs import describe, record_bug
from dslp_tui.tracker import TrackerError
from dslp_tui.workspace import ValidationError

TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "dslp-tui"


def raised(error: BaseException) -> BaseException:
    """``error`` with a real traceback, as the app's workers catch it."""
    try:
        raise error
    except BaseException as caught:
        return caught


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_bug_is_appended_to_a_private_log_with_its_traceback(state: Path) -> None:
    path = record_bug(raised(KeyError("no such row")), clock=0.0)
    assert path == state / "errors.log"
    assert mode(state) == 0o700 and mode(path) == 0o600
    text = path.read_text(encoding="utf-8")
    assert text.startswith("--- 19") and "Traceback (most recent call last)" in text
    assert "in raised" in text and "KeyError: 'no such row'" in text
    record_bug(raised(ZeroDivisionError("second")))
    text = path.read_text(encoding="utf-8")
    assert text.count("--- ") == 2 and text.index("no such row") < text.index("second")


def test_the_default_is_the_state_directory_under_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert record_bug(raised(RuntimeError("x"))) == tmp_path / ".local" / "state" / "dslp-tui" / "errors.log"


def test_a_wider_existing_directory_and_file_are_made_private(state: Path) -> None:
    state.mkdir(parents=True, mode=0o755)
    state.chmod(0o755)
    (state / "errors.log").write_text("old\n")
    (state / "errors.log").chmod(0o644)
    path = record_bug(raised(RuntimeError("x")))
    assert mode(state) == 0o700 and mode(path) == 0o600
    assert path.read_text().startswith("old\n")


def test_no_token_or_secret_from_the_environment_reaches_the_log(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "s3cr3t-value-for-azure")
    loose = "ghp_" + "Z" * 36  # a token shape that is in no variable
    error = raised(RuntimeError(f"request failed: Authorization: token {TOKEN}; {loose}; s3cr3t-value-for-azure"))
    text = record_bug(error).read_text(encoding="utf-8")
    assert TOKEN not in text and loose not in text and "s3cr3t-value-for-azure" not in text
    assert "request failed: Authorization: token ***" in text


def test_the_log_is_rotated_when_it_grows_past_its_cap(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bugs, "MAX_BYTES", 1000)
    path = record_bug(raised(RuntimeError("first " + "x" * 1200)))
    record_bug(raised(RuntimeError("second")))
    assert "first" in (state / "errors.log.1").read_text() and "first" not in path.read_text()
    assert "second" in path.read_text()


def test_an_expected_error_is_described_by_its_message_and_not_logged(state: Path) -> None:
    assert describe(TrackerError("GitHub is having trouble (502)\x1b[31m; try again")) == (
        "GitHub is having trouble (502); try again"
    )
    assert describe(ValidationError("title: a title is required")) == "title: a title is required"
    assert not state.exists()


def test_anything_else_is_an_internal_error_naming_the_log(state: Path) -> None:
    line = describe(raised(AttributeError("'NoneType' object has no attribute 'drafts'")))
    assert line == f"internal error (AttributeError); details in {state / 'errors.log'}"
    assert "'NoneType' object has no attribute 'drafts'" in (state / "errors.log").read_text()


def test_a_log_that_cannot_be_written_still_gives_one_line(state: Path) -> None:
    state.parent.mkdir(parents=True)
    state.write_text("a file where the directory should be")
    line = describe(raised(RuntimeError(f"secret {TOKEN}")))
    assert line.startswith("internal error (RuntimeError); its details could not be saved")
    assert TOKEN not in line and "\n" not in line
