"""How the board reads (present.py): glyphs, closed marks, branch words, comments."""

from __future__ import annotations

import subprocess
import sys

import pytest

import dslp_tui.board as board_module
import dslp_tui.present as present
from dslp_tui.board import Row, build_board
from dslp_tui.config import Config
from dslp_tui.model import Branch, Comment, Issue, RepoState, Snapshot
from dslp_tui.process import Kind
from dslp_tui.text import cell_len


def test_presentation_names_still_import_from_board() -> None:
    """Branches in flight import glyphs and segments from board.py: the same objects come back."""
    for name in board_module._MOVED_TO_PRESENT:
        assert getattr(board_module, name) is getattr(present, name)


def test_present_imports_first_in_a_fresh_interpreter() -> None:
    """present.py imports board.py, which re-exports lazily: no import cycle either way round."""
    code = "import dslp_tui.present\nfrom dslp_tui.board import row_segments, Board\nprint(row_segments.__module__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "dslp_tui.present"


# --- closed, empty, and the legend (#7.5) ------------------------------------------------------


def closed_row(status: str, **branch) -> Row:
    label = {"on_hold": "on hold", "blocked": "blocked - need access"}.get(status, status)
    issue = Issue(7, "Logistic regression", Kind.EXPERIMENT, state="closed", labels=("Experiment", label))
    branches = (Branch("experiment/7-logit", 7, "experiment", local=True, **branch),) if branch else ()
    board = build_board(Snapshot(issues=(issue,), branches=branches), Config())
    row = board.row(7)
    assert row is not None and row.status == status
    return row


@pytest.mark.parametrize("status", ["succeeded", "failed", "on_hold", "blocked"])
@pytest.mark.parametrize("glyphs", [present.UNICODE, present.ASCII])
def test_a_closed_issue_with_a_status_shows_it_is_closed_and_fits_the_column(status, glyphs) -> None:
    text, style = present.state_segment(closed_row(status), glyphs)
    assert text.startswith(glyphs.closed + getattr(glyphs, status))
    assert style == f"status.{status}"
    assert cell_len(text) <= present.STATE_WIDTH
    row = closed_row(status, remote=True)
    for columns in (present.Columns(), present.widest([present.row_columns(row, glyphs)])):
        segments = present.row_segments(row, glyphs, 74, columns=columns)
        assert cell_len(segments[2][0]) == 2 + columns.state  # the columns still line up
        assert segments[2][0].endswith(" "), segments  # never glued to the branch: "succeeded⎇"


def test_the_detail_pane_spells_out_closed_and_the_status() -> None:
    row = closed_row("failed")
    board = build_board(Snapshot(issues=(row.issue,)), Config())
    state_line = "".join(text for text, _ in present.detail_lines(row, board, present.UNICODE)[1])
    assert state_line.startswith("✓ closed · ✗ failed · created")


def test_an_empty_branch_on_a_closed_issue_reads_empty_not_merged() -> None:
    row = closed_row("failed", merged=True, empty=True, behind_base=3)
    assert present.branch_summary(row, present.UNICODE) == "⎇ empty local"
    board = build_board(
        Snapshot(issues=(row.issue,), branches=row.branches, repo=RepoState("main", "main", False, None)), Config()
    )
    facts = present.branch_facts(row.branch, board, present.UNICODE)
    assert "empty: no commits of its own (main ↓3)" in facts and "merged" not in facts
    merged = closed_row("failed", merged=True, behind_base=3)
    assert present.branch_summary(merged, present.UNICODE) == "⎇ merged local"


@pytest.mark.parametrize("glyphs", [present.UNICODE, present.ASCII])
def test_branch_words_never_reuse_a_status_glyph(glyphs) -> None:
    """In ASCII `=` is on hold: the branch column must not say `=` for "level with the base"."""
    statuses = {glyphs.succeeded, glyphs.failed, glyphs.on_hold, glyphs.blocked}
    issue = Issue(3, "x", Kind.EXPERIMENT)
    for kwargs in ({"merged": True}, {"merged": True, "empty": True}, {"ahead_base": 1}):
        row = Row(issue, branches=(Branch("experiment/3-x", 3, "experiment", local=True, remote=True, **kwargs),))
        words = present.branch_summary(row, glyphs).split()[1:]
        assert not statuses & set(words), words


def test_the_legend_explains_every_branch_word_and_the_closed_mark() -> None:
    words = {word for word, _ in present.BRANCH_WORDS}
    assert {"empty", "even", "merged", "kept", "local", "remote", "gone"} <= words
    names = {name for name, _ in present.LEGEND}
    assert "closed_status" in names
    for name in names:
        assert getattr(present.UNICODE, name) and getattr(present.ASCII, name)


def test_comment_lines_are_oldest_first_with_author_and_time() -> None:
    comments = [
        Comment(2, 5, "second\n\x1b[31mred\x1b[0m", 2000.0, "ann"),
        Comment(1, 5, "TL;DR: first", 1000.0, ""),
    ]
    lines = present.comment_lines(comments)
    assert [body for _, body in lines] == ["TL;DR: first", "second\nred"]
    assert lines[0][0][0] == ("(unknown author)", "dim")
    assert lines[1][0][0] == ("ann", "heading")
    assert lines[1][0][1][0] == " · 1970-01-01 00:33"


@pytest.mark.parametrize(
    ("upstream", "shown"),
    [
        ("origin/experiment/5-a-long-name", "origin"),  # its own name: the name is right above it
        ("origin/experiment/5-other", "origin/experiment/5-other"),  # another name: shown whole
        ("fork/5-a", "fork/5-a"),
    ],
)
def test_an_upstream_of_the_branchs_own_name_is_shown_as_its_remote(upstream: str, shown: str) -> None:
    branch = Branch(name="experiment/5-a-long-name", issue=5, kind_key="experiment", local=True, upstream=upstream)
    assert present.upstream_name(branch) == shown


@pytest.mark.parametrize("width", [20, 36, 60, 90, 140])
@pytest.mark.parametrize("pulls", [False, True])
@pytest.mark.parametrize("runs", [None, {}])
def test_row_width_bounds_the_drawn_row_without_drawing_it(width, pulls, runs) -> None:
    """The board measures lines it has not drawn by ``row_width``: never less than drawing gives
    (a label wider than measured would be cut), and ``width`` itself when the title has room."""
    columns = present.Columns(9, 24, 12)
    for title in ("x", "A title long enough to be cut at every width the board has " * 2):
        row = Row(
            Issue(1234, title, Kind.EXPERIMENT),
            branches=(Branch("experiment/1234-x", 1234, "experiment", local=True, remote=True, ahead_base=2),),
        )
        segments = present.row_segments(row, present.UNICODE, width, pulls, runs, columns)
        drawn = sum(cell_len(text) for text, _ in segments)
        measured = present.row_width(row, width, pulls, runs, columns)
        assert drawn <= measured
        title_room = width - len("#1234 ") - 2 - 9 - 24 - (12 if pulls else 0)
        if title_room >= 8:
            assert measured == width
        else:  # the title keeps 8 cells and the row runs past width: by exactly that much
            assert measured == width + 8 - title_room
