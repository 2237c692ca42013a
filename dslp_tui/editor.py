"""Hand a text to the person's own editor (``$VISUAL``, else ``$EDITOR``) and read it back.

The command is the person's own setting, split like a shell would split it (``code --wait``)
but never run through a shell; the text goes through a private temporary file, removed after.
The caller gives the terminal to the editor meanwhile (the board: ``App.suspend``). That puts
back the mode Textual found, which is already the board's raw mode (``terminal.board_input``
takes the terminal before Textual starts), so the editor is given the usual cooked mode here;
and ctrl+c in it interrupts the editor, not the board waiting for it.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

from dslp_tui.errors import DslpError


class EditorError(DslpError):
    """The editor could not be started, or did not finish cleanly: the text is left as it was."""


def editor_command(environ: Mapping[str, str] | None = None) -> list[str] | None:
    """``$VISUAL`` or ``$EDITOR`` as a command line, or None when neither is set (or parses)."""
    environ = os.environ if environ is None else environ
    for name in ("VISUAL", "EDITOR"):
        value = environ.get(name, "").strip()
        if value:
            try:
                return shlex.split(value) or None
            except ValueError:
                return None
    return None


def edit_text(text: str, command: list[str], suffix: str = ".md") -> str:
    """Run ``command FILE`` on a private copy of ``text``; what the file holds when it exits."""
    handle, name = tempfile.mkstemp(prefix="dslp-edit-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        try:
            with _cooked_terminal(), _interrupts_to_the_editor():
                finished = subprocess.run([*command, str(path)], check=False)
        except OSError as error:
            raise EditorError(f"cannot start the editor {command[0]!r}: {error.strerror or error}") from None
        if finished.returncode != 0:
            raise EditorError(f"the editor exited with status {finished.returncode}; the text is as it was")
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise EditorError("the editor saved text that is not UTF-8; the text is as it was") from None
    finally:
        path.unlink(missing_ok=True)


@contextmanager
def _cooked_terminal() -> Iterator[None]:
    """The terminal in the line discipline's usual mode (echo, line editing, signals, CR as
    newline, flow control) while the editor runs; the mode it was in afterwards."""
    try:
        import termios
    except ImportError:  # not a POSIX terminal
        yield
        return
    try:
        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd) if os.isatty(fd) else None
    except (AttributeError, OSError, ValueError, termios.error):
        saved = None
    if saved is None:
        yield
        return
    mode = [*saved]
    mode[3] = saved[3] | termios.ECHO | termios.ICANON | termios.IEXTEN | termios.ISIG
    mode[0] = saved[0] | termios.ICRNL | termios.IXON
    with suppress(termios.error):
        termios.tcsetattr(fd, termios.TCSANOW, mode)
    try:
        yield
    finally:
        with suppress(termios.error):
            termios.tcsetattr(fd, termios.TCSANOW, saved)


@contextmanager
def _interrupts_to_the_editor() -> Iterator[None]:
    """ctrl+c and ctrl+\\ reach the whole foreground process group: while the editor runs,
    only it acts on them (as ``os.system`` does). The editor starts with the default actions:
    an exec resets a handled signal, where an ignored one would stay ignored in the child."""
    saved: dict[int, object] = {}
    for number in (signal.SIGINT, getattr(signal, "SIGQUIT", None)):
        if number is not None:
            with suppress(ValueError, OSError):  # not the main thread: leave it
                saved[number] = signal.signal(number, _ignore)  # a handler, not SIG_IGN: exec resets it
    try:
        yield
    finally:
        for number, handler in saved.items():
            with suppress(ValueError, OSError, TypeError):
                signal.signal(number, handler)  # type: ignore[arg-type]


def _ignore(number: int, frame: object) -> None:
    """A signal meant for the editor: the board, waiting for it, does nothing."""
