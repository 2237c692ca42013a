"""The board against GitHub (the emulator, through PyGithub): the same screens, GitHub's failures."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dslp_tui.app import build_app
from dslp_tui.screens.board import BoardScreen
from dslp_tui.screens.issue_form import IssueForm
from dslp_tui.sources import github as github_source

from board_driver import labels, settle, status
from github_emulator import GitHubEmulator, emulator_fixture

github = emulator_fixture()
SIZE = (120, 40)


def run(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)


@pytest.fixture
def project(tmp_path: Path, github: GitHubEmulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(github_source.CLIENT_OPTIONS, "seconds_between_writes", None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", github.token)  # the emulator is not github.com
    monkeypatch.setenv("GH_HOST", "127.0.0.1")  # the person chose the emulator's host
    work = tmp_path / "churn-model"
    run(tmp_path, "init", "-q", "-b", "main", str(work))
    (work / "dslp.toml").write_text(
        f'[tracker]\nkind = "github"\nrepo = "acme/churn-model"\nbase_url = "{github.base_url}"\n'
    )
    run(work, "add", "dslp.toml")
    run(work, "commit", "-q", "-m", "config")
    ask = github.add_issue("Reduce customer churn", labels=["Ask"])["number"]
    github.add_issue("Gradient boosting", labels=["Experiment", "succeeded"], parent=ask)
    github.add_issue("Logistic baseline", body="Ask Reference: #1", labels=["Experiment", "failed"], state="closed")
    return work


async def test_board_from_github(project: Path, github: GitHubEmulator) -> None:
    app = build_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = status(app)
        assert "GitHub acme/churn-model tracker" in text and "API 4," in text and "/5,000" in text
        joined = "\n".join(labels(app))
        assert "#1 Ask Reduce customer churn" in joined
        assert "#2 Gradient boosting" in joined and "succeeded" in joined
        # The failed experiment names its Ask only in its body; the board still places it.
        assert "#3 Logistic baseline" in joined


async def test_cached_board_first_then_failure_is_shown_and_the_board_stays(
    project: Path, github: GitHubEmulator
) -> None:
    app = build_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
    github.go_offline()
    app = build_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = status(app)
        assert "stale: cached" in text and "cannot reach GitHub" in text
        assert any("Reduce customer churn" in line for line in labels(app))
        await pilot.press("j")  # still usable
        assert isinstance(app.screen, BoardScreen)
        github.go_online()
        await pilot.press("r")
        await settle(pilot)
        assert "stale" not in status(app) and "cannot reach" not in status(app)


async def test_rate_limit_counts_down_then_refreshes_by_itself(project: Path, github: GitHubEmulator) -> None:
    github.exhaust_rate_limit(reset_in=2)
    app = build_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "rate limited: retry in" in status(app)
        assert not labels(app)
        await pilot.pause(3.5)
        await settle(pilot)
        assert "rate limited" not in status(app)
        assert any("Reduce customer churn" in line for line in labels(app))


async def test_a_refused_issue_keeps_its_draft(project: Path, github: GitHubEmulator) -> None:
    app = build_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        github.fail_next(
            422,
            method="POST",
            path_contains="/issues",
            errors=[{"resource": "Issue", "code": "custom", "field": "title", "message": "title is not allowed"}],
        )
        await pilot.press("t")
        assert isinstance(app.screen, IssueForm)
        await pilot.press(*"Random forest", "ctrl+s")
        await settle(pilot)
        assert any("title is not allowed" in n.message and "draft is kept" in n.message for n in app._notifications)
        await pilot.press("t")
        assert app.screen.query_one("#title").value == "Random forest"


async def test_bad_token_is_a_clear_message(project: Path, github: GitHubEmulator, monkeypatch) -> None:
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", "ghp_definitely_wrong")
    app = build_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = status(app)
        assert "401" in text and "ghp_definitely_wrong" not in text
        assert all("ghp_definitely_wrong" not in n.message for n in app._notifications)


async def test_a_dslp_toml_naming_a_host_the_person_did_not_choose_is_refused(
    project: Path, github: GitHubEmulator, monkeypatch
) -> None:
    """The committed base_url names the emulator's host; the remote says github.com and GH_HOST
    is unset, so the board refuses before reading a token, and the emulator hears nothing."""
    monkeypatch.delenv("GH_HOST")
    monkeypatch.setenv("GH_TOKEN", "ghp_dotcom_secret")
    run(project, "remote", "add", "origin", "https://github.com/acme/churn-model.git")
    github.reset_log()
    app = build_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = status(app) + "\n".join(n.message for n in app._notifications)
        assert "base_url in dslp.toml would send your token to 127.0.0.1" in shown
        assert "the remote 'origin' names github.com" in shown and "set GH_HOST=127.0.0.1" in shown
        assert github.token not in shown and "ghp_dotcom_secret" not in shown
    assert github.requests == []
