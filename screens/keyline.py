"""The footer: one line of "key description" pairs, drawn by one widget.

Textual's ``Footer`` mounts a widget per shown key (about 25 here) and recomposes them every
time the bindings change, twice before the first board: most of what the board's first
frame cost beyond a bare Textual app (issue #7). This widget renders the same pairs as one
``Text``, in the order the screen's bindings come (help and quit first, so they stay
visible at every width), drops whole pairs that do not fit, and repaints only when the
pairs changed. NO_COLOR and ASCII-only need nothing here: the app's filters apply to every
line (screens/look.py).
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

from dslp_tui.text import one_line

_DIM = Style(dim=True)  # a key whose action cannot run now, as Textual's footer shows it


class Pair(NamedTuple):
    """One shown key: what simulating it presses, what it shows, and whether it is enabled."""

    key: str
    display: str
    description: str
    enabled: bool


class KeyLine(Widget, can_focus=False):
    """The keys of the screen it is on, on one line, like Textual's footer."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"keyline--key", "keyline--description", "keyline--separator"}
    DEFAULT_CSS = """
    KeyLine {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .keyline--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .keyline--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .keyline--separator {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, *, first: int = 2, show_command_palette: bool = True, id: str | None = None) -> None:
        """``first``: how many of the first keys come before the command palette's key when
        the line is short (the board's help and quit)."""
        super().__init__(id=id)
        self.first = first
        self.show_command_palette = show_command_palette
        self._pairs: tuple[tuple[Pair, ...], Pair | None] | None = None  # None: not read yet
        self._spans: list[tuple[int, int, Pair]] = []  # where each drawn pair is, for clicks

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        # Like Textual's footer: while the app is not focused its keys are not the ones to show.
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        pairs = self.read_pairs()
        if pairs != self._pairs:
            self._pairs = pairs
            self.refresh()

    def read_pairs(self) -> tuple[tuple[Pair, ...], Pair | None]:
        """The shown keys in binding order (one per action), and the command palette's key."""
        app = self.app
        active = self.screen.active_bindings
        pairs: dict[str, Pair] = {}
        for _, binding, enabled, _ in active.values():
            if binding.show and binding.action not in pairs:
                pairs[binding.action] = Pair(
                    binding.key, one_line(app.get_key_display(binding)), one_line(binding.description), enabled
                )
        palette: Pair | None = None
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _, binding, enabled, _ = active[app.COMMAND_PALETTE_BINDING]
            palette = Pair(binding.key, one_line(app.get_key_display(binding)), one_line(binding.description), enabled)
        return tuple(pairs.values()), palette

    def render(self) -> Text:
        if self._pairs is None:
            self._pairs = self.read_pairs()
        keys, palette = self._pairs
        width = self.size.width
        key_style = self.get_component_rich_style("keyline--key")
        description_style = self.get_component_rich_style("keyline--description")
        separator_style = self.get_component_rich_style("keyline--separator")
        # The palette's key sits at the right end, unless it would push out one of the first keys.
        palette_len = _pair_len(palette)
        if palette is not None and _fitting(keys, width - palette_len) < min(self.first, len(keys)):
            palette, palette_len = None, 0
        shown = keys[: _fitting(keys, width - palette_len)]
        text = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []
        for pair in shown:
            self._add(text, pair, key_style, description_style)
        if palette is not None:
            text.append(" " * (width - text.cell_len - palette_len))
            self._add(text, palette, key_style, description_style, lead=("▏", separator_style))
        return text

    def _add(
        self, text: Text, pair: Pair, key_style: Style, description_style: Style, lead: tuple[str, Style] | None = None
    ) -> None:
        """Append `` key description `` (``lead``, one cell, instead of the first space)."""
        start = text.cell_len
        dim = Style() if pair.enabled else _DIM
        text.append(*(lead or (" ", key_style + dim)))
        text.append(f"{pair.display} ", key_style + dim)
        if pair.description:
            text.append(f"{pair.description} ", description_style + dim)
        self._spans.append((start, text.cell_len, pair))

    def on_click(self, event: events.Click) -> None:
        """A click on a pair presses its key (a disabled one rings the bell)."""
        for start, end, pair in self._spans:
            if start <= event.x < end:
                event.stop()
                if pair.enabled:
                    self.app.simulate_key(pair.key)
                else:
                    self.app.bell()
                return


def _fitting(pairs: tuple[Pair, ...], room: int) -> int:
    """How many of the first ``pairs`` fit whole in ``room`` cells."""
    used = 0
    for count, pair in enumerate(pairs):
        used += _pair_len(pair)
        if used > room:
            return count
    return len(pairs)


def _pair_len(pair: Pair | None) -> int:
    if pair is None:
        return 0
    return cell_len(pair.display) + 2 + (cell_len(pair.description) + 1 if pair.description else 0)
