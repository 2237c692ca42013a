"""The embedded SQLite tracker: issues, labels, comments, schema versions, WAL, real concurrency."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dslp_tui.model import IssueDraft
from dslp_tui.process import Kind
from dslp_tui.sources import local
from dslp_tui.sources.local import DB_NAME, SCHEMA_VERSION, LocalTracker
from dslp_tui.tracker import TrackerError


class Clock:
    """1000.0, 1001.0, 1002.0, ...: every call is one second later."""

    def __init__(self) -> None:
        self.now = 999.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tracker(tmp_path: Path, clock: Clock) -> LocalTracker:
    return LocalTracker(tmp_path / "dslp" / DB_NAME, clock)


def ask(tracker: LocalTracker, title: str = "Reduce churn", body: str = "## Problem Statement\n") -> int:
    return tracker.create_issue(IssueDraft(template="ask", title=title), labels=("Ask",), body=body).number


def child(tracker: LocalTracker, template: str, title: str, parent: int | None, label: str = "Experiment") -> int:
    draft = IssueDraft(template=template, title=title, parent=parent)
    return tracker.create_issue(draft, labels=(label,), body=f"Ask Reference: #{parent}").number


# --- creating and reading ---------------------------------------------------------------------


def test_create_returns_the_stored_issue(tracker, clock):
    issue = tracker.create_issue(
        IssueDraft(template="ask", title="Reduce churn"), labels=("Ask", "on hold"), body="## Problem Statement\n\nx"
    )
    assert issue.number == 1
    assert issue.title == "Reduce churn"
    assert issue.kind is Kind.ASK
    assert issue.state == "open"
    assert issue.body == "## Problem Statement\n\nx"
    assert issue.labels == ("Ask", "on hold")
    assert issue.parent is None
    assert issue.created_at == issue.updated_at == 1000.0
    assert issue.closed_at is None
    assert tracker.get_issue(1) == issue


def test_numbers_are_consecutive_and_kinds_follow_the_template(tracker):
    number = ask(tracker)
    kinds = {
        "data": Kind.DATA,
        "data-creation": Kind.DATA,
        "explore": Kind.EXPLORE,
        "experiment": Kind.EXPERIMENT,
        "model": Kind.MODEL,
    }
    made = [child(tracker, template_id, f"t{template_id}", number) for template_id in kinds]
    assert made == [2, 3, 4, 5, 6]
    assert [tracker.get_issue(n).kind for n in made] == list(kinds.values())


def test_list_issues_is_ordered_with_each_issues_own_labels(tracker):
    first = ask(tracker, "A")
    second = child(tracker, "experiment", "E", first)
    tracker.set_labels(second, add=("failed",))
    third = ask(tracker, "B")
    issues = tracker.list_issues()
    assert [i.number for i in issues] == [first, second, third]
    assert [i.labels for i in issues] == [("Ask",), ("Experiment", "failed"), ("Ask",)]
    assert [i.title for i in issues] == ["A", "E", "B"]


def test_list_issues_of_an_empty_tracker(tracker):
    assert tracker.list_issues() == []
    assert tracker.pull_requests() == []


def test_text_is_stored_exactly(tracker):
    title = "Robert'); DROP TABLE issues;-- 日本語 😀"
    body = "line 1\n\n\tindented\r\nwindows\x00nul? no: \u202e rtl " + "x" * 100_000
    number = tracker.create_issue(IssueDraft(template="ask", title=title), labels=("Ask",), body=body).number
    again = LocalTracker(tracker.path).get_issue(number)
    assert again.title == title
    assert again.body == body


def test_data_survives_a_new_tracker_on_the_same_file(tracker):
    number = ask(tracker)
    tracker.comment(number, "hello")
    reopened = LocalTracker(tracker.path)
    assert reopened.get_issue(number).title == "Reduce churn"
    assert [c.body for c in reopened.comments(number)] == ["hello"]


def test_for_git_dir_lives_under_the_common_dir(tmp_path):
    tracker = LocalTracker.for_git_dir(tmp_path / ".git")
    assert tracker.path == tmp_path / ".git" / "dslp" / DB_NAME
    assert tracker.path.is_file()
    assert tracker.name == "local"


def test_missing_issue_is_an_error_everywhere(tracker):
    ask(tracker)
    for call in (
        lambda: tracker.get_issue(99),
        lambda: tracker.update_issue(99, title="x"),
        lambda: tracker.set_labels(99, add=("failed",)),
        lambda: tracker.comment(99, "x"),
    ):
        with pytest.raises(TrackerError, match=r"issue #99 does not exist"):
            call()
    assert [i.number for i in tracker.list_issues()] == [1]


# --- parents ----------------------------------------------------------------------------------


def test_children_record_their_parent(tracker):
    first = ask(tracker)
    data = child(tracker, "data", "Get CRM Dataset", first, "Data")
    assert tracker.get_issue(data).parent == first
    assert [i.parent for i in tracker.list_issues()] == [None, first]


def test_a_child_of_a_missing_issue_is_refused_and_nothing_is_created(tracker):
    with pytest.raises(TrackerError, match=r"#7 does not exist"):
        child(tracker, "experiment", "orphan", 7)
    assert tracker.list_issues() == []
    assert ask(tracker) == 1  # the failed create used no number


def test_update_can_move_a_child_to_another_ask(tracker):
    first, second = ask(tracker, "A"), ask(tracker, "B")
    number = child(tracker, "explore", "x", first, "Explore")
    moved = tracker.update_issue(number, parent=second)
    assert moved.parent == second
    assert tracker.update_issue(number, title="y").parent == second  # None means "leave it"


def test_a_failed_write_is_rolled_back(tracker):
    # A label that cannot be stored fails after the issue row was inserted: the row must go too.
    with pytest.raises(TrackerError, match="could not save"):
        tracker.create_issue(IssueDraft(template="ask", title="A"), labels=("Ask", object()), body="")  # type: ignore[arg-type]
    assert tracker.list_issues() == []


# --- updating, closing, reopening -------------------------------------------------------------


def test_update_title_and_body(tracker):
    number = ask(tracker)
    updated = tracker.update_issue(number, title="Reduce churn by 10%", body="new body")
    assert (updated.title, updated.body, updated.state) == ("Reduce churn by 10%", "new body", "open")
    assert updated.updated_at > updated.created_at
    only_body = tracker.update_issue(number, body="")
    assert (only_body.title, only_body.body) == ("Reduce churn by 10%", "")


def test_close_and_reopen(tracker):
    number = ask(tracker)
    closed = tracker.update_issue(number, state="closed")
    assert closed.state == "closed"
    assert closed.closed_at == closed.updated_at
    first_closed_at = closed.closed_at
    again = tracker.update_issue(number, state="closed")
    assert again.closed_at == first_closed_at  # closing a closed issue keeps when it was closed
    assert again.updated_at > first_closed_at
    edited = tracker.update_issue(number, title="still closed")
    assert (edited.state, edited.closed_at) == ("closed", first_closed_at)
    reopened = tracker.update_issue(number, state="open")
    assert reopened.state == "open"
    assert reopened.closed_at is None
    assert tracker.get_issue(number) == reopened


@pytest.mark.parametrize("state", ["done", "CLOSED", ""])
def test_invalid_state_is_refused(tracker, state):
    number = ask(tracker)
    with pytest.raises(TrackerError, match="state must be open or closed"):
        tracker.update_issue(number, state=state)
    assert tracker.get_issue(number).state == "open"


# --- labels and comments ----------------------------------------------------------------------


def test_set_labels_adds_removes_and_never_duplicates(tracker, clock):
    number = ask(tracker)
    before = tracker.get_issue(number).updated_at
    issue = tracker.set_labels(number, add=("succeeded", "Deploy"))
    assert issue.labels == ("Ask", "succeeded", "Deploy")
    assert issue.updated_at > before
    issue = tracker.set_labels(number, add=("succeeded",))
    assert issue.labels == ("Ask", "succeeded", "Deploy")
    issue = tracker.set_labels(number, add=("failed",), remove=("succeeded",))
    assert issue.labels == ("Ask", "Deploy", "failed")
    issue = tracker.set_labels(number, remove=("not there",))
    assert issue.labels == ("Ask", "Deploy", "failed")
    assert tracker.list_issues()[0].labels == ("Ask", "Deploy", "failed")


def test_label_names_are_case_sensitive_and_kept_as_written(tracker):
    number = ask(tracker)
    assert tracker.set_labels(number, add=("On Hold", "on hold")).labels == ("Ask", "On Hold", "on hold")


def test_comments_are_kept_in_order(tracker):
    number, other = ask(tracker, "A"), ask(tracker, "B")
    first = tracker.comment(number, "TL;DR: it failed")
    second = tracker.comment(number, "second thoughts")
    tracker.comment(other, "elsewhere")
    assert first.issue == number and first.body == "TL;DR: it failed"
    assert second.id > first.id
    assert second.created_at > first.created_at
    assert tracker.comments(number) == [first, second]
    assert tracker.get_issue(number).updated_at == second.created_at
    assert [c.body for c in tracker.comments(other)] == ["elsewhere"]
    assert tracker.comments(12345) == []


def test_a_comment_carries_its_author_at_the_time_of_writing(tmp_path, clock):
    names = iter(["Tess Tester", "Ann Other"])
    tracker = LocalTracker(tmp_path / DB_NAME, clock, author=lambda: next(names))
    number = ask(tracker)
    tracker.comment(number, "TL;DR: first")
    tracker.comment(number, "TL;DR: second")
    assert [(c.author, c.body) for c in tracker.comments(number)] == [
        ("Tess Tester", "TL;DR: first"),
        ("Ann Other", "TL;DR: second"),
    ]


def test_issues_carry_their_comment_count(tracker):
    number, other = ask(tracker, "A"), ask(tracker, "B")
    tracker.comment(number, "one")
    tracker.comment(number, "two")
    assert {i.number: i.comments for i in tracker.list_issues()} == {number: 2, other: 0}
    assert tracker.get_issue(number).comments == 2


def test_the_author_migration_keeps_old_comments(tmp_path):
    """A version-1 file (no author column) gains one; its comments read with no author."""
    path = tmp_path / DB_NAME
    connection = sqlite3.connect(path)
    connection.executescript(local.MIGRATIONS[0])
    connection.execute("INSERT INTO issues (number, kind, title, created_at, updated_at) VALUES (1, 'Ask', 'A', 1, 1)")
    connection.execute("INSERT INTO comments (issue, body, created_at) VALUES (1, 'TL;DR: old', 2)")
    connection.execute("PRAGMA user_version = 1")
    connection.commit()
    connection.close()
    tracker = LocalTracker(path, author=lambda: "Tess Tester")
    assert pragma(path, "user_version") == SCHEMA_VERSION >= 2
    assert [(c.author, c.body) for c in tracker.comments(1)] == [("", "TL;DR: old")]
    tracker.comment(1, "TL;DR: new")
    assert [c.author for c in tracker.comments(1)] == ["", "Tess Tester"]


# --- schema and storage -----------------------------------------------------------------------


def pragma(path: Path, name: str):
    connection = sqlite3.connect(path)
    try:
        return connection.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        connection.close()


def test_a_new_database_has_the_current_schema_version_and_wal(tracker):
    assert SCHEMA_VERSION >= 1
    assert pragma(tracker.path, "user_version") == SCHEMA_VERSION
    assert pragma(tracker.path, "journal_mode") == "wal"  # WAL is persistent in the file


def test_an_empty_file_is_migrated(tmp_path):
    path = tmp_path / DB_NAME
    path.write_bytes(b"")
    tracker = LocalTracker(path)
    assert pragma(path, "user_version") == SCHEMA_VERSION
    assert ask(tracker) == 1


def test_a_newer_schema_is_refused_and_left_alone(tmp_path):
    path = tmp_path / DB_NAME
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE future (x)")
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.commit()
    connection.close()
    with pytest.raises(TrackerError, match="newer dslp-tui") as info:
        LocalTracker(path)
    assert str(path) in str(info.value)
    assert "upgrade" in str(info.value)
    assert pragma(path, "user_version") == SCHEMA_VERSION + 1
    connection = sqlite3.connect(path)
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    connection.close()
    assert tables == {"future"}


def test_a_later_migration_upgrades_an_existing_database_and_keeps_its_data(tmp_path, monkeypatch):
    tracker = LocalTracker(tmp_path / DB_NAME)
    number = ask(tracker)
    tracker.set_labels(number, add=("failed",))
    step = "ALTER TABLE issues ADD COLUMN milestone TEXT; CREATE INDEX issues_state ON issues(state)"
    monkeypatch.setattr(local, "MIGRATIONS", (*local.MIGRATIONS, step))
    monkeypatch.setattr(local, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    upgraded = LocalTracker(tmp_path / DB_NAME)
    assert pragma(upgraded.path, "user_version") == SCHEMA_VERSION + 1
    assert upgraded.get_issue(number).labels == ("Ask", "failed")
    connection = sqlite3.connect(upgraded.path)
    columns = [row[1] for row in connection.execute("PRAGMA table_info(issues)")]
    connection.close()
    assert "milestone" in columns
    LocalTracker(tmp_path / DB_NAME)  # already current: the migration is not run twice


def test_a_file_that_is_not_a_database_is_a_tracker_error(tmp_path):
    path = tmp_path / DB_NAME
    path.write_bytes(b"this is not sqlite, just text " * 100)
    with pytest.raises(TrackerError, match="cannot prepare the local tracker") as info:
        LocalTracker(path)
    assert str(path) in str(info.value)


# --- two processes at once --------------------------------------------------------------------

WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from dslp_tui.model import IssueDraft
    from dslp_tui.sources.local import LocalTracker

    db, tag, go, count = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    print("ready", flush=True)
    deadline = time.monotonic() + 30
    while not go.exists():
        if time.monotonic() > deadline:
            sys.exit("never told to go")
        time.sleep(0.001)
    tracker = LocalTracker(Path(db))  # both open (and migrate) the new file at the same moment
    numbers = []
    for i in range(count):
        draft = IssueDraft(template="experiment", title=f"{tag}-{i}")
        numbers.append(tracker.create_issue(draft, labels=("Experiment",), body=f"by {tag}").number)
        tracker.comment(numbers[-1], f"{tag} comment {i}")
    print(" ".join(map(str, numbers)), flush=True)
    """
)


