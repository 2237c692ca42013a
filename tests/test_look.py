"""What reaches the terminal: NO_COLOR gives default colours only, ASCII mode only ASCII."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from rich.segment import Segment
from textual.app import App
from textual.widgets import Static

from dslp_tui.app import build_app
from dslp_tui.board import Filter
from dslp_tui.screens.detail import DetailPane
from dslp_tui.screens.render import LABEL_WIDTH, hanging_lines
from dslp_tui.text import to_ascii, wants_ascii

from board_driver import detail_part, labels, move_to, settle, shown, tree

# Every screen the board opens: (keys from the board, what it is). Escape goes back each time.
SCREENS = [
    ((), "board"),
    (("question_mark",), "help"),
    (("t",), "issue form"),
    (("s",), "status picker"),
    (("n",), "child picker"),
    (("ctrl+p",), "command palette"),
    (("w",), "comment form"),
    (("slash", *"kind:exp"), "filter"),
]


def on_screen(app: App) -> list[Segment]:
    """Every segment the terminal would be sent for the current screen (after Textual's filters)."""
    return [segment for strip in app.screen._compositor.render_strips() for segment in strip]


async def each_screen(pilot):
    """Open each screen in turn (from the first Experiment), yielding its name."""
    app = pilot.app
    await settle(pilot)
    await pilot.press("j", "j", "j", "j", "j", "j", "j")  # #5, an Experiment under an Ask
    await settle(pilot)
    for keys, name in SCREENS:
        await pilot.press(*keys)
        await settle(pilot)
        yield name
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.board_screen, name


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_ascii_mode_sends_only_ascii(demo: Path, size: tuple[int, int]) -> None:
    app = build_app(demo, ascii_only=True)
    async with app.run_test(size=size) as pilot:
        async for name in each_screen(pilot):
            text = "".join(segment.text for segment in on_screen(app))
            assert "#5" in text or name != "board"
            assert text.isascii(), (name, sorted({c for c in text if not c.isascii()}))


async def test_unicode_mode_is_unchanged(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        text = "".join(segment.text for segment in on_screen(app))
        assert "▼" in text and "╭" in text and "✓" in text


def _coloured(segment: Segment) -> bool:
    style = segment.style
    if style is None:
        return False
    return any(colour is not None and not colour.is_default for colour in (style.color, style.bgcolor))


async def test_no_color_uses_the_default_colours_and_attributes_only(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = build_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        async for name in each_screen(pilot):
            coloured = [s.text for s in on_screen(app) if _coloured(s)]
            assert not coloured, (name, coloured[:5])
            if name == "board":
                # The cursor is still seen: its line is drawn in reverse.
                cursor = [s.text for s in on_screen(app) if s.style and s.style.reverse]
                assert any("Gradient boosting baseline" in text for text in cursor), cursor


async def test_no_color_draws_the_tree_guides_of_every_ask(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual hides tree guides in ANSI mode, and ours showed them only under the cursor's Ask:
    with NO_COLOR the guides are drawn everywhere, in the default colour."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = build_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        lines = [line[1:] for line in shown(tree(app)).splitlines()]  # without the border
        other_ask = lines.index(next(line for line in lines if "#9 Ask" in line))  # not the cursor's Ask
        assert lines[other_ask + 1].startswith(("├", "└")), lines[other_ask : other_ask + 4]
        assert lines[2].startswith(("├", "└")), lines[:3]  # and the cursor's own


def test_to_ascii_keeps_widths() -> None:
    assert to_ascii("╭─ ▼ #5 Café … ✓ ·") == "+- v #5 Cafe ~ v -"
    assert to_ascii("日本") == "????"  # wide characters keep their two cells


@pytest.mark.parametrize(
    ("environ", "encoding", "expected"),
    [
        ({"TERM": "linux", "LANG": "en_US.UTF-8"}, "UTF-8", True),
        ({"TERM": "xterm-256color", "LANG": "en_US.UTF-8"}, "UTF-8", False),
        ({"TERM": "xterm", "LANG": "C"}, "UTF-8", True),
        ({"TERM": "xterm", "LANG": "en_US.ISO-8859-1"}, "UTF-8", True),
        ({"TERM": "xterm", "LC_ALL": "C.UTF-8", "LANG": "C"}, "ANSI_X3.4-1968", False),
        ({"TERM": "xterm", "LC_CTYPE": "de_DE.utf8"}, "ANSI_X3.4-1968", False),
        ({"TERM": "xterm"}, "ANSI_X3.4-1968", True),
        ({"TERM": "xterm"}, "UTF-8", False),
    ],
)
def test_ascii_is_chosen_by_itself_on_the_linux_console_or_a_non_utf8_locale(
    environ: dict[str, str], encoding: str, expected: bool
) -> None:
    assert wants_ascii(environ, encoding) is expected


# --- small things: say what is wrong ------------------------------------------------------------


def test_a_filter_term_that_can_match_nothing_names_what_exists() -> None:

    assert Filter.parse("kind:foo churn").problem() == (
        "no kind 'foo'; kinds are ask, data, explore, experiment, model, other"
    )
    assert "states are open, closed" in (Filter.parse("state:done").problem() or "")
    assert Filter.parse("kind:exp state:open label:whatever churn").problem() is None


async def test_the_board_says_when_a_kind_filter_matches_no_kind(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"kind:foo")
        await settle(pilot)
        await pilot.pause(0.2)
        assert any("no kind 'foo'" in n.message and "experiment" in n.message for n in app._notifications)


async def test_a_new_issue_after_a_failed_load_says_what_failed_and_that_r_retries(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # looks like a repository, is not one: the load fails
    app = build_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.clear_notifications()
        await pilot.press("a")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("did not load" in m and "not inside a git repository" in m and "r to retry" in m for m in messages)
        assert not any("still loading" in m for m in messages)


# --- layout at 80 columns -----------------------------------------------------------------------


def screen_lines(app: App) -> list[str]:
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]


@pytest.mark.parametrize("size", [(80, 24), (60, 20), (40, 12)])
async def test_the_footer_keeps_help_and_quit_at_every_width(demo: Path, size: tuple[int, int]) -> None:
    app = build_app(demo)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        footer = screen_lines(app)[-1]
        assert "? Help" in footer and "q Quit" in footer, footer


async def test_the_status_bar_keeps_the_filter_and_closed_hidden_marks_at_80_columns(demo: Path) -> None:
    (demo / "README.md").write_text("uncommitted\n")  # one more mark for the bar to hold
    app = build_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("h", "slash", *"kind:experiment", "enter")
        await settle(pilot)
        top = " ".join(screen_lines(app)[:2])
        assert "filter: kind:experiment" in top and "closed hidden" in top, top


async def test_an_error_is_shown_whole_at_80_columns(tmp_path: Path) -> None:
    """The status bar wraps it to two lines; ``!`` lists the last messages, each in full."""
    (tmp_path / ".git").mkdir()  # the load fails with a long message (a path, then what to do)
    app = build_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.last_error and len(app.last_error) > 120
        top = screen_lines(app)[:2]
        assert "refresh:" in top[0] and "not inside a" in top[1], top
        await pilot.press("exclamation_mark")
        await settle(pilot)
        # Compared without spaces: the pane wraps a long path wherever it must.
        pane = [line.split("█")[1] for line in screen_lines(app) if line.count("█") >= 2]
        shown = "".join(pane).replace(" ", "")
        whole = app.last_error.removeprefix("refresh: ").replace(" ", "")
        assert "Refreshfailed" in shown and whole in shown, "\n".join(screen_lines(app))
        await pilot.press("escape")
        assert app.screen is app.board_screen


# --- the tree's layout --------------------------------------------------------------------------


def file_issue(repo: Path, template_id: str, title: str, parent: int | None = None) -> int:
    from dslp_tui.model import IssueDraft
    from dslp_tui.process import render_body, template
    from dslp_tui.sources.local import LocalTracker

    tpl = template(template_id)
    issue = LocalTracker.for_git_dir(repo / ".git").create_issue(
        IssueDraft(template=template_id, title=title, parent=parent),
        labels=(tpl.kind.value,),
        body=render_body(tpl, {}),
    )
    return issue.number


async def test_an_ask_with_no_children_lines_up_with_the_others(demo: Path) -> None:
    number = file_issue(demo, "ask", "Forecast demand")
    app = build_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        lines = screen_lines(app)
        first = next(line for line in lines if "#1 Ask" in line)
        lone = next(line for line in lines if f"#{number} Ask" in line)
        assert lone.index(f"#{number} Ask") == first.index("#1 Ask"), (first, lone)


async def test_an_ask_filed_after_the_first_paint_opens_like_the_others(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        ask = file_issue(demo, "ask", "Forecast demand")
        file_issue(demo, "explore", "Holiday effects", parent=ask)
        file_issue(demo, "experiment", "Churn with tenure buckets", parent=1)  # a kind group seen before
        await pilot.press("r")
        await settle(pilot)
        shown = labels(app)
        assert any("Holiday effects" in line for line in shown), shown
        assert any("Churn with tenure buckets" in line for line in shown), shown


async def test_the_cursor_goes_to_a_filed_issue_even_in_a_collapsed_group(demo: Path) -> None:

    app = build_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "j", "j", "j", "j")  # #5, in Ask #1's Experiments
        await pilot.press("left", "left")  # up to the Experiment group, then collapse it
        await settle(pilot)
        assert tree(app).cursor_node.data.key == "ask-1/Experiment"
        assert not tree(app).cursor_node.is_expanded
        await pilot.press("t", *"Tenure buckets", "ctrl+s")
        await settle(pilot)
        node = tree(app).cursor_node
        assert node is not None and node.data.number == 13, node and node.label.plain
        assert "Tenure buckets" in node.label.plain


async def test_tab_into_the_detail_pane_shows_where_the_focus_is_without_colour(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = build_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)

        def reversed_titles() -> set[str]:
            """What is drawn in reverse on the panes' top border line."""
            strips = app.screen._compositor.render_strips()
            border = next(strip for strip in strips if "Board" in "".join(s.text for s in strip))
            return {s.text.strip() for s in border if s.style and s.style.reverse and s.text.strip()}

        assert "Board" in reversed_titles()
        await pilot.press("tab")
        await settle(pilot)
        assert app.focused is app.screen.query_one("#detail-pane")
        assert "#1" in reversed_titles() and "Board" not in reversed_titles(), reversed_titles()


async def test_detail_lines_wrap_under_their_value_not_at_column_0(demo: Path) -> None:

    app = build_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)  # the cursor on Ask #1: its children are listed under "Children"
        facts = detail_part(app).splitlines()
        child = next(i for i, line in enumerate(facts) if "#3 Data Create churn" in line)
        assert facts[child].startswith(" " * 9 + "#3 Data"), facts[child]
        assert facts[child + 1].startswith(" " * 9) and facts[child + 1].strip(), facts  # wrapped, indented


async def test_a_branch_name_too_long_for_the_value_column_gets_a_line_of_its_own(demo: Path) -> None:

    app = build_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "j", "j", "j", "j")  # #5: experiment/5-gradient-boosting-baseline
        await settle(pilot)
        facts = detail_part(app).splitlines()
        name = next(i for i, line in enumerate(facts) if line.strip() == "experiment/5-gradient-boosting-baseline")
        assert facts[name - 1] == "Branch", facts  # the label above it, the name whole and as far right as fits
        # The facts under it wrap under their value, whole: nothing is cut off.
        start = name + 1
        rest = [line.strip() for line in facts[start:] if line.startswith(" " * 9)]
        assert "last commit 2026-03-03" in " ".join(rest), facts


async def test_an_upstream_too_long_for_the_value_column_is_never_split_at_80x24(demo: Path) -> None:
    long_name = "experiment/7-deep-tabular-network-with-entity-embeddings-and-more"
    subprocess.run(["git", "branch", long_name, "main"], cwd=demo, check=True)
    pushed_as = long_name.replace("deep", "wide")  # an upstream of another name is shown whole
    subprocess.run(
        ["git", "push", "-q", "-u", "origin", f"{long_name}:{pushed_as}"], cwd=demo, check=True, capture_output=True
    )
    app = build_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        move_to(app, "issue-7")
        await settle(pilot)
        width = app.screen.query_one(DetailPane).text_width
        facts = detail_part(app).splitlines()
        upstream = f"origin/{pushed_as}"
        assert len(upstream) + LABEL_WIDTH > width >= len(upstream), width  # must wrap, fits alone
        assert any(line.strip() == upstream for line in facts), facts  # whole, on a line of its own
        assert any(line.strip() == long_name for line in facts), facts
        branch = next(i for i, line in enumerate(facts) if line.startswith("Branch"))
        for line in facts[branch:]:  # every wrapped line indented under the labels, none cut at the edge
            assert line[:1] == " " or line.split()[0] in ("Branch", "Runs"), facts
            assert len(line) <= width


def test_hanging_lines_wrap_at_spaces_and_fold_only_what_is_wider_than_the_pane() -> None:
    value = "local + pushed · origin/a-name-of-twenty ↑0 ↓0 · last commit"
    pieces = [(indent, value[start:stop]) for indent, start, stop in hanging_lines(value, 30, 9)]
    assert pieces == [
        (9, "local + pushed ·"),
        (7, "origin/a-name-of-twenty"),  # 23 cells: wider than the 21-cell column; moved left, whole
        (9, "↑0 ↓0 · last commit"),
    ]
    name = "origin/" + "x" * 30  # wider than the 30-cell pane: folded, at the value column
    assert [(i, name[a:b]) for i, a, b in hanging_lines(name, 30, 9)] == [
        (9, name[:21]),
        (9, name[21:]),
    ]
    assert hanging_lines("", 30, 9) == []


async def test_an_error_too_long_for_the_status_bar_is_cut_at_a_word_and_points_to_messages(demo: Path) -> None:
    from dslp_tui.sources.git import GitError

    long = (
        "could not push the branch to origin: the remote refused it (pre-receive hook declined: branch names "
        "must match the team's policy); push it by hand after renaming it, or set [branches] push = false"
    )
    app = build_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)

        def bar() -> list[str]:
            """The status bar's two lines, as the terminal gets them."""
            strips = app.screen._compositor.render_strips()[:2]
            return ["".join(segment.text for segment in strip).strip() for strip in strips]

        app.report_failure("branch", GitError("the tracker is read-only; nothing was written"))
        await pilot.pause(0.2)
        # r reloads the board; it does not redo a failed write, so the bar does not offer it.
        assert "branch: the tracker is read-only; nothing was written (! shows messages)" in " ".join(bar())
        assert "r retries" not in " ".join(bar())
        app.report_failure("branch", GitError(long))
        await pilot.pause(0.2)
        text = " ".join(bar())
        assert "branch: could not push the branch to origin: the remote refused" in text, bar()
        cut = text.split("branch: ", 1)[1].split("…", 1)[0]
        assert long.startswith(cut) and long[len(cut)] == " ", bar()  # cut between two words
        assert "… (! shows messages)" in text, bar()
        app.report_failure("refresh", GitError("the tracker database is locked"), "tracker")
        await pilot.pause(0.2)
        assert "refresh: the tracker database is locked (r retries, ! shows messages)" in " ".join(bar())
        await pilot.press("exclamation_mark")
        await settle(pilot)
        assert "push = false" in " ".join(shown(app.screen.query_one("#messages").query_one(Static)).split())


async def test_the_cursor_goes_to_a_filed_ask(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a", *"Cut support tickets", "ctrl+s")
        await settle(pilot)
        assert tree(app).cursor_node.data.key == "ask-13"
