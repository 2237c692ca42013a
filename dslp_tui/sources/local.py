"""The embedded tracker: SQLite in the repository's git common directory.

Living under ``.git`` (the common dir, so every worktree shares it) keeps the data out of
commits and lets it survive checkouts. Every write is one ``BEGIN IMMEDIATE`` transaction
and the database runs in WAL mode, so two dslp-tui processes on one repository serialise
their writes instead of corrupting or losing them. ``PRAGMA user_version`` carries the
schema version; :data:`MIGRATIONS` brings an older file forward.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from dslp_tui.model import Comment, Issue, IssueDraft, PullRequest
from dslp_tui.process import Kind, template
from dslp_tui.tracker import TrackerError

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
)
SCHEMA_VERSION = len(MIGRATIONS)


class LocalTracker:
    """The default tracker: no account, no network, no configuration."""

    name = "local"

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        path.parent.mkdir(parents=True, exist_ok=True)
        self._migrate()

    @classmethod
    def for_git_dir(cls, common_dir: Path, clock: Callable[[], float] = time.time) -> LocalTracker:
        return cls(common_dir / "dslp" / DB_NAME, clock)

    # --- connection and schema ----------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except sqlite3.Error as error:
            raise TrackerError(f"cannot open the local tracker at {self.path}: {error}") from None
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA busy_timeout = 30000")
        connection.execute("PRAGMA foreign_keys = ON")
        return connection

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One immediate transaction: takes the write lock up front so numbering never races."""
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
                    raise TrackerError(f"cannot prepare the local tracker at {self.path}: {error}") from None
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
                raise TrackerError(
                    f"{self.path} was written by a newer dslp-tui (schema {version}, this one knows "
                    f"{SCHEMA_VERSION}); upgrade dslp-tui"
                )
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
            rows = db.execute("SELECT * FROM issues ORDER BY number").fetchall()
        return [self._issue(row, labels.get(row["number"], [])) for row in rows]

    def get_issue(self, number: int) -> Issue:
        with self._read() as db:
            return self._get(db, number)

    def _get(self, db: sqlite3.Connection, number: int) -> Issue:
        row = db.execute("SELECT * FROM issues WHERE number = ?", (number,)).fetchone()
        if row is None:
            raise TrackerError(f"issue #{number} does not exist")
        names = [r["name"] for r in db.execute("SELECT name FROM labels WHERE issue = ? ORDER BY rowid", (number,))]
        return self._issue(row, names)

    @staticmethod
    def _issue(row: sqlite3.Row, labels: list[str]) -> Issue:
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
        )

    def comments(self, number: int) -> list[Comment]:
        with self._read() as db:
            rows = db.execute("SELECT * FROM comments WHERE issue = ? ORDER BY id", (number,)).fetchall()
        return [Comment(r["id"], r["issue"], r["body"], r["created_at"]) for r in rows]

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
                "INSERT INTO issues (kind, title, body, parent, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (kind.value, draft.title, body, draft.parent, now, now),
            )
            number = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT OR IGNORE INTO labels (issue, name) VALUES (?, ?)", [(number, name) for name in labels]
            )
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
        with self._write() as db:
            self._get(db, number)
            cursor = db.execute("INSERT INTO comments (issue, body, created_at) VALUES (?, ?, ?)", (number, body, now))
            db.execute("UPDATE issues SET updated_at = ? WHERE number = ?", (now, number))
            return Comment(int(cursor.lastrowid or 0), number, body, now)
