"""The board: grouping by Ask, filters, and how each row reads (Textual-free)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dslp_tui.board import (
    ASCII,
    BRANCH_WIDTH,
    UNICODE,
    Filter,
    Row,
    ask_of,
    ask_segments,
    branch_summary,
    build_board,
    detail_lines,
    row_segments,
    state_segment,
    status_of,
)
from dslp_tui.config import Config
from dslp_tui.model import Branch, Issue, PullRequest, RepoState, Run, Snapshot
from dslp_tui.present import Columns
from dslp_tui.process import Kind
from dslp_tui.text import cell_len

CONFIG = Config()


def issue(number: int, kind: Kind | None, title: str = "", **kwargs) -> Issue:
    labels = kwargs.pop("labels", (kind.value,) if kind else ())
    return Issue(number=number, title=title or f"issue {number}", kind=kind, labels=labels, **kwargs)


def branch(name: str, issue_number: int, **kwargs) -> Branch:
    kind_key = name.split("/")[0] if "/" in name else None
    return Branch(name=name, issue=issue_number, kind_key=kind_key, **kwargs)


def numbers(rows) -> list[int]:
    return [r.number for r in rows]


@pytest.fixture
def snapshot() -> Snapshot:
    issues = (
        issue(1, Kind.ASK, "Reduce customer churn"),
        issue(2, Kind.DATA, "Get CRM Dataset", parent=1, state="closed"),
        issue(3, Kind.EXPERIMENT, "Gradient boosting", parent=1, labels=("Experiment", "succeeded")),
        issue(4, Kind.ASK, "Forecast weekly demand"),
        # linked only by the line people type in the body
        issue(5, Kind.EXPLORE, "Seasonality", body="## Overview\n\n**Ask Reference:** [#4](https://x/o/r/issues/4)"),
        issue(6, Kind.EXPERIMENT, "Logistic regression", parent=1, state="closed", labels=("Experiment", "failed")),
        issue(7, Kind.DATA, "Get store locations Dataset"),  # no Ask at all
        issue(8, Kind.MODEL, "Implement churn model", body="Ask Reference: #1\nBased on Experiment: #3"),
        issue(9, Kind.EXPERIMENT, "Points at an experiment", parent=3),  # a parent that is not an Ask
        issue(10, Kind.EXPLORE, "Points nowhere", body="Ask Reference: #99"),
        issue(11, None, "Untyped work", parent=1, labels=("bug",)),
        issue(12, Kind.ASK, "Closed ask", state="closed"),
        issue(13, Kind.EXPLORE, "Child of the closed ask", parent=12),
        issue(14, Kind.DATA, "Create churn features Dataset", parent=1),
    )
    branches = (
        branch("data/2-get-crm-dataset", 2, local=True, remote=True, merged=True, behind_base=2),
        branch("experiment/3-gradient-boosting", 3, local=True, remote=True, ahead_base=2, behind_base=1),
        branch("experiment/6-logistic-regression", 6, remote=True, ahead_base=1, behind_base=1),
        branch("data/14-create-churn-features-dataset", 14, local=True, ahead_base=2, current=True),
    )
    repo = RepoState(current_branch="data/14-create-churn-features-dataset", base="main", dirty=False, remote="origin")
    return Snapshot(issues=issues, branches=branches, repo=repo)


# --- grouping ---------------------------------------------------------------------------------


def test_groups_are_asks_in_order_then_the_unlinked(snapshot):
    board = build_board(snapshot, CONFIG)
    assert [g.key for g in board.groups] == ["ask-1", "ask-4", "ask-12", "unlinked"]
    assert board.repo == snapshot.repo
    assert board.total == len(snapshot.issues)


def test_children_follow_the_parent_link_by_kind_in_process_order(snapshot):
    board = build_board(snapshot, CONFIG)
    churn = board.groups[0]
    assert churn.ask is not None and churn.ask.number == 1
    assert list(churn.children) == [Kind.DATA, Kind.EXPERIMENT, Kind.MODEL, None]
    assert numbers(churn.children[Kind.DATA]) == [2, 14]
    assert numbers(churn.children[Kind.EXPERIMENT]) == [3, 6]
    assert numbers(churn.children[Kind.MODEL]) == [8]  # linked by its Ask Reference line
    assert numbers(churn.children[None]) == [11]
    assert churn.open_children() == 4  # 3, 8, 11, 14


def test_a_child_is_linked_by_its_ask_reference_line(snapshot):
    demand = build_board(snapshot, CONFIG).groups[1]
    assert demand.ask is not None and demand.ask.number == 4
    assert {k: numbers(v) for k, v in demand.children.items()} == {Kind.EXPLORE: [5]}


def test_the_tracker_link_wins_over_the_body_line():
    asks = {1, 4}
    assert ask_of(issue(5, Kind.EXPLORE, parent=1, body="Ask Reference: #4"), asks) == 1
    assert ask_of(issue(5, Kind.EXPLORE, parent=3, body="Ask Reference: #4"), asks) == 4  # 3 is no Ask
    assert ask_of(issue(5, Kind.EXPLORE, body="Ask Reference: #7"), asks) is None
    assert ask_of(issue(5, Kind.EXPLORE), asks) is None


def test_unlinked_issues_have_their_own_group(snapshot):
    loose = build_board(snapshot, CONFIG).groups[-1]
    assert loose.ask is None
    assert loose.key == "unlinked"
    assert {k: numbers(v) for k, v in loose.children.items()} == {
        Kind.DATA: [7],
        Kind.EXPLORE: [10],
        Kind.EXPERIMENT: [9],
    }


def test_rows_carry_status_branches_pulls_and_runs(snapshot):
    pull = PullRequest(number=31, head="experiment/3-gradient-boosting", base="main", state="open")
    # Runs join by the issue they were linked to (runlink.py), so a deleted branch's runs still count.
    run = Run(id="r1", name="gbm", branch="experiment/3-gradient-boosting", status="FINISHED", issue=3)
    gone = Run(id="r3", name="old", branch="experiment/3-deleted-since", status="FINISHED", issue=3)
    other_run = Run(id="r2", name="x", branch="elsewhere", status="FINISHED")
    board = build_board(replace(snapshot, pulls=(pull,), runs=(run, other_run, gone)), CONFIG)
    row = board.row(3)
    assert row is not None
    assert row.status == "succeeded"
    assert [b.name for b in row.branches] == ["experiment/3-gradient-boosting"]
    assert row.pulls == (pull,)
    assert row.runs == (run, gone)
    assert board.row(6).status == "failed"
    assert board.row(7).branches == () and board.row(7).status is None


def test_board_lookup_helpers(snapshot):
    board = build_board(snapshot, CONFIG)
    assert board.row(1).issue.title == "Reduce customer churn"
    assert board.row(10).issue.title == "Points nowhere"
    assert board.row(404) is None
    assert numbers(board.children_of(1)) == [2, 14, 3, 6, 8, 11]
    assert board.children_of(2) == []
    assert board.count() == len(snapshot.issues)


def test_show_closed_false_hides_closed_issues_and_closed_asks(snapshot):
    closed = replace(snapshot, issues=tuple(i for i in snapshot.issues if i.number != 13))
    board = build_board(closed, CONFIG, show_closed=False)
    assert [g.key for g in board.groups] == ["ask-1", "ask-4", "unlinked"]
    assert numbers(board.children_of(1)) == [14, 3, 8, 11]
    assert board.row(2) is None and board.row(6) is None and board.row(12) is None


def test_hiding_closed_issues_keeps_the_open_work_of_a_closed_ask(snapshot):
    """#13 is open under the closed Ask #12: h hides closed issues, never open ones."""
    board = build_board(snapshot, CONFIG, show_closed=False)
    assert [g.key for g in board.groups] == ["ask-1", "ask-4", "ask-12", "unlinked"]
    assert numbers(board.children_of(12)) == [13]
    assert board.total == len(snapshot.issues)


