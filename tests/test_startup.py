"""What the first frame holds: the board the last run saved, and no work that can wait.

The import side (no GitPython before the first board) is in test_import_hygiene.py.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dslp_tui.app import build_app
from dslp_tui.cache import BoardCache
from dslp_tui.model import IssueDraft
from dslp_tui.screens.board import BoardScreen
from dslp_tui.workspace import Workspace

from board_driver import labels, settle

SIZE = (120, 40)


@pytest.fixture
def repo(git_repo: Path) -> Path:
    Workspace.open(git_repo).create_issue(IssueDraft(template="ask", title="Reduce churn"))
    return git_repo


@pytest.fixture
def first_boards(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """What the screen looked like each time a board was shown."""
    seen: list[dict] = []
    show_board = BoardScreen.show_board

    def spy(self, board, **kwargs):
        seen.append(
            {
                "first_frame_done": self.app._first_frame.is_set(),
                "cached": self.app.cached_at is not None,
            }
        )
        show_board(self, board, **kwargs)

    monkeypatch.setattr(BoardScreen, "show_board", spy)
    return seen


async def test_a_later_start_has_the_cached_board_in_its_first_frame(repo: Path, first_boards: list[dict]) -> None:
    """The cache is one JSON file: read before the first frame, not painted in a second one."""
    ws = Workspace.open(repo)
    BoardCache.for_config(ws.root, ws.config).save(ws.load(), time.time())
    app = build_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert first_boards[0] == {"first_frame_done": False, "cached": True}
        assert labels(app)[0].startswith("#1 Ask Reduce churn") and app.cached_at is None  # then the fresh board
