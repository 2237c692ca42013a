"""The base of every dialog: it answers keys only while it is on top, closes once, and shows its own keys.

Keys arrive in bursts (a terminal delivers ``n enter escape`` in one read). A dialog's
result message (an option chosen, a button pressed) can be handled after a later key has
already closed it; without this guard the second ``dismiss`` pops whatever is on top by
then, the board itself included.

A dialog covers the board but not its bottom line: without a footer of its own, the board's
(``n``, ``b``, ``p``...) showed under every dialog, keys that do nothing there. Each dialog
gets a :class:`KeyLine` of its own bindings instead, added after what it composes. The
palette's key is left out there: at 80 columns a form's own keys need the whole line.
"""

from __future__ import annotations

from textual.screen import ModalScreen, ScreenResultType
from textual.widget import Widget

from dslp_tui.screens.keyline import KeyLine


class Modal(ModalScreen[ScreenResultType]):
    # The footer has a layer of its own: it takes the board footer's line without taking that
    # line from the dialog's layout, so a dialog is centred and sized as before.
    DEFAULT_CSS = """
    Modal {
        layers: default keyline;
    }
    Modal > KeyLine.-own-layer {
        layer: keyline;
    }
    """
    FOOTER_FIRST = 1  # the keys kept before the palette's on a short line: the first, closing or saving
    FOOTER_IN_LAYOUT = False  # True: the footer's line is taken from the dialog (one as tall as the screen)

    def __init__(self) -> None:
        super().__init__()
        self._answered = False

    def _extend_compose(self, widgets: list[Widget]) -> None:
        """Textual's own widgets (toasts, tooltip), then this dialog's footer."""
        super()._extend_compose(widgets)
        keyline = KeyLine(first=self.FOOTER_FIRST, show_command_palette=False)
        keyline.set_class(not self.FOOTER_IN_LAYOUT, "-own-layer")
        widgets.append(keyline)

    @property
    def on_top(self) -> bool:
        """Whether keys and messages for this dialog should do anything."""
        return not self._answered and self.is_active

    def close(self, result: ScreenResultType) -> None:
        """Dismiss with ``result``, unless this dialog is closed already or not on top."""
        if self.on_top:
            self._answered = True
            self.dismiss(result)
