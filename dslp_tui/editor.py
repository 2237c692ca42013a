"""Hand a text to the person's own editor (``$VISUAL``, else ``$EDITOR``) and read it back.

The command is the person's own setting, split like a shell would split it (``code --wait``)
but never run through a shell; the text goes through a private temporary file, removed after.
The caller gives the terminal to the editor meanwhile (the board: ``App.suspend``).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Mapping
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
