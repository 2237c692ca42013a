"""Drafts of new issues, kept on disk until the issue is filed.

A form closed with escape, or whose save failed, leaves its draft here; opening the same
form again resumes it. Files are written atomically (temp file, then rename).

Each draft has an identity (``draft_id``): filing a draft discards that draft only, so a
``dslp-tui new`` for the same template and Ask never removes the board's draft, and a
failed one is kept beside it (``<key>-<draft_id>.json``) rather than over it.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from dslp_tui.model import IssueDraft
from dslp_tui.process import Template


def draft_key(template: str, parent: int | None) -> str:
    return f"{template}-{parent if parent is not None else 'none'}"


def new_draft_id() -> str:
    return uuid.uuid4().hex[:12]


def with_identity(draft: IssueDraft) -> IssueDraft:
    """The draft with an identity of its own, given one if it has none yet."""
    return draft if draft.draft_id else replace(draft, draft_id=new_draft_id())


class DraftStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def save(self, draft: IssueDraft) -> Path:
        """Write ``draft`` (given an identity if it has none) where the form resumes it.

        That place holding another draft (another one for the same form), it goes beside it.
        """
        draft = with_identity(draft)
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.where(draft)
        handle, temp = tempfile.mkstemp(dir=self.directory, prefix=".draft-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(asdict(draft), out, indent=2, ensure_ascii=False)
        os.replace(temp, target)
        return target

    def where(self, draft: IssueDraft) -> Path:
        """Where ``draft`` is (or would be) kept."""
        key = draft_key(draft.template, draft.parent)
        main = self.path(key)
        if _owns(self._read(main), draft.draft_id):
            return main
        return self.path(f"{key}-{draft.draft_id}")

    def load(self, template: str, parent: int | None) -> IssueDraft | None:
        return self._read(self.path(draft_key(template, parent)))

    @staticmethod
    def _read(target: Path) -> IssueDraft | None:
        try:
            data = json.loads(target.read_text(encoding="utf-8"))
            return IssueDraft(**data)
        except (OSError, ValueError, TypeError):
            return None

    def discard(self, draft: IssueDraft) -> None:
        """Remove ``draft`` and nothing else: another draft for the same form stays."""
        key = draft_key(draft.template, draft.parent)
        for target in (self.path(key), self.path(f"{key}-{draft.draft_id}") if draft.draft_id else None):
            if target is not None and _owns(self._read(target), draft.draft_id, missing=False):
                target.unlink(missing_ok=True)


@dataclass(frozen=True)
class EditDraft:
    """An edit of issue ``number`` not saved yet: its title and body as last typed."""

    number: int
    title: str
    body: str


class EditDrafts:
    """Unsaved edits, one per issue (``edit-<N>.json`` beside the new-issue drafts).

    Kept when the edit form is closed or its save fails (network down, the tracker refused
    it); offered again when that issue is edited next; removed only once an edit is saved.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, number: int) -> Path:
        return self.directory / f"edit-{number}.json"

    def save(self, draft: EditDraft) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=self.directory, prefix=".edit-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(asdict(draft), out, indent=2, ensure_ascii=False)
        target = self.path(draft.number)
        os.replace(temp, target)
        return target

    def load(self, number: int) -> EditDraft | None:
        try:
            data = json.loads(self.path(number).read_text(encoding="utf-8"))
            draft = EditDraft(**data)
        except (OSError, ValueError, TypeError):
            return None
        ok = draft.number == number and isinstance(draft.title, str) and isinstance(draft.body, str)
        return draft if ok else None

    def discard(self, number: int) -> None:
        self.path(number).unlink(missing_ok=True)


def _owns(stored: IssueDraft | None, draft_id: str, missing: bool = True) -> bool:
    """Whether a draft with ``draft_id`` may replace or remove ``stored``.

    A file written before drafts had identities (no ``draft_id``) belongs to its form, so
    whoever files that form may replace it.
    """
    if stored is None:
        return missing
    return not stored.draft_id or stored.draft_id == draft_id


def has_content(draft: IssueDraft, tpl: Template) -> bool:
    """Whether a draft holds anything typed: a title, or a section changed from its starter text.

    A form closed with nothing typed leaves no draft behind.
    """
    if draft.title.strip():
        return True
    starters = {s.heading: s.starter for s in tpl.sections}
    return any(text.strip() and text.strip() != starters.get(h, "").strip() for h, text in draft.sections.items())


COMMENT_START = "TL;DR: "


class CommentDrafts:
    """Unsent comments, by issue, for this session: closing the form or a failed send keeps the text."""

    def __init__(self) -> None:
        self._texts: dict[int, str] = {}

    def text(self, number: int) -> str:
        """What the comment form on issue ``number`` starts with: the kept text, else the TL;DR prefix."""
        return self._texts.get(number, COMMENT_START)

    def keep(self, number: int, text: str) -> None:
        self._texts[number] = text

    def sent(self, number: int) -> None:
        self._texts.pop(number, None)
