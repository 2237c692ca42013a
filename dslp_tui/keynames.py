"""The key names a ``[keys]`` binding may use, known without importing Textual.

A binding that names a key Textual never reports can never be pressed, and one that takes a key
the board already uses is silently shadowed: either can leave no way to quit. Textual names a
key by its character (``j``, ``A``), punctuation by the character's Unicode name
(``question_mark``, ``slash``), special keys by fixed names (``pagedown``, ``f5``), and puts
modifiers first in alphabetical order (``ctrl+shift+up``). tests/test_keynames.py checks these
tables against Textual's own key parser and the board's real bindings, so they cannot drift.
"""

from __future__ import annotations

import string
import unicodedata

MODIFIERS = ("alt", "ctrl", "meta", "shift", "super")  # the order Textual reports them in
SPECIAL_KEYS = frozenset(
    {
        *("up", "down", "left", "right", "home", "end", "pageup", "pagedown", "insert", "delete"),
        *("backspace", "enter", "tab", "escape", "space"),
        *(f"f{number}" for number in range(1, 25)),
    }
)
_RENAMED = {  # Textual's shorter names for some Unicode character names
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}


def character_key(char: str) -> str:
    """Textual's name for the key that types ``char``: ``a`` → ``a``, ``?`` → ``question_mark``."""
    if char.isalnum():
        return char
    try:
        name = unicodedata.name(char).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return char
    return _RENAMED.get(name, name)


PUNCTUATION: dict[str, str] = {character_key(char): char for char in string.punctuation}  # name → char

# Keys the board itself uses (Textual's tree, scrolling, focus, palette, quit, copy; escape
# clears the filter). A [keys] binding cannot take them: the board's own binding would win.
# The action id, where there is one, is the [keys] action the key already performs.
FIXED_KEYS: dict[str, str | None] = {
    "up": "cursor_up",
    "down": "cursor_down",
    "ctrl+q": "quit",
    **dict.fromkeys(("left", "right", "enter", "space", "shift+left", "shift+right", "shift+up")),
    **dict.fromkeys(("shift+down", "shift+space", "home", "end", "pageup", "pagedown", "ctrl+pageup")),
    **dict.fromkeys(("ctrl+pagedown", "tab", "shift+tab", "escape", "ctrl+p", "ctrl+c", "super+c")),
}


# Keys most terminals send as another key (ctrl+i is a tab): Textual matches a binding for either.
_SAME_AS = {"ctrl+i": "tab", "ctrl+m": "enter"}


def key_name(key: str) -> str:
    """The name Textual reports for ``key`` as written in ``[keys]``; ValueError says why none."""
    if len(key) == 1:
        if not key.isprintable():
            raise ValueError(f"{key!r} is not a key that can be typed")
        return character_key(key)
    *modifiers, base = key.split("+")
    if not base:
        raise ValueError(f"{key!r} ends in '+': name the key after it (the + key is 'plus')")
    for modifier in modifiers:
        if modifier not in MODIFIERS:
            raise ValueError(f"{modifier!r} in {key!r} is not a modifier (use {', '.join(MODIFIERS)})")
    in_order = sorted(set(modifiers), key=MODIFIERS.index)
    if modifiers != in_order:
        raise ValueError(f"write {'+'.join([*in_order, base])!r}: each modifier once, in the order Textual uses")
    if len(base) == 1 and not base.isalnum():
        name = character_key(base)
        raise ValueError(f"after a modifier name the key: write {'+'.join([*modifiers, name])!r}")
    if len(base) != 1 and base not in SPECIAL_KEYS and base not in PUNCTUATION:
        raise ValueError(f"{base!r} is not a key name (for example j, A, slash, question_mark, f5, ctrl+n)")
    if len(base) == 1 and base != base.lower():
        lower = "+".join(sorted({*modifiers, "shift"}, key=MODIFIERS.index) + [base.lower()])
        raise ValueError(f"write {lower!r}: with a modifier, Textual reports the lower-case letter and shift")
    if modifiers == ["shift"] and base not in SPECIAL_KEYS:
        typed = repr(base.upper()) if base.isalpha() else "that character"
        raise ValueError(f"shift with a character key arrives as the character it types: write {typed}")
    return _SAME_AS.get(key, key)
