"""The contract between the board screen and the app: what the screen may ask for, typed.

The screen turns keys into calls on a :class:`BoardHost` (the app implements it; mypy checks
that it does) and never reaches into the app otherwise. What the board shows comes the other
way: the app calls the screen's ``show_board``, ``show_status`` and ``show_comments``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dslp_tui.model import Issue


@dataclass(frozen=True)
class NodeData:
    """What a tree line stands for: an issue, a kind group under an Ask, or the unlinked group."""

    key: str
    number: int | None = None  # the issue on this line, if any
    ask: int | None = None  # the Ask this line belongs to, if any


class BoardHost(Protocol):
    """What the board screen asks of the app. Each call returns at once; work runs in workers."""

    @property
    def query_text(self) -> str:
        """The filter the board shows now."""
        ...

    def new_issue(self, template_id: str, selected: NodeData | None) -> None: ...

    def pick_child(self, selected: NodeData | None) -> None: ...

    def start_branch(self, selected: NodeData | None) -> None: ...

    def choose_status(self, selected: NodeData | None) -> None: ...

    def write_comment(self, selected: NodeData | None) -> None: ...

    def open_close(self, selected: NodeData | None) -> None: ...

    def reload_board(self) -> None:
        """Reload every source."""
        ...

    def show_help(self) -> None: ...

    def start_move(self, move: str, selected: NodeData | None) -> None:
        """Preview, then run, a move (promote, fail, close) on the selected issue."""
        ...

    def show_messages(self) -> None:
        """The last messages and errors, in full."""
        ...

    def toggle_closed(self) -> None: ...

    def set_filter(self, query: str) -> None: ...

    def branch_name_for(self, issue: Issue) -> str | None:
        """The branch ``b`` would create for ``issue`` (None: not known yet)."""
        ...

    def load_comments(self, number: int) -> None:
        """Read issue ``number``'s comments in a worker; they arrive through ``show_comments``."""
        ...
