"""An issue's web page: whether its address is safe to open, and whether a browser can open it here.

The address comes from the tracker (GitHub's ``html_url``), so it is outside text: only an
``http(s)`` address with a host and nothing unprintable in it is handed to a browser, never a
``file:`` or ``javascript:`` one. Over SSH there is usually no display, and Python's
``webbrowser`` would then pick a terminal browser (lynx, w3m) that takes over the board's
terminal; so without a graphical session nothing is opened and the address is copied instead.

The browser is started by a child Python (``webbrowser``'s choice: ``$BROWSER``, xdg-open, ``open``)
with standard input, output and error on ``/dev/null``, in a session of its own: a browser's
console chatter would otherwise be written over the board, and it has no terminal to take over.
The address is one argument, never through a shell.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from urllib.parse import urlsplit

from dslp_tui.model import Issue

URL_MAX = 2048  # longer than any issue page; a longer "address" is not one


def web_url(url: str) -> str | None:
    """``url`` when a browser may be given it: http(s), a host, no spaces or control characters."""
    if not url or len(url) > URL_MAX or any(ch.isspace() or not ch.isprintable() for ch in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return url


def copy_text(issue: Issue) -> str:
    """What ``y`` copies: the issue's web address, or ``#N`` where it has none (the local tracker)."""
    return web_url(issue.url) or f"#{issue.number}"


def graphical_session(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether a browser window can appear: macOS and Windows always, elsewhere an X or Wayland display."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if platform == "darwin" or platform.startswith("win"):
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


BROWSER_WAIT = 10.0  # seconds: a browser command still running by then has opened a window (it stays up)
# The child's script: -I keeps the project's own files (a webbrowser.py in it) and PYTHON* variables out.
_OPEN = "import sys, webbrowser; sys.exit(0 if webbrowser.open(sys.argv[1]) else 1)"


def open_browser(url: str, wait: float = BROWSER_WAIT) -> bool:
    """Open ``url`` in a browser, detached from the board's terminal; whether one took it.

    Refuses what :func:`web_url` refuses. Blocks up to ``wait`` seconds (call it off the UI thread).
    """
    if web_url(url) is None:
        return False
    try:
        child = subprocess.Popen(
            [sys.executable, "-I", "-c", _OPEN, url],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
    except OSError:
        return False
    try:
        return child.wait(timeout=wait) == 0
    except subprocess.TimeoutExpired:  # a $BROWSER that runs until its window closes
        return True
