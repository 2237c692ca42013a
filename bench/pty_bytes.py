"""Bytes to the terminal per cursor move: what an SSH link carries for one j.

The real ``dslp-tui`` runs on the demo project in a pseudo-terminal at 120x40 (the real
Linux driver, so what is counted is exactly what a terminal receives). Once the board is
painted and the terminal has been quiet for a while, j (or k at the bottom) is pressed once
per move; the bytes read from the key until the terminal is quiet again are that move's. A
bare Textual app (a Tree with the demo's labels, a Markdown pane and a Footer) gets the same
moves (the down/up arrows: a bare Tree binds no j) as the baseline. Per move, the screen rows
written to are counted too (from the cursor-position sequences), which says what repainted.

Used by ``bench/board_scale.py``; ``python bench/pty_bytes.py`` runs it alone.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

SIZE = (120, 40)
MARKER = b"Reduce customer churn"
QUIET = 0.5  # seconds of silence that end a move (the detail pane's debounce and comments included)

_BARE = """
from textual.app import App
from textual.widgets import Footer, Markdown, Tree
LABELS = %(labels)r
class Bare(App):
    BINDINGS = [("q", "quit", "Quit")]
    def compose(self):
        yield Tree("Board")
        yield Markdown("# Details\\n\\nSelect an issue to see its details.")
        yield Footer()
    def on_mount(self):
        tree = self.query_one(Tree)
        tree.show_root = False
        for ask, kids in LABELS:
            node = tree.root.add(ask, expand=True)
            for kid in kids:
                node.add_leaf(kid)
        tree.focus()
Bare().run()
"""

_POSITION = re.compile(rb"\x1b\[(\d+);(\d+)H")


def _read_until_quiet(master: int, quiet: float, limit: float = 15.0) -> bytes:
    out = bytearray()
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([master], [], [], quiet)
        if not ready:
            break
        try:
            data = os.read(master, 1 << 16)
        except OSError:
            break
        if not data:
            break
        out += data
    return bytes(out)


def _spawn(argv: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    return proc, master


def moves(
    argv: list[str], env: dict[str, str], down: bytes, up: bytes, count: int, lines: int
) -> list[tuple[int, int]]:
    """Press ``down`` ``lines`` times, then ``up`` as many, until ``count`` moves; (bytes, rows) per move."""
    proc, master = _spawn(argv, env)
    try:
        seen = bytearray()
        deadline = time.perf_counter() + 60
        while MARKER not in seen and time.perf_counter() < deadline:
            seen += _read_until_quiet(master, 0.5, 5)
        if MARKER not in seen:
            raise RuntimeError(f"the board never reached the terminal: {bytes(seen[-400:])!r}")
        # Runs, comments, the fresh board behind the cached one: let it all arrive first.
        _read_until_quiet(master, 3.0, 60)
        time.sleep(3.0)
        _read_until_quiet(master, 0.5, 30)
        out: list[tuple[int, int]] = []
        for index in range(count):
            key = down if (index // lines) % 2 == 0 else up
            os.write(master, key)
            data = _read_until_quiet(master, QUIET)
            rows = {int(m.group(1)) for m in _POSITION.finditer(data)}
            out.append((len(data), len(rows)))
        return out
    finally:
        os.write(master, b"q")
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)


def measure(count: int = 40, work: Path | None = None) -> dict:
    """Bytes per cursor move for dslp-tui on the demo and for the bare Tree app."""
    sys.path.insert(0, str(Path(__file__).parent))
    import startup

    with tempfile.TemporaryDirectory(prefix="dslp-bytes-") as tmp:
        base = work or Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
        env.update(
            TERM="xterm-256color",
            COLORTERM="truecolor",
            XDG_CACHE_HOME=str(base / "cache"),
            XDG_STATE_HOME=str(base / "state"),
            COLUMNS=str(SIZE[0]),
            LINES=str(SIZE[1]),
        )
        demo = base / "demo"
        subprocess.run(
            [sys.executable, "-m", "dslp_tui", "demo", "--path", str(demo), "--no-open"],
            env=env,
            check=True,
            capture_output=True,
        )
        dslp = moves([sys.executable, "-m", "dslp_tui", "--repo", str(demo)], env, b"j", b"k", count, 11)
        bare_code = _BARE % {"labels": startup.BARE_LABELS}
        bare = moves([sys.executable, "-c", bare_code], env, b"\x1b[B", b"\x1b[A", count, 11)
    return {"dslp": dslp, "bare": bare}


def summary(values: list[tuple[int, int]]) -> str:
    sizes = [b / 1024 for b, _ in values]
    rows = [r for _, r in values]
    ordered = sorted(sizes)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"median {statistics.median(sizes):.1f} KB, p95 {p95:.1f} KB, max {max(sizes):.1f} KB; "
        f"rows written per move: median {statistics.median(rows):.0f}, max {max(rows)} (n={len(values)})"
    )


def p95_kb(values: list[tuple[int, int]]) -> float:
    ordered = sorted(b / 1024 for b, _ in values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


if __name__ == "__main__":
    result = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
    print(f"dslp-tui (demo, j/k):   {summary(result['dslp'])}")
    print(f"bare Textual Tree app:  {summary(result['bare'])}")
    print(f"p95 {p95_kb(result['dslp']):.1f} KB, target <= 8 KB")
