"""Textual's command palette, made to close once, like every dialog here (see ``modal.py``).

Textual's palette dismisses itself from message handlers (an option chosen, enter in its
input) that can run after a later key of the same burst closed it already: the second
dismiss pops the board. Its command search, a worker, can also start after the palette's
list was removed, and its error ends the app. Both are guarded here (paging a list before it
is laid out is guarded for every ``OptionList`` in ``guards.py``); the app opens this palette
wherever Textual would open its own.
"""

from __future__ import annotations

from textual import work
from textual.await_complete import AwaitComplete
from textual.command import CommandPalette
from textual.css.query import NoMatches


class Palette(CommandPalette):
    def dismiss(self, result: None = None) -> AwaitComplete:
        """Close, unless this palette is not on top (closed already, or covered)."""
        if not self.is_active:
            return AwaitComplete()
        return super().dismiss(result)

    @work(exclusive=True, group=CommandPalette._GATHER_COMMANDS_GROUP)
    async def _gather_commands(self, search_value: str) -> None:
        """Textual's search; one the palette outlived ends quietly, any other error still raises."""
        try:
            search = CommandPalette._gather_commands.__wrapped__  # type: ignore[attr-defined]  # Textual's, undecorated
            await search(self, search_value)
        except NoMatches:
            if self.is_active:
                raise
