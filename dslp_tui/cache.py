"""The last board of a repository, kept in the user's cache directory.

A remote tracker takes a moment to answer; the app paints the cached board at once, marks
it stale, and refreshes behind it. Only issue data is stored here: never a token.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

from dslp_tui.model import Branch, Issue, PullRequest, RepoState, Run, Snapshot
from dslp_tui.process import Kind

FORMAT = 1


def write_private(path: Path, text: str) -> None:
    """Write ``text`` atomically, readable by its owner only (other people's issue text)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = path.with_suffix(".tmp")
    handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    temp.replace(path)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dslp-tui"


def cache_key(root: Path, tracker: str) -> str:
    """One file name per repository and tracker, stable across runs."""
    digest = hashlib.sha256(f"{root.resolve()}\0{tracker}".encode()).hexdigest()[:16]
    return f"{root.name[:40]}-{digest}"


def _snapshot_json(snapshot: Snapshot) -> dict:
    return asdict(snapshot)


def _snapshot_from(data: dict) -> Snapshot:
    issues = tuple(
        Issue(
            **{
                **i,
                "kind": Kind(i["kind"]) if i["kind"] else None,
                "labels": tuple(i["labels"]),
                "assignees": tuple(i.get("assignees") or ()),
            }
        )
        for i in data["issues"]
    )
    repo = RepoState(**data["repo"]) if data.get("repo") else None
    return Snapshot(
        issues=issues,
        branches=tuple(Branch(**b) for b in data["branches"]),
        pulls=tuple(PullRequest(**p) for p in data["pulls"]),
        runs=tuple(Run(**r) for r in data["runs"]),
        repo=repo,
    )


class BoardCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        # The snapshot last read from or written to the file, with its JSON (text, or the
        # parsed data): saving an unchanged board rewrites the file without encoding every
        # issue again.
        self._known: tuple[Snapshot, str | dict] | None = None

    @classmethod
    def for_repo(cls, root: Path, tracker: str) -> BoardCache:
        return cls(cache_dir() / f"{cache_key(root, tracker)}-board.json")

    @classmethod
    def for_config(cls, root: Path, config) -> BoardCache:
        """Known from ``dslp.toml`` alone, so the app can paint it before opening anything."""
        return cls.for_repo(root, f"{config.tracker}:{config.github_repo}")

    def load(self) -> tuple[Snapshot, float] | None:
        """The cached snapshot and when it was saved, or None (missing, old format, damaged)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                return None
            snapshot, saved_at = _snapshot_from(data["snapshot"]), float(data["saved_at"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        self._known = (snapshot, data["snapshot"])
        return snapshot, saved_at

    def save(self, snapshot: Snapshot, saved_at: float) -> None:
        known = self._known
        if known is not None and known[0] == snapshot:  # unchanged: reuse its JSON
            body = known[1] if isinstance(known[1], str) else json.dumps(known[1])
        else:
            body = json.dumps(_snapshot_json(snapshot))
        # Byte for byte what json.dumps({"format": ..., "saved_at": ..., "snapshot": ...}) writes.
        text = f'{{"format": {json.dumps(FORMAT)}, "saved_at": {json.dumps(saved_at)}, "snapshot": {body}}}'
        with contextlib.suppress(OSError):  # the cache is a convenience; failing to write it loses nothing
            write_private(self.path, text)
            self._known = (snapshot, body)