def test_an_empty_snapshot_is_an_empty_board():
    board = build_board(Snapshot(issues=()), CONFIG)
    assert board.groups == ()
    assert board.count() == 0


def test_status_uses_the_teams_label_names():
    config = Config(labels={**CONFIG.labels, "on_hold": "paused", "failed": "did not work"})
    assert status_of(issue(1, Kind.EXPERIMENT, labels=("Experiment", "Paused")), config) == "on_hold"
    assert status_of(issue(1, Kind.EXPERIMENT, labels=("did not work",)), config) == "failed"
    assert status_of(issue(1, Kind.EXPERIMENT, labels=("failed",)), config) is None  # not the team's name
    assert status_of(issue(1, Kind.EXPERIMENT, labels=("blocked - need access",)), CONFIG) == "blocked"


def test_row_branch_prefers_current_then_local():
    remote = branch("experiment/3-a", 3, remote=True)
    local = branch("experiment/3-b", 3, local=True)
    current = branch("experiment/3-c", 3, local=True, current=True)
    assert Row(issue(3, Kind.EXPERIMENT), branches=(remote, local, current)).branch == current
    assert Row(issue(3, Kind.EXPERIMENT), branches=(remote, local)).branch == local
    assert Row(issue(3, Kind.EXPERIMENT), branches=(remote,)).branch == remote
    assert Row(issue(3, Kind.EXPERIMENT)).branch is None


