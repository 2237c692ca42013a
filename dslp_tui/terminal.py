"""The terminal taken for the board at once, so keys typed while it starts are kept.

Until a program changes it, a terminal is in the line discipline's cooked mode, and keys
typed then are processed by the kernel before any program reads them: ctrl+s stops the
output and is discarded (IXON), Enter becomes ctrl+j (ICRNL), ctrl+c is a signal (ISIG),
and every key is echoed. Textual switches these off only once it has been imported and its
driver started, some hundreds of milliseconds in; type-ahead in that window is mangled.
:func:`board_input` switches them off first thing (the same flags as Textual's driver) and
with ``TCSANOW``: ``TCSAFLUSH`` would discard the keys already typed. Keys typed before
the process even started stay the shell's line discipline's, as for any program.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress


@contextmanager
def board_input(wanted: bool = True) -> Iterator[None]:
    """Keys typed from now on reach the board as typed; the terminal is restored on the way out."""
    try:
        import termios
    except ImportError:  # not a POSIX terminal
        yield
        return
    fd = _stdin_fd() if wanted else -1
    saved = None
    if fd >= 0 and os.isatty(fd):
        try:
            saved = termios.tcgetattr(fd)
            termios.tcsetattr(fd, termios.TCSANOW, _board_mode(termios, saved))
        except termios.error:
            saved = None
    try:
        yield
    finally:
        if saved is not None:
            with suppress(termios.error):
                termios.tcsetattr(fd, termios.TCSANOW, saved)


def _stdin_fd() -> int:
    try:
        return sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):  # no stdin, or one with no descriptor
        return -1


def _board_mode(termios, attrs: list) -> list:
    """What Textual's Linux driver sets: no echo, no line editing, no flow control, CR kept."""
    mode = [*attrs]
    mode[6] = [*attrs[6]]
    signals = 0 if os.environ.get("TEXTUAL_ALLOW_SIGNALS") else termios.ISIG
    mode[3] = attrs[3] & ~(termios.ECHO | termios.ICANON | termios.IEXTEN | signals)
    mode[0] = attrs[0] & ~(termios.IXON | termios.IXOFF | termios.ICRNL | termios.INLCR | termios.IGNCR)
    mode[6][termios.VMIN] = 1
    mode[6][termios.VTIME] = 0
    return mode
