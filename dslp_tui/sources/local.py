"""The embedded tracker: SQLite in the repository's git common directory.

Living under ``.git`` (the common dir, so every worktree shares it) keeps the data out of
commits and lets it survive checkouts. Every write is one ``BEGIN IMMEDIATE`` transaction
and the database runs in WAL mode, so two dslp-tui processes on one repository serialise
their writes instead of corrupting or losing them. ``PRAGMA user_version`` carries the
schema version; :data:`MIGRATIONS` brings an older file forward.

A tracker that cannot be written (a read-only checkout, an immutable ``.git/dslp``) is
opened with SQLite's read-only URI mode: reading works, and every write fails with one
message that says so. An empty issues table in a repository whose branches carry issue
numbers (a truncated ``tracker.db``) numbers new issues above those, never reusing one.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from dslp_tui.model import Comment, Issue, IssueDraft, PullRequest
from dslp_tui.process import Kind, add_to_section, template
from dslp_tui.tracker import NotFoundError, TrackerError

DB_NAME = "tracker.db"

# Each entry moves the schema from version i to i + 1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE issues (
        number INTEGER PRIMARY KEY,
        kind TEXT,
        title TEXT NOT NULL,
        body TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
        parent INTEGER REFERENCES issues(number),
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        closed_at REAL
    );
    CREATE TABLE labels (
        issue INTEGER NOT NULL REFERENCES issues(number) ON DELETE CASCADE,
        name TEXT NOT NULL,
        PRIMARY KEY (issue, name)
    );
    CREATE TABLE comments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        issue INTEGER NOT NULL REFERENCES issues(number) ON DELETE CASCADE,
        body TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX issues_parent ON issues(parent);
    """,
    # 2: who wrote a comment (the git user name at the time); older comments have none.
    """
    ALTER TABLE comments ADD COLUMN author TEXT NOT NULL DEFAULT '';
    CREATE INDEX comments_issue ON comments(issue);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

# What SQLite says when it cannot write the file or create its WAL side files.
_READ_ONLY_SIGNS = ("readonly database", "unable to open database file", "read-only file system")


def _is_read_only_error(error: BaseException) -> bool:
    return any(sign in str(error).lower() for sign in _READ_ONLY_SIGNS)


class LocalTracker:
    """The default tracker: no account, no network, no configuration."""

    name = "local"

    def __init__(
        self,
        path: Path,
        clock: Callable[[], float] = time.time,
        number_floor: Callable[[], int] | None = None,
        author: Callable[[], str] | None = None,
    ) -> None:
        """``number_floor`` gives the highest issue number the repository's branches carry;
        ``author`` the name a new comment is signed with (the git user name), asked at each write."""
        self.path = path
        self._clock = clock
        self._number_floor = number_floor
        self._author = author
        self.read_only: str | None = None  # why the tracker cannot be written, when it cannot
        self._immutable = False
        self._prepare_directory()
        try:
            self._migrate()
        except TrackerError as error:
            if not (self.path.is_file() and _is_read_only_error(error)):
                raise
            self._open_read_only(str(error.__cause__ or error))

    @classmethod
    def for_git_dir(
        cls,
        common_dir: Path,
        clock: Callable[[], float] = time.time,
        number_floor: Callable[[], int] | None = None,
        author: Callable[[], str] | None = None,
    ) -> LocalTracker:
        return cls(common_dir / "dslp" / DB_NAME, clock, number_floor, author)

    # --- connection and schema ----------------------------------------------------------------

    def _prepare_directory(self) -> None:
        """Create the tracker's directory; a file in its place is one clear error."""
        directory = self.path.parent
        if directory.exists() and not directory.is_dir():
            raise TrackerError(
                f"{directory} is a file, but dslp-tui keeps its tracker in a directory there; "
                f"move the file away (e.g. mv {directory} {directory}.bak) and run again"
            )
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise TrackerError(f"cannot create the tracker directory {directory}: {error.strerror or error}") from None

    def _open_read_only(self, reason: str) -> None:
        """Fall back to SQLite's read-only URI mode, checking the schema can be read as it is."""
        self.read_only = reason
        with self._read() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            raise self._read_only_error() if version < SCHEMA_VERSION else self._newer_error(version)

    def _read_only_error(self) -> TrackerError:
        return TrackerError(
            f"the tracker at {self.path} is read-only ({self.read_only}); "
            "reading works, but saving needs write access to it and its directory"
        )

    def _newer_error(self, version: int) -> TrackerError:
        return TrackerError(
            f"{self.path} was written by a newer dslp-tui (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); upgrade dslp-tui"
        )

    def _connect(self) -> sqlite3.Connection:
        try:
            connection = self._open_connection()
        except sqlite3.Error as error:
            raise TrackerError(f"cannot open the local tracker at {self.path}: {error}") from error
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA busy_timeout = 30000")
        connection.execute("PRAGMA foreign_keys = ON")
        return connection

    def _open_connection(self) -> sqlite3.Connection:
        """Read-write normally; read-only mode when the file cannot be written.

        A WAL database opened read-only still needs its ``-shm`` file; where that cannot be
        created either (a read-only directory), ``immutable=1`` reads the file as it is.
        """
        if not self.read_only:
            return sqlite3.connect(self.path, timeout=30, isolation_level=None)
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        if not self._immutable:
            try:
                connection = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
                connection.execute("PRAGMA user_version").fetchone()
                return connection
            except sqlite3.OperationalError as error:
                if not _is_read_only_error(error):
                    raise
                self._immutable = True
        return sqlite3.connect(uri + "&immutable=1", uri=True, timeout=30, isolation_level=None)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One immediate transaction: takes the write lock up front so numbering never races."""
        if self.read_only:
            raise self._read_only_error()
        connection = self._connect()
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            if _is_read_only_error(error):
                self.read_only = str(error)
                raise self._read_only_error() from None
            raise TrackerError(f"the local tracker could not save: {error}") from None
        finally:
            connection.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        connection = self._connect()
        try:
            yield connection
        except sqlite3.Error as error:
            raise TrackerError(f"the local tracker could not be read: {error}") from None
        finally:
            connection.close()

    def _migrate(self) -> None:
        """Switch to WAL and bring the schema up to date, waiting out another process doing it.

        SQLite does not wait (no busy handler) when two connections race to change the journal
        mode of a new file, so that race is retried here for a while before giving up.
        """
        deadline = time.monotonic() + 30
        while True:
            try:
                self._migrate_once()
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise TrackerError(f"cannot prepare the local tracker at {self.path}: {error}") from error
                time.sleep(0.05)

    def _migrate_once(self) -> None:
        connection = self._connect()
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("BEGIN IMMEDIATE")
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                connection.execute("ROLLBACK")
                raise self._newer_error(version)
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.execute("COMMIT")
        except sqlite3.OperationalError:
            raise  # _migrate retries a lock and words every other failure
        except sqlite3.Error as error:
            raise TrackerError(f"cannot prepare the local tracker at {self.path}: {error}") from None
        finally:
            connection.close()

    # --- reading ------------------------------------------------------------------------------

    def list_issues(self) -> list[Issue]:
        with self._read() as db:
            labels: dict[int, list[str]] = {}
            for row in db.execute("SELECT issue, name FROM labels ORDER BY rowid"):
                labels.setdefault(row["issue"], []).append(row["name"])
            counts = dict(db.execute("SELECT issue, COUNT(*) FROM comments GROUP BY issue").fetchall())
            rows = db.execute("SELECT * FROM issues ORDER BY number").fetchall()
        return [self._issue(row, labels.get(row["number"], []), counts.get(row["number"], 0)) for row in rows]

    def get_issue(self, number: int) -> Issue:
        with self._read() as db:
            return self._get(db, number)

    def _get(self, db: sqlite3.Connection, number: int) -> Issue:
        row = db.execute("SELECT * FROM issues WHERE number = ?", (number,)).fetchone()
        if row is None:
            raise NotFoundError(f"issue #{number} does not exist")
        names = [r["name"] for r in db.execute("SELECT name FROM labels WHERE issue = ? ORDER BY rowid", (number,))]
        count = db.execute("SELECT COUNT(*) FROM comments WHERE issue = ?", (number,)).fetchone()[0]
        return self._issue(row, names, count)

    @staticmethod
    def _issue(row: sqlite3.Row, labels: list[str], comments: int = 0) -> Issue:
        return Issue(
            number=row["number"],
            title=row["title"],
            kind=Kind(row["kind"]) if row["kind"] else None,
            state=row["state"],
            body=row["body"],
            labels=tuple(labels),
            parent=row["parent"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            closed_at=row["closed_at"],
            comments=comments,
        )

    def comments(self, number: int) -> list[Comment]:
        with self._read() as db:
            rows = db.execute("SELECT * FROM comments WHERE issue = ? ORDER BY id", (number,)).fetchall()
        return [Comment(r["id"], r["issue"], r["body"], r["created_at"], r["author"]) for r in rows]

    def pull_requests(self) -> list[PullRequest]:
        return []

    # --- writing ------------------------------------------------------------------------------

    def create_issue(self, draft: IssueDraft, *, labels: tuple[str, ...], body: str) -> Issue:
        kind = template(draft.template).kind
        now = self._clock()
        with self._write() as db:
            if draft.parent is not None:
                self._get(db, draft.parent)  # a child must point at an issue that exists
            cursor = db.execute(
                "INSERT INTO issues (number, kind, title, body, parent, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self._first_number(db), kind.value, draft.title, body, draft.parent, now, now),
            )
            number = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT OR IGNORE INTO labels (issue, name) VALUES (?, ?)", [(number, name) for name in labels]
            )
            return self._get(db, number)

    def _first_number(self, db: sqlite3.Connection) -> int | None:
        """None (SQLite's next rowid) unless the table is empty: then above every branch's number.

        An empty table in a repository with numbered branches means the database was reset
        (a truncated file); reusing those numbers would tie new issues to old work.
        """
        if self._number_floor is None or db.execute("SELECT 1 FROM issues LIMIT 1").fetchone():
            return None
        floor = self._number_floor()
        return floor + 1 if floor > 0 else None

    def append_to_section(self, number: int, section: str, line: str) -> Issue:
        """Read, edit and write the body in one transaction, so concurrent additions all stay."""
        with self._write() as db:
            issue = self._get(db, number)
            body = add_to_section(issue.body, section, line)
            if body == issue.body:
                return issue
            db.execute("UPDATE issues SET body = ?, updated_at = ? WHERE number = ?", (body, self._clock(), number))
            return self._get(db, number)

    def update_issue(
        self,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        state: str | None = None,
        parent: int | None = None,
    ) -> Issue:
        if state not in (None, "open", "closed"):
            raise TrackerError(f"state must be open or closed, not {state!r}")
        now = self._clock()
        with self._write() as db:
            issue = self._get(db, number)
            closed_at = issue.closed_at
            if state == "closed" and issue.state != "closed":
                closed_at = now
            elif state == "open":
                closed_at = None
            db.execute(
                "UPDATE issues SET title = ?, body = ?, state = ?, parent = ?, closed_at = ?, updated_at = ?"
                " WHERE number = ?",
                (
                    issue.title if title is None else title,
                    issue.body if body is None else body,
                    issue.state if state is None else state,
                    issue.parent if parent is None else parent,
                    closed_at,
                    now,
                    number,
                ),
            )
            return self._get(db, number)

    def set_labels(self, number: int, add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> Issue:
        with self._write() as db:
            self._get(db, number)
            db.executemany("DELETE FROM labels WHERE issue = ? AND name = ?", [(number, n) for n in remove])
            db.executemany("INSERT OR IGNORE INTO labels (issue, name) VALUES (?, ?)", [(number, n) for n in add])
            db.execute("UPDATE issues SET updated_at = ? WHERE number = ?", (self._clock(), number))
            return self._get(db, number)

    def comment(self, number: int, body: str) -> Comment:
        now = self._clock()
        author = self._author() if self._author else ""
        with self._write() as db:
            self._get(db, number)
            cursor = db.execute(
                "INSERT INTO comments (issue, body, created_at, author) VALUES (?, ?, ?, ?)",
                (number, body, now, author),
            )
            db.execute("UPDATE issues SET updated_at = ? WHERE number = ?", (now, number))
            return Comment(int(cursor.lastrowid or 0), number, body, now, author)
