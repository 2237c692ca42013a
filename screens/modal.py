"""The base of every dialog: it answers keys only while it is on top, and closes once.

Keys arrive in bursts (a terminal delivers ``n enter escape`` in one read). A dialog's
result message (an option chosen, a button pressed) can be handled after a later key has
already closed it; without this guard the second ``dismiss`` pops whatever is on top by
then, the board itself included.
"""

from __future__ import annotations

from textual.screen import ModalScreen, ScreenResultType


class Modal(ModalScreen[ScreenResultType]):
    def __init__(self) -> None:
        super().__init__()
        self._answered = False

    @property
    def on_top(self) -> bool:
        """Whether keys and messages for this dialog should do anything."""
        return not self._answered and self.is_active

    def close(self, result: ScreenResultType) -> None:
        """Dismiss with ``result``, unless this dialog is closed already or not on top."""
        if self.on_top:
            self._answered = True
            self.dismiss(result)
