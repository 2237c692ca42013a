"""One guard on Textual itself, for keys that arrive in bursts.

``OptionList`` pages from the highlighted option's line, looked up in a table that is
filled when the list is first laid out. ``pagedown`` in the same burst that opened a list
(a picker, a ``Select``'s overlay, the palette, a ``SelectionList``) reaches it before that:
``KeyError: 0`` ends the app (found by the key-storm test). A list with no lines yet has
nothing to page, so paging it does nothing. Installed once, by the app, at import.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import OptionList

_move_page = OptionList._move_page


def _move_page_once_laid_out(self: OptionList, direction: Any) -> None:
    if (self.highlighted or 0) not in self._index_to_line:  # not laid out yet
        return
    _move_page(self, direction)


def install() -> None:
    """Guard ``OptionList`` paging (idempotent)."""
    if OptionList._move_page is not _move_page_once_laid_out:
        OptionList._move_page = _move_page_once_laid_out  # type: ignore[method-assign]