# --- filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", Filter()),
        ("churn", Filter(text=("churn",))),
        ("Churn  Model", Filter(text=("churn", "model"))),
        (
            "kind:experiment label:failed state:open churn",
            Filter(text=("churn",), kinds=("experiment",), labels=("failed",), state="open"),
        ),
        ("is:Exp type:data", Filter(kinds=("exp", "data"))),
        ('label:"on hold"', Filter(labels=("on hold",))),
        ("STATE:Closed", Filter(state="closed")),
        ("kind:", Filter(text=("kind:",))),
        ("http://x", Filter(text=("http://x",))),
        ("#12", Filter(text=("#12",))),
    ],
)
def test_filter_parse(query, expected):
    assert Filter.parse(query) == expected


def test_filter_parse_survives_an_unbalanced_quote():
    parsed = Filter.parse('label:"on hold')
    assert parsed.labels == ('"on',)
    assert parsed.text == ("hold",)


def test_filter_truthiness():
    assert not Filter.parse("   ")
    assert Filter.parse("x")
    assert Filter.parse("state:open")


def row_of(number: int, kind: Kind | None, title: str = "", branches=(), **kwargs) -> Row:
    return Row(issue(number, kind, title, **kwargs), branches=tuple(branches))


@pytest.mark.parametrize(
    ("query", "matches"),
    [
        ("boosting", True),
        ("BOOSTING", True),
        ("gradient boosting", True),  # every word, anywhere
        ("boosting forest", False),
        ("#3", True),
        ("#4", False),
        ("succeeded", True),  # labels are searched as text too
        ("experiment/3-gbm", True),  # and branch names
        ("kind:experiment", True),
        ("kind:exp", True),  # a prefix of the kind
        ("kind:data", False),
        ("kind:data kind:experiment", True),  # any of the kinds
        ("label:succ", True),
        ("label:succeeded label:deploy", False),  # all of the labels
        ("label:failed", False),
        ("state:open", True),
        ("state:closed", False),
        ("state:open kind:experiment label:succeeded gradient", True),
        ("state:open kind:experiment label:succeeded nothing", False),
    ],
)
def test_filter_matches(query, matches):
    row = row_of(
        3,
        Kind.EXPERIMENT,
        "Gradient Boosting",
        branches=[branch("experiment/3-gbm", 3, local=True)],
        labels=("Experiment", "succeeded"),
    )
    assert Filter.parse(query).matches(row) is matches


def test_filter_kind_other_is_work_without_a_type():
    assert Filter.parse("kind:other").matches(row_of(1, None, "x"))
    assert not Filter.parse("kind:other").matches(row_of(1, Kind.ASK, "x"))


def test_a_filtered_board_keeps_matching_children_and_their_ask(snapshot):
    board = build_board(snapshot, CONFIG, Filter.parse("kind:experiment"))
    assert [g.key for g in board.groups] == ["ask-1", "unlinked"]
    assert numbers(board.children_of(1)) == [3, 6]
    assert {k: numbers(v) for k, v in board.groups[-1].children.items()} == {Kind.EXPERIMENT: [9]}


def test_a_filter_matching_only_an_ask_keeps_that_ask(snapshot):
    board = build_board(snapshot, CONFIG, Filter.parse("weekly demand"))
    assert [g.key for g in board.groups] == ["ask-4"]
    assert board.children_of(4) == []


def test_a_filter_matching_nothing_is_an_empty_board(snapshot):
    board = build_board(snapshot, CONFIG, Filter.parse("zebra"))
    assert board.groups == ()
    assert board.total == len(snapshot.issues)


