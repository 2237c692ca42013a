"""The board driven through Pilot: every key, the forms, drafts, branches and hostile text."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
from textual.widgets import Button, Input, Select, Static, TextArea

from dslp_tui.app import build_app
from dslp_tui.model import IssueDraft
from dslp_tui.process import render_body, template
from dslp_tui.screens.board import BoardScreen
from dslp_tui.screens.confirm import Confirm
from dslp_tui.screens.help import HelpScreen
from dslp_tui.screens.issue_form import IssueForm
from dslp_tui.screens.pickers import Picker
from dslp_tui.sources.local import LocalTracker

from board_driver import detail_part, labels, move_to, settle, tree

SIZE = (120, 40)


def _walk(node):
    for child in node.children:
        yield child
        yield from _walk(child)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def tracker(repo: Path) -> LocalTracker:
    return LocalTracker.for_git_dir(repo / ".git")


async def test_board_shows_the_demo(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lines = labels(app)
        assert lines[0].startswith("#1 Ask Reduce customer churn")
        assert any(line.startswith("#5 Gradient boosting baseline") and "succeeded" in line for line in lines)
        assert any("#6 Logistic regression baseline" in line and "failed" in line and "kept" in line for line in lines)
        assert any("#2 Get CRM Dataset" in line and "merged" in line for line in lines)
        assert any("#7 Deep tabular network" in line and "local" in line for line in lines)
        assert any(line.startswith("Not linked to an Ask (1)") for line in lines)
        status = str(app.screen.query_one("#status-bar", Static).render())
        assert "on main" in status and "local tracker" in status


async def test_navigation_and_detail_pane(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert tree(app).cursor_node.data.key == "ask-1"
        await pilot.press("j", "j")
        await settle(pilot)
        assert tree(app).cursor_node.data.key == "issue-2"
        facts = detail_part(app)
        assert "#2 Data" in facts and "Get CRM Dataset" in facts and "data/2-get-crm-dataset" in facts
        assert "Ask      #1 Reduce customer churn" in facts
        assert "Dataset Description" in app.screen.detail_source
        await pilot.press("k")
        await settle(pilot)
        assert tree(app).cursor_node.data.key == "ask-1/Data"
        await pilot.press("down", "up", "up")
        assert tree(app).cursor_node.data.key == "ask-1"


async def test_expand_and_collapse(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ask = tree(app).cursor_node
        assert ask.is_expanded
        await pilot.press("left")
        assert not ask.is_expanded
        assert "#2 Get CRM Dataset" not in " ".join(labels(app))
        await pilot.press("right")
        assert ask.is_expanded
        await pilot.press("j", "j", "left")  # on a leaf: go to its group
        assert tree(app).cursor_node.data.key == "ask-1/Data"
        await pilot.press("space")
        assert not tree(app).cursor_node.is_expanded


async def test_new_ask_from_the_form(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, IssueForm)
        headings = [str(label.render()) for label in form.query(".heading")]
        assert headings[1:] == [s.heading for s in template("ask").sections]
        await pilot.press(*"Reduce returns")
        form.query_one("#section-2", TextArea).text = "Score every order at checkout."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        created = tracker(demo).get_issue(13)
        assert created.title == "Reduce returns" and created.labels == ("Ask",)
        assert "## Solution Architecture\n\nScore every order at checkout." in created.body
        assert any(line.startswith("#13 Ask Reduce returns") for line in labels(app))


async def test_form_validates_title_and_applies_the_pattern(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")  # Data under the selected Ask (#1)
        form = app.screen
        assert isinstance(form, IssueForm) and form.template.id == "data"
        assert form.query_one("#ask", Select).value == 1
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, IssueForm), "an empty title must not be filed"
        assert "required" in str(form.query_one("#title-error", Static).render())
        await pilot.press(*"Weather")
        assert "Get Weather Dataset" in str(form.query_one("#title-preview", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        issue = tracker(demo).get_issue(13)
        assert issue.title == "Get Weather Dataset" and issue.parent == 1
        assert "Ask Reference: #1" in issue.body
        assert "- #13 Get Weather Dataset" in tracker(demo).get_issue(1).body


@pytest.mark.parametrize(("key", "template_id"), [("e", "explore"), ("t", "experiment"), ("m", "model"), ("d", "data")])
async def test_child_keys_open_their_templates(demo: Path, key: str, template_id: str) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-5")  # a child: its Ask is used
        await pilot.press(key)
        assert isinstance(app.screen, IssueForm)
        assert app.screen.template.id == template_id
        assert app.screen.query_one("#ask", Select).value == 1


async def test_child_key_needs_an_ask(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "unlinked")
        await pilot.press("e")
        assert isinstance(app.screen, IssueForm)  # opens, but the Ask must be chosen
        await pilot.press(*"Look around", "ctrl+s")
        assert isinstance(app.screen, IssueForm)
        assert "Choose the Ask" in str(app.screen.query_one("#ask-error", Static).render())


async def test_new_child_picker_then_model_based_on_experiment(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, Picker)
        await pilot.press("end", "enter")  # the last choice: Model
        assert isinstance(app.screen, IssueForm) and app.screen.template.id == "model"
        app.screen.query_one("#based-on", Select).value = 5
        await pilot.press(*"uplift")
        await pilot.press("ctrl+s")
        await settle(pilot)
        issue = tracker(demo).get_issue(13)
        assert issue.title == "Implement uplift model"
        assert "Ask Reference: #1" in issue.body and "Based on Experiment: #5" in issue.body


async def test_escape_keeps_the_draft_and_the_form_resumes_it(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t", *"Gradient boosting v2")
        app.screen.query_one("#section-1", TextArea).text = "r2 >= 0.75"
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)
        draft_file = demo / ".git" / "dslp" / "drafts" / "experiment-1.json"
        assert draft_file.exists()
    # A new session (the draft is on disk, not only in memory) resumes it.
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        form = app.screen
        assert form.query_one("#title", Input).value == "Gradient boosting v2"
        assert form.query_one("#section-1", TextArea).text == "r2 >= 0.75"
        assert "resumed" in str(form.query_one("#form").border_subtitle)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert tracker(demo).get_issue(13).title == "Gradient boosting v2"
        assert not draft_file.exists()


async def test_a_cli_new_for_the_same_form_does_not_delete_the_boards_draft(demo: Path) -> None:
    from dslp_tui.cli import main

    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t", *"Half typed")
        await pilot.press("escape")
    draft_file = demo / ".git" / "dslp" / "drafts" / "experiment-1.json"
    assert draft_file.exists()
    assert main(["--repo", str(demo), "new", "experiment", "From the CLI", "--ask", "1"]) == 0
    assert draft_file.exists()  # the CLI filed its own draft, not this one
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        assert app.screen.query_one("#title", Input).value == "Half typed"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert [i.title for i in tracker(demo).list_issues()][-2:] == ["From the CLI", "Half typed"]
    assert not draft_file.exists()  # filing the board's draft removes it


async def test_an_issue_created_but_not_listed_is_linked_on_retry_not_filed_again(demo: Path) -> None:
    db = sqlite3.connect(demo / ".git" / "dslp" / "tracker.db")
    with db:  # SQLite refuses the Ask's update: the child is created, listing it fails
        db.execute(
            "CREATE TRIGGER ask_locked BEFORE UPDATE OF body ON issues WHEN OLD.number = 1"
            " BEGIN SELECT RAISE(ABORT, 'the Ask is locked'); END"
        )
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t", *"Uplift model")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any(n.title == "#13 created, not linked" for n in app._notifications)
        assert app.workspace.drafts.load("experiment", 1).filed_as == 13
        with db:
            db.execute("DROP TRIGGER ask_locked")
        db.close()
        await pilot.press("t")  # the same form again: an offer to retry the link, not the form
        assert isinstance(app.screen, Picker)
        await pilot.press("enter")
        await settle(pilot)
    assert [i.number for i in tracker(demo).list_issues()][-1] == 13  # no duplicate
    assert "- #13 Uplift model" in tracker(demo).get_issue(1).body
    assert app.workspace.drafts.load("experiment", 1) is None


async def test_typed_text_goes_under_the_first_sub_heading(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", *"Cut fraud", "tab")
        field = app.screen.query_one("#section-0", TextArea)
        assert field.has_focus and field.cursor_location == (1, 0)
        await pilot.press(*"Fraud costs 2%", "tab")
        await pilot.press(*"Fraud below 1%")  # Success Criteria: under ### Impact
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        body = tracker(demo).get_issue(13).body
    lines = body.split("\n")
    start = lines.index("## Problem Statement")
    assert lines[start : start + 7] == [
        "## Problem Statement",
        "",
        "### Desired Outcome",
        "",
        "Fraud costs 2%",
        "",
        "### Current State",
    ]
    assert lines[lines.index("### Impact") + 2] == "Fraud below 1%"
    headings = [f"## {s.heading}" for s in template("ask").sections]
    headings += ["### Desired Outcome", "### Current State", "### Impact", "### Metrics", "### Constraints"]
    assert all(heading in lines for heading in headings), body


async def test_a_click_into_an_untouched_section_lands_under_its_sub_heading(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await pilot.click("#section-1", offset=(2, 1))  # on the "### Impact" line
        await pilot.press(*"Fewer chargebacks")
        assert app.screen.query_one("#section-1", TextArea).text.startswith("### Impact\nFewer chargebacks\n")


async def test_a_resumed_section_puts_the_cursor_at_the_end(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        draft = IssueDraft("experiment", "GBM v2", {"Metrics": "r2 >= 0.75"}, parent=1)
        app.workspace.drafts.save(draft)
        await pilot.press("t")
        metrics = app.screen.query_one("#section-1", TextArea)
        metrics.focus()
        await pilot.press(*"; mae < 3")
        assert metrics.text == "r2 >= 0.75; mae < 3"


def draft_file(demo: Path, key: str) -> Path:
    return demo / ".git" / "dslp" / "drafts" / f"{key}.json"


async def test_ctrl_r_discards_the_draft_on_a_second_press(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t", *"Gradient boosting v2", "escape")
        assert draft_file(demo, "experiment-1").exists()
        await pilot.press("t")  # resumed
        form = app.screen
        assert isinstance(form, IssueForm) and form.resumed
        assert "ctrl+r" in str(form.query_one("#form-hint", Static).render())
        await pilot.press("ctrl+r")
        assert app.screen is form, "one press must not throw typed work away"
        assert "again" in str(form.query_one("#discard-note", Static).render())
        await pilot.press("x", "ctrl+r")  # typing in between asks again
        assert app.screen is form
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert not draft_file(demo, "experiment-1").exists()
        assert any("Draft discarded" in n.message for n in app._notifications)
        await pilot.press("t")
        assert app.screen.query_one("#title", Input).value == ""


async def test_the_discard_button_discards_the_draft(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", *"Reduce returns", "escape")
        assert draft_file(demo, "ask-none").exists()
        await pilot.press("a")
        form = app.screen
        await pilot.click("#discard")
        assert app.screen is form
        assert "again" in str(form.query_one("#discard-note", Static).render())
        # Textual ignores a click during the button's press effect: a double-click is not a confirmation.
        await pilot.pause(form.query_one("#discard", Button).active_effect_duration + 0.2)
        await pilot.click("#discard")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert not draft_file(demo, "ask-none").exists()


async def test_an_empty_form_is_discarded_at_once(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", "ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)


async def test_a_failed_save_keeps_the_draft(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "ask-9")
        await pilot.press("e", *"Holiday effects")
        # Someone removes the Ask while the form is open: the save must fail, the draft stay.
        with sqlite3.connect(demo / ".git" / "dslp" / "tracker.db") as db:
            db.execute("PRAGMA foreign_keys = OFF")
            db.execute("DELETE FROM issues WHERE number = 9")
        await pilot.press("ctrl+s")
        await settle(pilot)
        draft = app.workspace.drafts.load("explore", 9)
        assert draft is not None and draft.title == "Holiday effects"
        assert any("draft is kept" in n.message for n in app._notifications)
        assert all(i.title != "Holiday effects" for i in tracker(demo).list_issues())


async def test_branch_key_creates_checks_out_and_pushes(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-10")
        await settle(pilot)
        facts = detail_part(app)
        assert "bcreatesexplore/10-seasonality-in-weekly-orders" in "".join(facts.split())  # as wrapped
        await pilot.press("b")
        await settle(pilot)
        assert git(demo, "branch", "--show-current").strip() == "explore/10-seasonality-in-weekly-orders"
        assert "explore/10-seasonality-in-weekly-orders" in git(demo, "branch", "-r")
        assert any("#10 Seasonality" in line and "⎇" in line for line in labels(app))


async def test_branch_key_on_a_dirty_tree_offers_to_create_the_branch_without_checking_it_out(demo: Path) -> None:
    (demo / "README.md").write_text("work in progress\n")
    head = git(demo, "rev-parse", "HEAD")
    name = "explore/10-seasonality-in-weekly-orders"
    app = build_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        status = str(app.screen.query_one("#status-bar", Static).render())
        assert "uncommitted changes" in status
        move_to(app, "issue-10")
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        question = str(app.screen.query_one("#confirm-question", Static).render())
        assert "uncommitted changes" in question and name in question and "stash" in question
        assert str(app.screen.query_one("#yes", Button).label) == "Create without checking out"
        await pilot.press("n")  # no: nothing is created
        await settle(pilot)
        assert git(demo, "branch", "--list", name) == ""
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("y")  # yes: created (and pushed), the checkout and the changes untouched
        await settle(pilot)
        assert git(demo, "branch", "--list", name).strip() == name
        assert name in git(demo, "branch", "-r")
        assert git(demo, "branch", "--show-current").strip() == "main"
        assert git(demo, "rev-parse", "HEAD") == head
        assert (demo / "README.md").read_text() == "work in progress\n"
        assert any(name in n.message and "checked out" not in n.message for n in app._notifications)


async def test_filter_by_kind_text_and_state(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"kind:experiment")
        await settle(pilot)
        rows = [line for line in labels(app) if line.startswith("#") and " Ask " not in line[:8]]
        assert rows and all(any(f"#{n} " in line for n in (5, 6, 7, 11)) for line in rows)
        await pilot.press("enter")
        assert tree(app).has_focus
        await pilot.press("slash", "ctrl+u", *"state:closed")  # replace the query
        await settle(pilot)
        joined = " ".join(labels(app))
        assert "#2 Get CRM Dataset" in joined and "#5 Gradient" not in joined
        await pilot.press("escape")
        await settle(pilot)
        assert "#5 Gradient" in " ".join(labels(app))
        assert not app.screen.query_one("#filter", Input).display


async def test_hide_closed_and_toggle_detail(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        joined = " ".join(labels(app))
        assert "#2 Get CRM Dataset" not in joined and "#3 Create churn features" in joined
        await pilot.press("v")
        assert not app.screen.query_one("#detail-pane").display
        await pilot.press("v")
        assert app.screen.query_one("#detail-pane").display


async def test_refresh_shows_work_done_elsewhere(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tracker(demo).create_issue(
            IssueDraft(template="explore", title="Filed from another terminal", parent=1),
            labels=("Explore",),
            body=render_body(template("explore"), {}),
        )
        await pilot.press("r")
        await settle(pilot)
        assert any("Filed from another terminal" in line for line in labels(app))


async def test_help_lists_keys_and_legend(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        from rich.console import Console

        console = Console(width=100, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
        console.print(app.screen.render_help())
        text = console.export_text()
        assert "New Ask (from the Ask template)" in text
        assert "labelled failed (kept, not lost)" in text and "kind:experiment" in text
        keys = dict(app.screen.keys)
        assert keys["a"].startswith("New Ask") and keys["b"].startswith("Create, check out")
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)


async def test_command_palette_offers_every_board_action(demo: Path) -> None:
    from dslp_tui.screens.board import BOARD_ACTIONS

    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {c.title: c.help for c in app.get_system_commands(app.screen)}
        for action in BOARD_ACTIONS:
            assert action.description in titles
        assert titles["New Ask (from the Ask template)"] == "key: a"
        # Running one from the palette does what the key does.
        command = next(c for c in app.get_system_commands(app.screen) if c.title.startswith("Show or hide the detail"))
        await command.callback()
        assert not app.screen.query_one("#detail-pane").display


async def test_keys_are_remapped_from_dslp_toml(demo: Path) -> None:
    (demo / "dslp.toml").write_text('[keys]\nnew_ask = "N"\nquit = "ctrl+q"\n')
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        assert isinstance(app.screen, BoardScreen), "a is no longer bound"
        await pilot.press("N")
        assert isinstance(app.screen, IssueForm) and app.screen.template.id == "ask"
        await pilot.press("escape")
        titles = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert titles["New Ask (from the Ask template)"] == "key: N"


async def test_quit_key(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


HOSTILE = [
    "[@click=app.quit]Click me",
    "[red]x[/red] [b]bold",
    "\x1b]8;;http://evil.example\x07link\x1b]8;;\x07",
    "\x1b[31mred\x1b[0m and \x1b]52;c;ZXZpbA==\x07clip",
]


async def test_outside_text_is_never_markup_or_escapes(demo: Path) -> None:
    store = tracker(demo)
    for title in HOSTILE:
        store.create_issue(
            IssueDraft(template="experiment", title=title, parent=1),
            labels=("Experiment", "[blink]lbl"),
            body="## Description\n\n[@click=app.quit]body \x1b[2J",
        )
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        joined = "\n".join(labels(app))
        assert "[@click=app.quit]Click me" in joined
        assert "[red]x[/red] [b]bold" in joined
        assert "\x1b" not in joined and "\x07" not in joined
        assert "link" in joined and "red and clip" in joined
        move_to(app, "issue-13")
        await settle(pilot)
        facts = detail_part(app)
        assert "[blink]lbl" in "".join(facts.split())  # as wrapped
        assert "\x1b" not in app.screen.detail_source and "[@click=app.quit]body" in app.screen.detail_source
        # Click the hostile title itself (markup would make "[@click=app.quit]Click me" an action).
        node = next(n for n in _walk(tree(app).root) if "[@click=app.quit]Click me" in n.label.plain)
        y = node.line - tree(app).scroll_offset.y + 1  # +1: the border
        x = 4 + node.label.plain.index("Click me")
        await pilot.click("#board", offset=(x, y))
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, BoardScreen)
        assert tree(app).cursor_node is node  # the click landed on that row


async def test_tiny_terminal_says_so(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=(30, 8)) as pilot:
        await settle(pilot)
        message = app.screen.query_one("#too-small", Static)
        assert message.display and "too small" in str(message.render())
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.screen.has_class("too-small")


async def test_no_color_is_respected(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.no_color
        # Colour is never the only signal: states carry words and glyphs.
        assert any("failed" in line for line in labels(app))


async def test_a_broken_repository_shows_the_error(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # looks like a repository to the CLI, but is not one
    app = build_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = str(app.screen.query_one("#status-bar", Static).render())
        assert "refresh:" in status and "not inside a git repository" in status
        assert app.is_running


async def test_status_label_from_the_board(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-7")
        await pilot.press("s")
        assert isinstance(app.screen, Picker)
        await pilot.press("down", "enter")  # the second choice: failed
        await settle(pilot)
        assert "failed" in tracker(demo).get_issue(7).labels
        assert any("#7 Deep tabular network" in line and "failed" in line for line in labels(app))
        await pilot.press("s", "end", "enter")  # (no status label)
        await settle(pilot)
        assert tracker(demo).get_issue(7).labels == ("Experiment",)
        move_to(app, "issue-5")  # succeeded → on hold: one status at a time
        await pilot.press("s", "down", "down", "enter")
        await settle(pilot)
        assert tracker(demo).get_issue(5).labels == ("Experiment", "on hold")


async def test_comment_keeps_unsent_text_and_sends_it(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-7")
        await pilot.press("w", *"tabnet overfits", "escape")
        assert isinstance(app.screen, BoardScreen)
        await pilot.press("w")
        assert app.screen.query_one("#comment-text", TextArea).text == "TL;DR: tabnet overfits"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [c.body for c in tracker(demo).comments(7)] == ["TL;DR: tabnet overfits"]


async def test_closing_an_ask_with_open_children_asks_first(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        move_to(app, "ask-9")  # Forecast weekly demand: #10 and #11 are open
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        question = str(app.screen.query_one("#confirm-question", Static).render())
        assert "Ask #9 has 2 open children (#10, #11)" in question and "close the Ask anyway" in question
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert tracker(demo).get_issue(9).state == "open"
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert tracker(demo).get_issue(9).state == "closed"
        assert [tracker(demo).get_issue(n).state for n in (10, 11)] == ["open", "open"]
        await pilot.press("o")  # reopening never asks
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert tracker(demo).get_issue(9).state == "open"


async def test_close_and_reopen(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-7")
        await pilot.press("o")
        await settle(pilot)
        assert tracker(demo).get_issue(7).state == "closed"
        assert any("#7 Deep tabular network" in line and "kept" in line for line in labels(app))
        await pilot.press("o")
        await settle(pilot)
        assert tracker(demo).get_issue(7).state == "open"


async def test_closing_an_issue_while_closed_ones_are_hidden_does_not_offer_o_to_undo(demo: Path) -> None:
    """With closed issues hidden, the closed issue leaves the board and the cursor moves on:
    "o again to undo" would close or reopen whatever the cursor landed on."""
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        move_to(app, "issue-3")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert tracker(demo).get_issue(3).state == "closed"
        said = [n.message for n in app._notifications if "#3 closed" in n.message]
        assert said and not any("o again" in message for message in said), said
        assert any("h shows" in message for message in said), said
        await pilot.press("h")
        app.set_filter("state:closed")
        await settle(pilot)
        move_to(app, "issue-3")
        await settle(pilot)
        await pilot.press("o")  # reopened: state:closed hides it now
        await settle(pilot)
        assert tracker(demo).get_issue(3).state == "open"
        said = [n.message for n in app._notifications if "#3 reopened" in n.message]
        assert said and not any("o again" in message for message in said), said
