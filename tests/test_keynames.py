"""The core's key-name tables agree with Textual: its key parser and the board's real bindings."""

from __future__ import annotations

import string
from itertools import combinations

import pytest
from textual import events
from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
from textual._keyboard_protocol import FUNCTIONAL_KEYS
from textual._xterm_parser import XTermParser
from textual.binding import Binding
from textual.keys import _character_to_key, _normalize_key_list

from dslp_tui.app import DslpApp
from dslp_tui.config import KEY_DEFAULTS
from dslp_tui.keynames import FIXED_KEYS, MODIFIERS, PUNCTUATION, SPECIAL_KEYS, character_key, key_name
from dslp_tui.screens.board import BOARD_ACTIONS, BoardScreen, BoardTree


def delivered(sequence: str) -> list[str]:
    """The key names Textual reports when the terminal sends ``sequence``."""
    parser = XTermParser()
    return [event.key for event in [*parser.feed(sequence), *parser.feed("")] if isinstance(event, events.Key)]


def test_every_special_key_is_one_textual_reports() -> None:
    sequences = [*ANSI_SEQUENCES_KEYS, *(f"\x1b[{code}" for code in FUNCTIONAL_KEYS), " "]
    reported = {keys[0] for keys in map(delivered, sequences) if len(keys) == 1}
    assert SPECIAL_KEYS - reported == set()


@pytest.mark.parametrize("char", [*string.punctuation, *string.ascii_letters, *string.digits, "é", "€"])
def test_a_character_key_is_named_as_textual_names_it(char: str) -> None:
    assert character_key(char) == _character_to_key(char) == delivered(char)[0]
    if char != ",":  # in [keys], as in a Textual keymap, a comma separates keys: write "comma"
        assert key_name(char) == _normalize_key_list(char)  # how App.set_keymap reads it


def test_every_punctuation_name_is_typed_by_its_character() -> None:
    assert len(PUNCTUATION) == len(string.punctuation)
    for name, char in PUNCTUATION.items():
        assert delivered(char) == [name]


@pytest.mark.parametrize("count", [1, 2, 3])
def test_modifiers_are_written_in_the_order_textual_reports_them(count: int) -> None:
    bits = {"shift": 1, "alt": 2, "ctrl": 4, "super": 8, "meta": 32}  # the kitty keyboard protocol's
    for chosen in combinations(MODIFIERS, count):
        sequence = f"\x1b[{ord('x')};{1 + sum(bits[m] for m in chosen)}u"
        written = "+".join([*chosen, "x"])
        assert delivered(sequence) == [written]
        if chosen != ("shift",):  # shift+x arrives as "X" from a terminal: refused, see test_config
            assert key_name(written) == written


def test_the_fixed_keys_are_exactly_the_board_keys_keys_cannot_take() -> None:
    bound: set[str] = {"escape", DslpApp.COMMAND_PALETTE_BINDING}  # escape: BoardScreen.key_escape
    for owner in (DslpApp, BoardScreen, BoardTree):
        for key, bindings in owner._merge_bindings().key_to_bindings.items():
            if any(binding.id not in KEY_DEFAULTS for binding in bindings):
                bound.add(key)
    assert hasattr(BoardScreen, "key_escape")
    assert set(FIXED_KEYS) == bound


def test_a_fixed_key_shared_with_an_action_really_does_that_action() -> None:
    actions = {a.id: a for a in BOARD_ACTIONS}
    tree = BoardTree._merge_bindings().key_to_bindings
    app = DslpApp._merge_bindings().key_to_bindings
    for key, action_id in FIXED_KEYS.items():
        if action_id is None:
            continue
        board_action = actions[action_id].action.split("(")[0]
        done = {b.action for b in tree.get(key, []) + app.get(key, [])}
        assert any(board_action in action or action in board_action for action in done), (key, action_id, done)


def test_every_default_binding_passes_the_check() -> None:
    for action, keys in KEY_DEFAULTS.items():
        for key in keys.split(","):
            assert key_name(key) == Binding.make_bindings([Binding(key, action)]).__next__().key