def test_filter_and_show_closed_combine(snapshot):
    board = build_board(snapshot, CONFIG, Filter.parse("label:failed"), show_closed=False)
    assert board.groups == ()
    board = build_board(snapshot, CONFIG, Filter.parse("label:failed"), show_closed=True)
    assert numbers(board.children_of(1)) == [6]


# --- how rows read ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("branch_kwargs", "state", "unicode", "ascii_"),
    [
        (None, "open", "", ""),
        ({"local": True, "ahead_base": 5, "behind_base": 1}, "open", "⎇ ↑5↓1 local", "br +5-1 local"),
        ({"local": True, "remote": True, "ahead_base": 2}, "open", "⎇ ↑2", "br +2"),
        ({"remote": True, "behind_base": 3}, "open", "⎇ ↓3 remote", "br -3 remote"),
        ({"local": True, "remote": True, "merged": True}, "open", "⎇ even", "br even"),
        ({"local": True, "remote": True, "merged": True, "empty": True}, "open", "⎇ empty", "br empty"),
        ({"local": True, "merged": True, "empty": True, "behind_base": 4}, "closed", "⎇ empty local", "br empty local"),
        ({"local": True, "remote": True, "merged": True, "behind_base": 4}, "open", "⎇ merged", "br merged"),
        ({"local": True, "remote": True, "merged": True}, "closed", "⎇ merged", "br merged"),
        ({"local": True, "remote": True, "ahead_base": 1, "behind_base": 1}, "closed", "⎇ kept", "br kept"),
        ({"local": True, "ahead_base": 1, "upstream_gone": True}, "open", "⎇ ↑1 local gone", "br +1 local gone"),
    ],
)
def test_branch_summary(branch_kwargs, state, unicode, ascii_):
    branches = [branch("experiment/3-x", 3, **branch_kwargs)] if branch_kwargs is not None else []
    row = row_of(3, Kind.EXPERIMENT, "x", branches=branches, state=state)
    assert branch_summary(row, UNICODE) == unicode
    assert branch_summary(row, ASCII) == ascii_


@pytest.mark.parametrize(
    ("labels", "state", "branches", "text", "style"),
    [
        ((), "open", [], "○ open", "state.open"),
        ((), "open", [branch("experiment/3-x", 3, local=True)], "● open", "state.started"),
        ((), "closed", [], "✓ closed", "state.closed"),
        (("succeeded",), "open", [], "★ succeeded", "status.succeeded"),
        (("succeeded",), "closed", [], "✓★ succeeded", "status.succeeded"),
        (("failed",), "closed", [], "✓✗ failed", "status.failed"),
        (("on hold",), "open", [], "‖ on hold", "status.on_hold"),
        (("blocked - need access",), "open", [], "⊘ blocked", "status.blocked"),
    ],
)
def test_state_segment(labels, state, branches, text, style):
    board = build_board(
        Snapshot(issues=(issue(3, Kind.EXPERIMENT, labels=labels, state=state),), branches=tuple(branches)), CONFIG
    )
    assert state_segment(board.row(3), UNICODE) == (text, style)


def test_state_segment_ascii():
    row = Row(issue(3, Kind.EXPERIMENT), status="failed")
    assert state_segment(row, ASCII) == ("x failed", "status.failed")
    assert state_segment(Row(issue(3, Kind.EXPERIMENT)), ASCII) == ("o open", "state.open")


def test_row_segments_line_up_in_columns():
    width = 74
    rows = [
        row_of(3, Kind.EXPERIMENT, "Gradient boosting"),
        row_of(
            12345,
            Kind.EXPERIMENT,
            "A very long title that certainly does not fit into the title column at all, not even close",
            branches=[branch("experiment/12345-x", 12345, local=True, ahead_base=3)],
        ),
        row_of(7, Kind.DATA, "日本語のデータセットのタイトルはとても長いのでカットされます"),
    ]
    starts = set()
    for row in rows:
        segments = row_segments(row, UNICODE, width)
        texts = [text for text, _ in segments]
        assert [style for _, style in segments] == ["number", "title", state_segment(row, UNICODE)[1], "branch"]
        assert texts[0] == f"#{row.number} "
        assert cell_len("".join(texts[:3])) == width - BRANCH_WIDTH  # title + state fill their columns
        assert cell_len(texts[2]) == 2 + Columns().state
        starts.add(cell_len(texts[0] + texts[1]))
        assert cell_len("".join(texts)) <= width
    assert len(starts) == 1  # the state column starts at the same cell on every row
    long_title = row_segments(rows[1], UNICODE, width)[1][0]
    assert long_title.rstrip().endswith("…")
    assert row_segments(rows[1], UNICODE, width)[3][0] == "⎇ ↑3 local"


