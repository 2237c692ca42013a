"""How the board reads (present.py): glyphs, closed marks, branch words, comments."""

from __future__ import annotations

import subprocess
import sys

import dslp_tui.board as board_module
import dslp_tui.present as present


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
