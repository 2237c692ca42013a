"""Unexpected errors are bugs: one line for the person, the traceback in a private log file.

An expected error (:class:`~dslp_tui.errors.DslpError`) is shown as its own message. Anything
else is recorded with its traceback in ``$XDG_STATE_HOME/dslp-tui/errors.log`` (default
``~/.local/state/dslp-tui/errors.log``; the directory owner-only, the file 0600) and the
person is told where it is, so nothing fails silently and a report can include the details.
Token-like values are scrubbed from what is written. No Textual here: the CLI can use it too.
"""

from __future__ import annotations

import os
import re
import time
import traceback
from collections.abc import Mapping
from pathlib import Path

from dslp_tui.errors import DslpError
from dslp_tui.text import one_line

LOG_NAME = "errors.log"
MAX_BYTES = 256 * 1024  # past this the log is rotated to errors.log.1 (one old file kept)

# Environment variables whose values must never reach the log, and token shapes on their own.
_SECRET_NAMES = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL|AUTH", re.IGNORECASE)
_TOKEN_SHAPES = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b")


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "dslp-tui"


def scrub(text: str, environ: Mapping[str, str] | None = None) -> str:
    """``text`` with the values of secret-looking environment variables and token shapes masked."""
    environ = os.environ if environ is None else environ
    for name, value in environ.items():
        if _SECRET_NAMES.search(name) and len(value.strip()) >= 8:
            text = text.replace(value.strip(), "***")
    return _TOKEN_SHAPES.sub("***", text)


def _rotate(path: Path) -> None:
    try:
        if path.stat().st_size > MAX_BYTES:
            path.replace(path.with_name(path.name + ".1"))
    except FileNotFoundError:
        pass


def record_bug(error: BaseException, clock: float | None = None) -> Path:
    """Append ``error``'s traceback, with a timestamp, to the private log; return the log's path."""
    directory = state_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(directory, 0o700)  # mkdir's mode is masked by the umask, and an old directory may be wider
    path = directory / LOG_NAME
    _rotate(path)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(time.time() if clock is None else clock))
    details = "".join(traceback.format_exception(error))
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(handle, 0o600)
    with os.fdopen(handle, "a", encoding="utf-8") as log:
        log.write(f"--- {stamp}\n{scrub(details)}\n")
    return path


def describe(error: BaseException) -> str:
    """One line for the person: an expected error's message, or where a bug's details are."""
    if isinstance(error, DslpError):
        return one_line(str(error)) or type(error).__name__
    name = type(error).__name__
    try:
        path = record_bug(error)
    except OSError as problem:  # the message may hold anything: only the type is shown
        return f"internal error ({name}); its details could not be saved ({problem.strerror or problem})"
    return f"internal error ({name}); details in {path}"