def test_row_segments_strip_escapes_and_newlines_from_titles():
    row = row_of(3, Kind.EXPERIMENT, "\x1b[31mred\x1b[0m\nsecond line \x1b]8;;https://evil/\x07link\x1b]8;;\x07")
    title = row_segments(row, UNICODE, 80)[1][0]
    assert title.rstrip() == "red second line link"
    assert "\x1b" not in "".join(text for text, _ in row_segments(row, UNICODE, 80))


def test_row_segments_closed_title_style_and_narrow_width():
    row = row_of(3, Kind.EXPERIMENT, "Gradient boosting", state="closed")
    segments = row_segments(row, UNICODE, 10)
    assert segments[1][1] == "title.closed"
    assert cell_len(segments[1][0]) == 8  # the title keeps a minimum width


def test_ask_segments(snapshot):
    board = build_board(snapshot, CONFIG)
    segments = ask_segments(board.groups[0], UNICODE, 78)
    texts = [text for text, _ in segments]
    assert texts[0] == "#1 "
    assert texts[1] == "Ask "
    assert texts[2].rstrip() == "Reduce customer churn"
    assert texts[3].strip() == "○ open"
    assert texts[4] == "4 open"
    assert cell_len("".join(texts)) == 78


# --- an Ask that misses a child, a tracker that looks reset -----------------------------------


def test_an_ask_flags_linked_children_its_body_does_not_list():
    body = "## Approaches and Experiments\n\n- #3 Gradient boosting\n\nSee also #40 and PR &#5;"
    snap = Snapshot(
        issues=(
            issue(1, Kind.ASK, "Reduce churn", body=body),
            issue(2, Kind.DATA, "Get CRM Dataset", parent=1),  # linked, not listed
            issue(3, Kind.EXPERIMENT, "Gradient boosting", parent=1),  # listed
            issue(4, Kind.EXPLORE, "Tenure", body="Ask Reference: #1"),  # linked by reference, not listed
            issue(5, Kind.EXPERIMENT, "Listed nowhere, filtered out", parent=1, state="closed"),
            issue(6, Kind.MODEL, "Models are not listed in an Ask", parent=1),
            issue(7, Kind.ASK, "Everything listed", body="- #8 x"),
            issue(8, Kind.EXPERIMENT, "x", parent=7),
        )
    )
    board = build_board(snap, CONFIG, Filter.parse("boosting"), show_closed=False)
    assert board.group_of(1).missing_in_body == (2, 4, 5)
    assert build_board(snap, CONFIG).group_of(7).missing_in_body == ()
    lines = detail_lines(board.group_of(1).ask, board, UNICODE)
    flagged = [line for line in lines if line[0][0].startswith("Unlisted")]
    assert flagged == [
        [("Unlisted ", "warning"), ("#2, #4, #5 linked here but not listed in this Ask's body", "warning")]
    ]
    assert not any(line[0][0].startswith("Unlisted") for line in detail_lines(board.row(3), board, UNICODE))


def test_an_empty_local_tracker_with_numbered_branches_is_flagged_as_reset():
    branches = (branch("experiment/12-gbm", 12, local=True), branch("3-fix", 3, local=True))
    board = build_board(Snapshot(issues=(), branches=branches), CONFIG)
    assert board.warnings == (
        "the tracker has no issues, but branches carry issue numbers up to #12: it looks reset "
        "(an emptied .git/dslp/tracker.db?); new issues are numbered from #13",
    )
    assert build_board(Snapshot(issues=(), branches=()), CONFIG).warnings == ()
    assert build_board(Snapshot(issues=(issue(1, Kind.ASK),), branches=branches), CONFIG).warnings == ()
    github = Config(tracker="github")
    assert build_board(Snapshot(issues=(), branches=branches), github).warnings == ()
