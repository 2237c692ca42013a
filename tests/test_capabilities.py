"""Optional tracker capabilities are runtime-checkable protocols, checked on the real trackers."""

from __future__ import annotations

from pathlib import Path

import pytest

from dslp_tui.config import Config
from dslp_tui.init import run_init
from dslp_tui.process import LABELS, Kind
from dslp_tui.sources import github as github_source
from dslp_tui.sources.github import GitHubTracker
from dslp_tui.sources.local import LocalTracker
from dslp_tui.tracker import LabelSetup, PullRequests, RateBudget, RateInfo, Tracker

from github_emulator import GitHubEmulator, emulator_fixture

github = emulator_fixture()
KINDS = {kind.value: kind for kind in Kind}


@pytest.fixture(autouse=True)
def fast_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(github_source.CLIENT_OPTIONS, "seconds_between_writes", None)


def github_tracker(github: GitHubEmulator) -> GitHubTracker:
    return GitHubTracker("acme/churn-model", github.token, github.base_url, KINDS)


def test_the_local_tracker_is_a_tracker_with_no_optional_capability(tmp_path: Path) -> None:
    tracker = LocalTracker(tmp_path / "issues.sqlite3")
    assert isinstance(tracker, Tracker)
    assert not isinstance(tracker, PullRequests)
    assert not isinstance(tracker, LabelSetup)
    assert not isinstance(tracker, RateBudget)


def test_the_github_tracker_has_every_capability(github: GitHubEmulator) -> None:
    tracker = github_tracker(github)
    assert isinstance(tracker, Tracker)
    assert isinstance(tracker, PullRequests)
    assert isinstance(tracker, LabelSetup)
    assert isinstance(tracker, RateBudget)


def test_the_rate_budget_is_what_github_last_reported(github: GitHubEmulator) -> None:
    tracker = github_tracker(github)
    assert tracker.rate == RateInfo()  # nothing asked yet: unknown
    tracker.list_issues()
    assert isinstance(tracker.rate, RateInfo)
    assert tracker.rate.limit > 0 and 0 <= tracker.rate.remaining <= tracker.rate.limit


def test_init_sets_labels_up_only_where_the_tracker_has_them(tmp_path: Path, github: GitHubEmulator) -> None:
    local = run_init(tmp_path, Config(), "local", "", LocalTracker(tmp_path / "issues.sqlite3"), dry_run=True)
    assert "ok: the local tracker needs no labels set up" in local
    remote = run_init(tmp_path, Config(), "github", "acme/churn-model", github_tracker(github), dry_run=True)
    assert f"would create label {LABELS[0].name!r} (#{LABELS[0].color})" in remote
    assert all(spec.name not in github.labels for spec in LABELS)  # a dry run changes nothing


def test_update_issue_moves_a_child_to_another_ask_on_github(github: GitHubEmulator) -> None:
    """The protocol's ``parent``: on GitHub the issue becomes the other Ask's sub-issue."""
    first = github.add_issue("A", labels=["Ask"])["number"]
    second = github.add_issue("B", labels=["Ask"])["number"]
    child = github.add_issue("x", labels=["Explore"], parent=first)["number"]
    tracker = github_tracker(github)
    assert tracker.update_issue(child, parent=second).parent == second
    assert github.sub_issues.get(first, []) == [] and github.sub_issues[second] == [child]
    renamed = tracker.update_issue(child, title="y")
    assert (renamed.title, renamed.parent) == ("y", second)  # None means "leave it"
