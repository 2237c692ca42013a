"""Drafts of new issues, kept on disk until the issue is filed.

A form closed with escape, or whose save failed, leaves its draft here; opening the same
form again resumes it. Files are written atomically (temp file, then rename).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from dslp_tui.model import IssueDraft


def draft_key(template: str, parent: int | None) -> str:
    return f"{template}-{parent if parent is not None else 'none'}"


class DraftStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def save(self, draft: IssueDraft) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.path(draft_key(draft.template, draft.parent))
        handle, temp = tempfile.mkstemp(dir=self.directory, prefix=".draft-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(asdict(draft), out, indent=2, ensure_ascii=False)
        os.replace(temp, target)
        return target

    def load(self, template: str, parent: int | None) -> IssueDraft | None:
        target = self.path(draft_key(template, parent))
        try:
            data = json.loads(target.read_text(encoding="utf-8"))
            return IssueDraft(**data)
        except (OSError, ValueError, TypeError):
            return None

    def discard(self, template: str, parent: int | None) -> None:
        self.path(draft_key(template, parent)).unlink(missing_ok=True)
