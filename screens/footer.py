"""The board's footer: its keys are composed once, after the first board is painted.

Textual's Footer is a widget per key, each restyled as it mounts, and it recomposes on
every bindings signal: a board start sends two, so ~25 keys were built twice before the
first board could be painted (about as long as the rest of the first frame). The board's
rows are what a person waits for; the key hints follow a frame later.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class BoardFooter(Footer):
    """A Footer that waits for :meth:`release`, then recomposes at most once per refresh."""

    def __init__(self) -> None:
        super().__init__()
        self._held = True
        self._queued = False

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if self._held or self._queued or not self.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self._queued = True
            self.call_after_refresh(self._recompose_once)

    async def _recompose_once(self) -> None:
        self._queued = False
        await self.recompose()

    def release(self) -> None:
        """The board is on screen: show the keys (idempotent; from any node of the app)."""
        if self._held:
            self._held = False
            self.call_later(self._show_keys)  # composed in the footer's own context, as Textual does

    def _show_keys(self) -> None:
        self.bindings_changed(self.screen)
