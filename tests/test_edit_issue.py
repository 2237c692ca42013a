"""Editing an issue's title and body: what an edit must keep, the CLI, the board's form, drafts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dslp_tui.cli import main
from dslp_tui.drafts import EditDraft, EditDrafts
from dslp_tui.process import Kind, edit_problem
from dslp_tui.sources.local import LocalTracker
from dslp_tui.workspace import IssueNotFound, ValidationError, Workspace


def tracker(repo: Path) -> LocalTracker:
    return LocalTracker.for_git_dir(repo / ".git")


# --- what an edit must keep (process.edit_problem) -----------------------------------------------

CHILD = "## Description\n\nAsk Reference: #1\n\nTry GBMs.\n\n## Results\n\nIt helps.\n"


def test_a_child_keeps_its_ask_reference() -> None:
    assert edit_problem(Kind.EXPERIMENT, CHILD, CHILD.replace("Try GBMs.", "Try boosted trees.")) is None
    problem = edit_problem(Kind.EXPERIMENT, CHILD, CHILD.replace("Ask Reference: #1\n", ""))
    assert problem == "body: keep the line 'Ask Reference: #1'; the board links this issue by it"
    assert "Ask Reference: #1" in edit_problem(Kind.EXPERIMENT, CHILD, CHILD.replace("#1", "#9"))
    # Rewritten in another form people type, it still links: fine.
    assert edit_problem(Kind.EXPERIMENT, CHILD, CHILD.replace("Ask Reference: #1", "**Ask Reference:** #1")) is None


def test_a_model_keeps_its_experiment() -> None:
    body = "## Description\n\nAsk Reference: #1\nBased on Experiment: #5\n"
    problem = edit_problem(Kind.MODEL, body, "## Description\n\nAsk Reference: #1\n")
    assert problem and "Based on Experiment: #5" in problem


def test_template_headings_the_body_had_stay() -> None:
    problem = edit_problem(Kind.EXPERIMENT, CHILD, CHILD.replace("## Results\n\nIt helps.\n", ""))
    assert (
        problem == "body: keep the heading '## Results' (a section of the Experiment template); edit what is under it"
    )
    # A heading the body never had is not required, and headings of its own may come and go.
    assert edit_problem(Kind.EXPERIMENT, "Ask Reference: #1\nfree text", "Ask Reference: #1\nnew text") is None
    assert edit_problem(Kind.EXPERIMENT, CHILD + "\n## Notes\n\nx\n", CHILD) is None
    assert edit_problem(None, "## Results\n", "") is None  # untyped work has no template


def test_an_ask_keeps_the_children_it_lists() -> None:
    ask = "## Problem Statement\n\nChurn.\n\n## Approaches and Experiments\n\n- #5 GBM\n- #6 Logistic\n"
    assert edit_problem(Kind.ASK, ask, ask.replace("Churn.", "Churn is up 3%.")) is None
    assert edit_problem(Kind.ASK, ask, ask.replace("- #5 GBM", "- #5 Gradient boosting (succeeded)")) is None
    problem = edit_problem(Kind.ASK, ask, ask.replace("- #6 Logistic\n", ""))
    assert problem == "body: keep #6 under '## Approaches and Experiments'; the Ask lists its children there"


# --- Workspace.edit_issue on the local tracker -----------------------------------------------------


def test_edit_title_and_body(demo: Path) -> None:
    ws = Workspace.open(demo)
    before = tracker(demo).get_issue(5)
    body = before.body.replace("## Assumptions", "## Assumptions\n\nDepth 6 beats depth 3.", 1)
    edited = ws.edit_issue(5, title="  Gradient boosting, tuned ", body=body)
    assert edited.title == "Gradient boosting, tuned" and edited.body == body
    again = tracker(demo).get_issue(5)
    assert (again.title, again.body, again.parent, again.labels) == (edited.title, body, before.parent, before.labels)


def test_only_the_title(demo: Path) -> None:
    ws = Workspace.open(demo)
    body = tracker(demo).get_issue(5).body
    assert ws.edit_issue(5, title="GBM baseline").body == body


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("   ", "title: a title is required"),
        ("one\ntwo", "title: keep the title on one line"),
        ("bell\x07", "title: remove the control characters"),
        ("esc \x1b[31mred", "title: remove the control characters"),
        ("x" * 257, "title: keep it under 256 characters"),
    ],
)
def test_bad_titles_are_refused_and_nothing_changes(demo: Path, title: str, message: str) -> None:
    ws = Workspace.open(demo)
    before = tracker(demo).get_issue(5)
    with pytest.raises(ValidationError, match=message) as refused:
        ws.edit_issue(5, title=title)
    assert refused.value.field == "title"
    assert tracker(demo).get_issue(5) == before


def test_a_body_that_drops_the_ask_reference_is_refused(demo: Path) -> None:
    ws = Workspace.open(demo)
    before = tracker(demo).get_issue(5)
    with pytest.raises(ValidationError, match="keep the line 'Ask Reference: #1'") as refused:
        ws.edit_issue(5, title="New title", body=before.body.replace("Ask Reference: #1", ""))
    assert refused.value.field == "body"
    assert tracker(demo).get_issue(5) == before  # the title is not half-saved either


def test_a_body_with_escape_sequences_is_refused(demo: Path) -> None:
    ws = Workspace.open(demo)
    body = tracker(demo).get_issue(5).body
    with pytest.raises(ValidationError, match="control characters"):
        ws.edit_issue(5, body=body + "\x1b]0;pwned\x07")
    assert ws.edit_issue(5, body=body.replace("\n", "\r\n")).body == body  # Windows line ends made plain


def test_an_edit_is_checked_against_the_body_the_tracker_has_now(demo: Path) -> None:
    """A child listed on the Ask after the edit began is not lost by saving the older text."""
    ws = Workspace.open(demo)
    old = tracker(demo).get_issue(1).body
    tracker(demo).append_to_section(1, "Approaches and Experiments", "- #12 Random forest")
    with pytest.raises(ValidationError, match="keep #12 under '## Approaches and Experiments'"):
        ws.edit_issue(1, body=old.replace("Cut churn", "Halve churn"))


def test_nothing_to_change_and_missing_issue(demo: Path) -> None:
    ws = Workspace.open(demo)
    with pytest.raises(ValidationError, match="give a new title, a new body, or both"):
        ws.edit_issue(5)
    with pytest.raises(IssueNotFound):
        ws.edit_issue(99, title="x")
    before = tracker(demo).get_issue(5)
    assert ws.edit_issue(5, title=before.title) == before  # unchanged: no write, no new updated_at


def test_edit_drafts_round_trip(tmp_path: Path) -> None:
    drafts = EditDrafts(tmp_path / "drafts")
    assert drafts.load(5) is None
    path = drafts.save(EditDraft(5, "Title", "## Body\n"))
    assert path.name == "edit-5.json"
    assert drafts.load(5) == EditDraft(5, "Title", "## Body\n")
    assert drafts.load(6) is None
    path.write_text(json.dumps({"number": 6, "title": "x", "body": "y"}))  # not this issue's
    assert drafts.load(5) is None
    path.write_text("{broken")
    assert drafts.load(5) is None
    drafts.discard(5)
    drafts.discard(5)  # twice: nothing to do
    assert not path.exists()


# --- the command line ---------------------------------------------------------------------------


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        status = main(list(argv))
    except SystemExit as exit:
        status = exit.code
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_edit_title_and_body(capsys, demo: Path, tmp_path: Path) -> None:
    body = tracker(demo).get_issue(5).body.replace("## Assumptions", "## Assumptions\n\nDeeper trees help.", 1)
    (tmp_path / "body.md").write_text(body, encoding="utf-8")
    status, out, err = cli(
        capsys, "--repo", str(demo), "edit", "5", "--title", "GBM, tuned", "--body-file", str(tmp_path / "body.md")
    )
    assert (status, out, err) == (0, "#5 GBM, tuned\n", "")
    issue = tracker(demo).get_issue(5)
    assert issue.title == "GBM, tuned" and "Deeper trees help." in issue.body


def test_cli_edit_refusals(capsys, demo: Path, tmp_path: Path) -> None:
    status, out, err = cli(capsys, "--repo", str(demo), "edit", "5")
    assert status == 2 and "give --title, --body-file, or both" in err and out == ""
    status, _, err = cli(capsys, "--repo", str(demo), "edit", "99", "--title", "x")
    assert status == 1 and err.strip() == "dslp-tui: issue #99 does not exist"
    (tmp_path / "body.md").write_text("just words\n")
    status, _, err = cli(capsys, "--repo", str(demo), "edit", "5", "--body-file", str(tmp_path / "body.md"))
    assert status == 2 and "keep the line 'Ask Reference: #1'" in err and len(err.splitlines()) == 1
    status, _, err = cli(capsys, "--repo", str(demo), "edit", "5", "--title", "")
    assert status == 2 and "title: a title is required" in err
