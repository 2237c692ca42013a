"""Editing an issue's title and body: what an edit must keep, the CLI, the board's form, drafts."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from dslp_tui.app import build_app
from dslp_tui.cli import main
from dslp_tui.drafts import EditDraft, EditDrafts
from dslp_tui.editor import EditorError, edit_text, editor_command
from dslp_tui.process import Kind, edit_problem
from dslp_tui.screens.board import BoardScreen
from dslp_tui.screens.edit_form import EditForm
from dslp_tui.sources import github as github_source
from dslp_tui.sources.local import LocalTracker
from dslp_tui.workspace import IssueNotFound, ValidationError, Workspace

from board_driver import labels, move_to, settle, tree
from github_emulator import GitHubEmulator, emulator_fixture


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


# --- the board: E, the form, kept edits, $EDITOR -----------------------------------------------


SIZE = (120, 40)


def notes(app) -> str:
    return "\n".join(n.message for n in app._notifications)


def form_values(app) -> tuple[str, str]:
    return app.screen.query_one("#title", Input).value, app.screen.query_one("#body", TextArea).text


def fill(app, title: str | None = None, body: str | None = None) -> None:
    if title is not None:
        app.screen.query_one("#title", Input).value = title
    if body is not None:
        app.screen.query_one("#body", TextArea).load_text(body)


async def open_edit(pilot, number: int) -> None:
    move_to(pilot.app, f"issue-{number}")
    await pilot.press("E")
    await pilot.pause()
    assert isinstance(pilot.app.screen, EditForm)


async def test_edit_on_the_board_saves_and_the_board_shows_it(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_edit(pilot, 5)
        title, body = form_values(app)
        assert title == "Gradient boosting baseline" and "Ask Reference: #1" in body
        fill(app, "GBM, tuned", body.replace("## Assumptions", "## Assumptions\n\nDepth 6 beats depth 3.", 1))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        issue = tracker(demo).get_issue(5)
        assert issue.title == "GBM, tuned" and "Depth 6 beats depth 3." in issue.body
        assert any(line.startswith("#5 GBM, tuned") for line in labels(app))
        assert tree(app).cursor_node.data.key == "issue-5"
        assert "Depth 6 beats depth 3." in app.screen.detail_source
        assert not EditDrafts(demo / ".git" / "dslp" / "drafts").path(5).exists()


async def test_the_edit_form_s_body_fills_the_dialog(demo: Path) -> None:
    """The body is the whole Markdown of the issue: it takes the dialog's height, with the
    buttons at the bottom, not a 4-line box over an empty half of the dialog."""
    app = build_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_edit(pilot, 5)
        await pilot.pause()
        form = app.screen.query_one("#form")
        body = app.screen.query_one("#body", TextArea)
        buttons = app.screen.query_one("#form-buttons")
        assert body.outer_size.height >= 20, body.outer_size
        assert buttons.region.bottom == form.content_region.bottom


async def test_a_refused_edit_is_kept_and_offered_again_then_saved(demo: Path) -> None:
    app = build_app(demo)
    drafts = EditDrafts(demo / ".git" / "dslp" / "drafts")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_edit(pilot, 5)
        _, body = form_values(app)
        broken = body.replace("Ask Reference: #1", "Belongs to the churn work")
        fill(app, "GBM, tuned", broken)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "keep the line 'Ask Reference: #1'" in notes(app) and "press E on #5 to resume it" in notes(app)
        assert tracker(demo).get_issue(5).title == "Gradient boosting baseline"  # nothing saved
        assert drafts.load(5) == EditDraft(5, "GBM, tuned", broken)
        await open_edit(pilot, 5)
        assert form_values(app) == ("GBM, tuned", broken)
        assert app.screen.query_one("#form").border_subtitle == "resumed from your unsaved edit"
        fill(app, body=body)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert tracker(demo).get_issue(5).title == "GBM, tuned"
        assert drafts.load(5) is None


async def test_escape_keeps_the_edit_and_ctrl_r_twice_discards_it(demo: Path) -> None:
    app = build_app(demo)
    drafts = EditDrafts(demo / ".git" / "dslp" / "drafts")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_edit(pilot, 5)
        await pilot.press("escape")  # nothing changed: nothing kept
        assert drafts.load(5) is None
        await open_edit(pilot, 5)
        fill(app, "Half-typed title")
        await pilot.press("escape")
        assert drafts.load(5).title == "Half-typed title"
        assert "press E on #5 to resume it" in notes(app)
        await open_edit(pilot, 5)
        assert form_values(app)[0] == "Half-typed title"
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, EditForm)  # the first press only asks
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        assert drafts.load(5) is None
        assert tracker(demo).get_issue(5).title == "Gradient boosting baseline"


async def test_ctrl_o_hands_the_body_to_the_editor(demo: Path, tmp_path: Path, monkeypatch) -> None:
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\n"
        "path = sys.argv[1]\n"
        "text = open(path, encoding='utf-8').read()\n"
        "open(path, 'w', encoding='utf-8').write(text.replace('## Assumptions', '## Assumptions\\n\\nFrom vi.'))\n"
    )
    monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")
    app = build_app(demo)
    suspended: list[bool] = []

    @contextlib.contextmanager
    def suspend():  # a headless test has no terminal to hand over; the editor still runs for real
        suspended.append(True)
        yield

    monkeypatch.setattr(app, "suspend", suspend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_edit(pilot, 5)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert suspended == [True]
        assert "## Assumptions\n\nFrom vi." in form_values(app)[1]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "From vi." in tracker(demo).get_issue(5).body


async def test_ctrl_o_without_an_editor_says_how(demo: Path, monkeypatch) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_edit(pilot, 5)
        await pilot.press("ctrl+o")
        assert "Set $VISUAL or $EDITOR" in notes(app)
        assert isinstance(app.screen, EditForm)


def test_editor_command_and_a_failing_editor(tmp_path: Path) -> None:
    assert editor_command({"VISUAL": "code --wait", "EDITOR": "vi"}) == ["code", "--wait"]
    assert editor_command({"EDITOR": "vi"}) == ["vi"]
    assert editor_command({"EDITOR": "  "}) is None
    assert editor_command({"EDITOR": "vi 'unclosed"}) is None
    before = set(Path(tempfile.gettempdir()).glob("dslp-edit-*"))
    with pytest.raises(EditorError, match="exited with status 1"):
        edit_text("text", [sys.executable, "-c", "import sys; sys.exit(1)"])
    with pytest.raises(EditorError, match="cannot start the editor"):
        edit_text("text", [str(tmp_path / "no-such-editor")])
    assert set(Path(tempfile.gettempdir()).glob("dslp-edit-*")) == before  # the private copies are gone


# --- the board against GitHub (the emulator) ------------------------------------------------------

github = emulator_fixture()


@pytest.fixture
def project(tmp_path: Path, github: GitHubEmulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(github_source.CLIENT_OPTIONS, "seconds_between_writes", None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", github.token)
    monkeypatch.setenv("GH_HOST", "127.0.0.1")  # the person chose the emulator's host
    work = tmp_path / "churn-model"
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True, capture_output=True)
    (work / "dslp.toml").write_text(
        f'[tracker]\nkind = "github"\nrepo = "acme/churn-model"\nbase_url = "{github.base_url}"\n'
    )
    ask = github.add_issue("Reduce customer churn", labels=["Ask"])["number"]
    github.add_issue("Gradient boosting", body=CHILD, labels=["Experiment"], parent=ask)
    return work


async def test_edit_on_github(project: Path, github: GitHubEmulator) -> None:
    app = build_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_edit(pilot, 2)
        fill(app, "Gradient boosting, tuned", CHILD.replace("It helps.", "It helps: r2 0.74."))
        await pilot.press("ctrl+s")
        await settle(pilot)
        issue = github.issues[2]
        assert issue["title"] == "Gradient boosting, tuned" and "r2 0.74" in issue["body"]
        assert any(line.startswith("#2 Gradient boosting, tuned") for line in labels(app))
        assert "r2 0.74" in app.screen.detail_source


@pytest.mark.parametrize("failure", ["422", "offline"])
async def test_a_failed_save_on_github_keeps_the_edit(project: Path, github: GitHubEmulator, failure: str) -> None:
    app = build_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_edit(pilot, 2)
        fill(app, "Gradient boosting, tuned", CHILD.replace("It helps.", "It helps a lot."))
        if failure == "422":
            errors = [{"resource": "Issue", "code": "custom", "field": "body", "message": "body is too long"}]
            github.fail_next(422, method="PATCH", path_contains="/issues/2", errors=errors)
        else:
            github.go_offline()
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = notes(app)
        assert ("body is too long" if failure == "422" else "cannot reach GitHub") in said
        assert "press E on #2 to resume it" in said
        github.go_online()
        assert github.issues[2]["title"] == "Gradient boosting"
        await open_edit(pilot, 2)
        assert form_values(app) == ("Gradient boosting, tuned", CHILD.replace("It helps.", "It helps a lot."))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert github.issues[2]["title"] == "Gradient boosting, tuned"
        assert EditDrafts(project / ".git" / "dslp" / "drafts").load(2) is None


def test_ctrl_c_in_the_editor_stops_the_editor_not_the_board() -> None:
    """A terminal sends ctrl+c to the whole foreground group: here, to both processes at once."""
    both = "import os, signal; os.kill(os.getppid(), signal.SIGINT); os.kill(os.getpid(), signal.SIGINT)"
    with pytest.raises(EditorError, match="exited with status -2"):  # the editor: the default action
        edit_text("text", [sys.executable, "-c", both])
    # and this process (the board) went on: no KeyboardInterrupt
