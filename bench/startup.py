"""Startup benchmark: time to the first painted board, dslp-tui against a bare Textual app.

Every run is a fresh ``python -c`` child process, so interpreter start, imports, mounting,
the first worker (GitPython, SQLite, git processes) and the paint are all included. The
clock starts in the parent just before the spawn (``time.perf_counter`` is CLOCK_MONOTONIC
on Linux, one clock for every process, so children report on it too) and stops:

* ``pty`` mode (the headline): when the board's text reaches the terminal. The child runs
  Textual's real Linux driver in a pseudo-terminal (120x40); the parent reads the terminal,
  stops the clock on the first bytes holding the first Ask's title, then presses ``q``.
* ``headless`` mode: when ``call_after_refresh`` fires after ``BoardScreen.show_board``
  (bare app: after its first refresh) under ``App.run(headless=True)``. Headless Textual
  composes frames but never turns them into terminal output.

Three apps, runs interleaved after one warm-up each, medians compared (target <= 1.3x):

* ``bare``: a Textual app with a Tree (the demo board's labels, filled in ``on_mount``), a
  Markdown and a Footer: the floor any Textual app of this shape pays.
* ``dslp``: ``dslp_tui.app.build_app`` on the demo project (``dslp_tui.demo.create_demo``).
* ``dslp-preloaded``: the same app with ``Workspace.open`` returning a workspace whose
  ``load()`` hands back the demo's snapshot, unpickled: no GitPython, git or SQLite. It
  splits dslp-tui's extra time into "the screen itself" and "loading the data".

Children cache bytecode in a temporary ``PYTHONPYCACHEPREFIX`` so both apps import from
``.pyc`` after the warm-up, as an installed dslp-tui would (``--cold-bytecode`` turns that
off). It also reports which heavy modules were imported by the time the board was shown
(github, mlflow and azure should not be) and the children's peak RSS.

    python bench/startup.py [--runs 7] [--mode pty|headless|both] [--cold-bytecode]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import re
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

TARGET_RATIO = 1.3
SIZE = (120, 40)  # columns, rows
MARKER = "Reduce customer churn"  # the demo's first Ask; the bare app shows the same label
HEAVY = ("github", "mlflow", "azure", "pandas", "numpy", "requests", "sqlalchemy", "urllib3")
EXPECTED = ("git", "sqlite3", "textual", "rich")  # needed to load and paint the board

# Shared by the children: marks on the parent's clock, and a JSON report written at exit.
_PRELUDE = """
import os, sys, time
_T0 = float(os.environ["BENCH_T0"])
MARKS = {"interpreter": time.perf_counter() - _T0}
HEAVY = %(heavy)r
HEADLESS = os.environ.get("BENCH_HEADLESS") == "1"
def mark(name):
    MARKS.setdefault(name, time.perf_counter() - _T0)
def board_shown(app):
    mark("show_board")
    MARKS["n_modules_at_paint"] = len(sys.modules)
    MARKS["heavy_at_paint"] = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
    def painted():
        mark("painted")
        if HEADLESS:
            app.exit()
    app.call_after_refresh(painted)