def test_two_processes_creating_issues_at_once_lose_nothing(tmp_path):
    db = tmp_path / ".git" / "dslp" / DB_NAME
    go = tmp_path / "go"
    per_process = 50
    workers = {
        tag: subprocess.Popen(
            [sys.executable, "-c", WORKER, str(db), tag, str(go), str(per_process)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("left", "right")
    }
    try:
        for process in workers.values():
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready"
        go.touch()
        outputs = {tag: process.communicate(timeout=60) for tag, process in workers.items()}
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    for tag, (_, err) in outputs.items():
        assert workers[tag].returncode == 0, err
    numbers = {tag: [int(n) for n in out.split()] for tag, (out, _) in outputs.items()}
    for tag, own in numbers.items():
        assert len(own) == per_process, tag
        assert own == sorted(own), tag  # each process saw its own numbers grow
    every = sorted(numbers["left"] + numbers["right"])
    assert every == list(range(1, 2 * per_process + 1))

    issues = LocalTracker(db).list_issues()
    assert [i.number for i in issues] == every
    for tag, own in numbers.items():
        for index, number in enumerate(own):
            issue = issues[number - 1]
            assert (issue.title, issue.body) == (f"{tag}-{index}", f"by {tag}")
            assert issue.labels == ("Experiment",)
    tracker = LocalTracker(db)
    assert all(len(tracker.comments(n)) == 1 for n in every)
    assert pragma(db, "user_version") == SCHEMA_VERSION


def test_a_reader_is_not_blocked_by_a_long_write(tmp_path):
    # WAL: list_issues keeps working while another connection holds the write lock.
    tracker = LocalTracker(tmp_path / DB_NAME)
    ask(tracker)
    writer = sqlite3.connect(tracker.path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO issues (kind, title, created_at, updated_at) VALUES ('Ask', 'pending', 0, 0)")
        started = time.monotonic()
        assert [i.title for i in tracker.list_issues()] == ["Reduce churn"]  # the uncommitted row is invisible
        assert time.monotonic() - started < 5
    finally:
        writer.execute("ROLLBACK")
        writer.close()


# --- where the tracker cannot live, or cannot be written --------------------------------------


def test_a_file_where_the_tracker_directory_belongs_is_one_clear_error(tmp_path):
    (tmp_path / "dslp").write_text("not a directory")
    with pytest.raises(TrackerError, match=r"dslp is a file.*move the file away") as info:
        LocalTracker.for_git_dir(tmp_path)
    assert str(tmp_path / "dslp") in str(info.value)


READER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from dslp_tui.model import IssueDraft
    from dslp_tui.sources.local import LocalTracker
    from dslp_tui.tracker import TrackerError

    tracker = LocalTracker(Path(sys.argv[1]))
    print(tracker.read_only is not None, [i.title for i in tracker.list_issues()], flush=True)
    try:
        tracker.create_issue(IssueDraft(template="ask", title="new"), labels=(), body="")
    except TrackerError as error:
        print(error)
    """
)


def drop_file_permission_override() -> None:
    """In the child: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set.

    Tests run as root, and root ignores permission bits; a root process exec'd without these
    capabilities is held to them, so a read-only file and directory really are read-only.
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run_without_write_access(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(args), cwd=cwd, capture_output=True, text=True, timeout=60, preexec_fn=drop_file_permission_override
    )


@pytest.fixture
def read_only_tracker(tmp_path: Path, clock: Clock):
    tracker = LocalTracker(tmp_path / "dslp" / DB_NAME, clock)
    ask(tracker, "Kept")
    directory = tracker.path.parent
    assert sorted(p.name for p in directory.iterdir()) == [DB_NAME]  # WAL side files gone on close
    tracker.path.chmod(0o444)
    directory.chmod(0o555)
    yield tracker.path
    directory.chmod(0o755)
    tracker.path.chmod(0o644)


def test_a_read_only_tracker_is_read_and_refuses_writes_clearly(read_only_tracker):
    done = run_without_write_access(sys.executable, "-c", READER, str(read_only_tracker))
    assert done.returncode == 0, done.stderr
    first, message = done.stdout.splitlines()
    assert first == "True ['Kept']"
    assert message.startswith(f"the tracker at {read_only_tracker} is read-only (")
    assert "saving needs write access" in message
    assert sorted(p.name for p in read_only_tracker.parent.iterdir()) == [DB_NAME]


def test_a_write_that_meets_a_read_only_file_says_so(tracker):
    ask(tracker)
    # Another process made the file read-only after this tracker opened it: SQLite's own error.
    tracker.path.chmod(0o444)
    try:
        done = run_without_write_access(
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from dslp_tui.sources.local import LocalTracker;"
            "t = LocalTracker(Path(sys.argv[1])); t.read_only = None; t._immutable = False\n"
            "try:\n    t.comment(1, 'x')\nexcept Exception as e:\n    print(type(e).__name__, e)",
            str(tracker.path),
        )
    finally:
        tracker.path.chmod(0o644)
    assert done.stdout.startswith(f"TrackerError the tracker at {tracker.path} is read-only ("), done.stderr


# --- a reset database -------------------------------------------------------------------------


def test_an_empty_tracker_numbers_above_the_branches(tmp_path, clock):
    path = tmp_path / DB_NAME
    path.write_bytes(b"")  # a truncated tracker.db
    tracker = LocalTracker(path, clock, number_floor=lambda: 41)
    assert ask(tracker) == 42
    assert ask(tracker) == 43  # once issues exist, numbering simply continues


def test_a_tracker_with_issues_ignores_the_branch_floor(tracker, tmp_path):
    ask(tracker)
    asked = []
    again = LocalTracker(tracker.path, number_floor=lambda: asked.append(1) or 900)
    assert ask(again) == 2
    assert asked == []  # git is not even asked


# --- listing in a section, atomically ---------------------------------------------------------


def test_append_to_section_adds_once(tracker):
    number = ask(tracker, body="## Approaches and Experiments\n\n")
    tracker.append_to_section(number, "Approaches and Experiments", "- #2 GBM")
    issue = tracker.append_to_section(number, "Approaches and Experiments", "- #2 GBM")
    assert issue.body.count("- #2 GBM") == 1