def report(app):
    import json, resource
    MARKS["return_code"] = app.return_code or 0
    with open(os.environ["BENCH_REPORT"], "w") as f:
        json.dump({"marks": MARKS, "modules": sorted(sys.modules),
                   "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}, f)
"""

_DSLP = """
from pathlib import Path
from dslp_tui.app import build_app
from dslp_tui.screens.board import BoardScreen
mark("imported")
_show_board = BoardScreen.show_board
def show_board(self, *args, **kwargs):
    _show_board(self, *args, **kwargs)
    board_shown(self.app)
BoardScreen.show_board = show_board
if os.environ.get("BENCH_SNAPSHOT"):  # dslp-preloaded: no GitPython, git or SQLite
    import pickle
    from dslp_tui.config import load_config
    from dslp_tui.workspace import Workspace
    class _Tracker:
        name = "local"
    class _Preloaded(Workspace):
        def load(self):
            with open(os.environ["BENCH_SNAPSHOT"], "rb") as f:
                return pickle.load(f)
    def _open(cls, path, clock=time.time):
        return _Preloaded(path, load_config(path), None, _Tracker(), None)
    Workspace.open = classmethod(_open)
app = build_app(Path(sys.argv[1]))
app.run(headless=HEADLESS)
mark("exited")
report(app)
"""

_BARE = """
from textual.app import App
from textual.widgets import Footer, Markdown, Tree
mark("imported")
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
        board_shown(self)
app = Bare()
app.run(headless=HEADLESS)
mark("exited")
report(app)
"""

# What the demo board shows (numbers and titles as dslp_tui.demo creates them).
BARE_LABELS = [
    (
        "#1 Ask Reduce customer churn   ○ open   4 open",
        [
            "#2 Get CRM Dataset   ✓ closed   ⎇ merged",
            "#3 Create churn features Dataset   ● open   ⎇ ↑2↓1",
            "#4 Churn by tenure   ✓ closed   ⎇ kept",
            "#5 Gradient boosting baseline   ★ succeeded   ⎇ ↑2",
            "#6 Logistic regression baseline   ✗ failed   ⎇ kept",
            "#7 Deep tabular network   ● open   ⎇ ↑1↓1 local",
            "#8 churn   ● open   ⎇ ↑1",
        ],
    ),
    (
        "#9 Ask Forecast weekly demand   ○ open   2 open",
        ["#10 Seasonality in weekly orders   ○ open", "#11 Prophet baseline   ‖ on hold"],
    ),
    ("Not linked to an Ask (1)", ["#12 Get store locations Dataset   ○ open"]),
]


def child_code(which: str) -> str:
    """The ``python -c`` program for ``bare`` or ``dslp`` (argv[1]: the repository)."""
    prelude = _PRELUDE % {"heavy": set(HEAVY)}
    if which == "bare":
        return prelude + _BARE % {"labels": BARE_LABELS}
    return prelude + _DSLP


_ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]|\x1b[PX^_].*?\x1b\\|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b.")


def screen_text(raw: bytes) -> str:
    """The printable text of terminal output (escape sequences removed), for error messages."""
    return " ".join(_ESCAPES.sub(b" ", raw).decode("utf-8", "replace").split())


def child_env(mode: str, report_path: str, size: tuple[int, int], extra: dict[str, str] | None) -> dict[str, str]:
    env = {
        **os.environ,
        "BENCH_REPORT": report_path,
        "BENCH_HEADLESS": "1" if mode == "headless" else "0",
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "COLUMNS": str(size[0]),
        "LINES": str(size[1]),
    }
    for name in ("TEXTUAL", "TEXTUAL_DEVTOOLS", "PYTHONPROFILEIMPORTTIME", "PYTHONDEVMODE", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    env.update(extra or {})
    return env


def run_child(
    code: str,
    args: list[str],
    *,
    mode: str,
    marker: str,
    timeout: float = 60.0,
    size: tuple[int, int] = SIZE,
    extra_env: dict[str, str] | None = None,
) -> dict:
    """Run ``python -c code *args`` once; return its report with ``elapsed`` (seconds).

    ``pty``: ``elapsed`` is when ``marker`` first reaches the terminal. ``headless``: the
    child's ``painted`` mark. Both from just before the spawn, on the parent's clock.
    """
    fd, report_path = tempfile.mkstemp(prefix="bench-report-", suffix=".json")
    os.close(fd)
    env = child_env(mode, report_path, size, extra_env)
    argv = [sys.executable, "-c", code, *args]
    seen: float | None = None
    output = bytearray()
    try:
        if mode == "pty":
            import fcntl
            import pty
            import struct
            import termios

            master, slave = pty.openpty()
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
            t0 = time.perf_counter()
            env["BENCH_T0"] = repr(t0)
            proc = subprocess.Popen(
                argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True
            )
            os.close(slave)
            needle = marker.encode()
            try:
                while True:
                    if time.perf_counter() - t0 > timeout:
                        raise TimeoutError(f"no board after {timeout:.0f}s: {screen_text(bytes(output))[-800:]}")
                    ready, _, _ = select.select([master], [], [], 0.2)
                    if not ready:
                        if proc.poll() is not None:
                            break
                        continue
                    try:
                        data = os.read(master, 1 << 16)
                    except OSError:  # EIO: the child closed the terminal
                        data = b""
                    now = time.perf_counter()
                    if not data:
                        break
                    start = max(0, len(output) - len(needle))
                    output += data
                    if seen is None and needle in output[start:]:
                        seen = now
                        os.write(master, b"q")
                proc.wait(timeout=10)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                os.close(master)
        else:
            t0 = time.perf_counter()
            env["BENCH_T0"] = repr(t0)
            proc = subprocess.run(argv, env=env, capture_output=True, timeout=timeout, check=False)
            output += proc.stdout + proc.stderr
        text = Path(report_path).read_text()
        report = json.loads(text) if text else {"marks": {}}
    finally:
        os.unlink(report_path)
    marks = report["marks"]
    needed = "painted" if mode == "headless" else "show_board"
    if proc.returncode or marks.get("return_code") or needed not in marks:
        raise RuntimeError(
            f"the app failed (exit {proc.returncode}, return code {marks.get('return_code')}) or never showed "
            f"the board: {screen_text(bytes(output))[-1500:]}"
        )
    if mode == "pty":
        if seen is None:
            raise RuntimeError(f"{marker!r} never reached the terminal: {screen_text(bytes(output))[-800:]}")
        report["elapsed"] = seen - t0
    else:
        report["elapsed"] = marks["painted"]
    return report


# --- the benchmark ----------------------------------------------------------------------------

APPS = ("bare", "dslp", "dslp-preloaded")
TITLES = {
    "bare": "bare Textual (Tree+Markdown+Footer)",
    "dslp": "dslp-tui, demo board",
    "dslp-preloaded": "dslp-tui, board preloaded (no git/SQL)",
}


def measure(mode: str, runs: int, demo: Path, env: dict[str, str], snapshot: Path) -> dict[str, list[dict]]:
    setups = {
        "bare": (child_code("bare"), [], env),
        "dslp": (child_code("dslp"), [str(demo)], env),
        "dslp-preloaded": (child_code("dslp"), [str(demo)], {**env, "BENCH_SNAPSHOT": str(snapshot)}),
    }
    results: dict[str, list[dict]] = {name: [] for name in APPS}
    for name in APPS:  # warm-up: page cache and bytecode
        code, args, extra = setups[name]
        run_child(code, args, mode=mode, marker=MARKER, extra_env=extra)
    for index in range(runs):
        order = APPS if index % 2 == 0 else APPS[::-1]
        for name in order:
            code, args, extra = setups[name]
            results[name].append(run_child(code, args, mode=mode, marker=MARKER, extra_env=extra))
    return results


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f}"


def median_mark(reports: list[dict], name: str) -> float | None:
    values = [r["marks"][name] for r in reports if name in r["marks"]]
    return statistics.median(values) if values else None


def print_mode(mode: str, results: dict[str, list[dict]]) -> float:
    what = "board text on the terminal (real driver in a pty)" if mode == "pty" else "after-refresh, headless"
    runs = len(results["bare"])
    print(f"\n== {mode}: process start -> {what}; median (min) of {runs} runs, ms")
    elapsed = {name: [r["elapsed"] for r in results[name]] for name in APPS}
    base = statistics.median(elapsed["bare"])
    for name in APPS:
        values = elapsed[name]
        median = statistics.median(values)
        ratio = f"{median / base:.2f}x bare" if name != "bare" else ""
        print(
            f"  {TITLES[name]:<40}{ms(median):>6} ({ms(min(values))})  {ratio:<11}"
            f" runs: {' '.join(ms(v) for v in values)}"
        )
    ratio = statistics.median(elapsed["dslp"]) / base
    verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
    print(f"  ratio dslp/bare {ratio:.2f}x (target <= {TARGET_RATIO}x: {verdict})")
    print(
        f"  where the time goes (medians, ms since spawn): {'interpreter':>12}{'imported':>10}{'shown':>8}{'painted':>9}"
    )
    for name in APPS:
        cells = [median_mark(results[name], m) for m in ("interpreter", "imported", "show_board", "painted")]
        print(f"    {name:<44}{ms(cells[0]):>12}{ms(cells[1]):>10}{ms(cells[2]):>8}{ms(cells[3]):>9}")
    return ratio


def print_modules(results: dict[str, list[dict]]) -> None:
    dslp, bare = results["dslp"][-1], results["bare"][-1]
    tops = lambda modules: {m.split(".")[0] for m in modules}  # noqa: E731
    at_paint = sorted(tops(dslp["marks"].get("heavy_at_paint", [])))
    by_exit = sorted(tops(dslp["modules"]) & set(HEAVY))
    extra = Counter(m.split(".")[0] for m in set(dslp["modules"]) - set(bare["modules"]))
    print("\n== modules and memory (dslp-tui on the demo)")
    print(
        f"  modules loaded when the board is shown: dslp-tui {dslp['marks'].get('n_modules_at_paint')}, bare {bare['marks'].get('n_modules_at_paint')}"
    )
    print(
        f"  heavy modules ({', '.join(HEAVY)}) when shown: {', '.join(at_paint) or 'none'}; by exit: {', '.join(by_exit) or 'none'}"
    )
    print(f"  needed and present: {', '.join(p for p in EXPECTED if p in tops(dslp['modules']))}")
    print(f"  loaded beyond the bare app (package: modules): {', '.join(f'{n} {c}' for n, c in extra.most_common(10))}")
    rss = {name: statistics.median(r["maxrss_kb"] for r in results[name]) / 1024 for name in APPS}
    print(f"  peak RSS: {', '.join(f'{name} {value:.0f} MB' for name, value in rss.items())}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="measured runs per app and mode (default 7)")
    parser.add_argument("--mode", choices=("pty", "headless", "both"), default="both")
    parser.add_argument("--cold-bytecode", action="store_true", help="never cache bytecode (PYTHONDONTWRITEBYTECODE=1)")
    options = parser.parse_args()

    from dslp_tui.demo import create_demo
    from dslp_tui.workspace import Workspace

    started = time.perf_counter()
    ratios: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="dslp-bench-") as tmp:
        demo = create_demo(Path(tmp) / "churn-model")
        snapshot = Path(tmp) / "snapshot.pickle"
        snapshot.write_bytes(pickle.dumps(Workspace.open(demo).load()))
        print(f"demo project: {demo} (created in {time.perf_counter() - started:.1f}s)")
        print(f"python: {sys.executable}; terminal {SIZE[0]}x{SIZE[1]}; {os.cpu_count()} CPUs")
        if options.cold_bytecode:
            env = {"PYTHONDONTWRITEBYTECODE": "1"}
            print("bytecode: not cached (sources without a .pyc compile on every start)")
        else:
            env = {"PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache")}
            print("bytecode: cached in a temporary PYTHONPYCACHEPREFIX (warmed by one run per app)")
        last: dict[str, list[dict]] = {}
        for mode in ("pty", "headless") if options.mode == "both" else (options.mode,):
            last = measure(mode, options.runs, demo, env, snapshot)
            ratios[mode] = print_mode(mode, last)
        print_modules(last)
    print("\n== summary (figure / target)")
    for mode, ratio in ratios.items():
        verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
        print(f"  {mode:<9} dslp/bare {ratio:.2f}x   target <= {TARGET_RATIO}x   {ratio / TARGET_RATIO:.2f}  {verdict}")
    print(f"  benchmark took {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
