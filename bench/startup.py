"""Startup benchmark: time to the first painted board, dslp-tui against a bare Textual app.

Every run is a fresh ``python -c`` child process, so interpreter start, imports, mounting,
the first worker and the paint are all included. The clock starts in the parent just before
the spawn (``time.perf_counter`` is CLOCK_MONOTONIC on Linux, one clock for every process,
so children report on it too) and stops:

* ``pty`` mode (the headline): when the board's text reaches the terminal. The child runs
  Textual's real Linux driver in a pseudo-terminal (120x40); the parent reads the terminal,
  stops the clock on the first bytes holding the first Ask's title, then presses ``q``.
  It also reads the child's CPU time (user + system, ``/proc``) at that moment: on a
  shared machine the wall clock swings with the other load, the CPU a start needed hardly.
* ``headless`` mode: when ``call_after_refresh`` fires after the first
  ``BoardScreen.show_board`` (bare app: after its first refresh) under
  ``App.run(headless=True)``. Headless Textual composes frames but never turns them into
  terminal output.

dslp-tui keeps the last board of every repository in ``$XDG_CACHE_HOME/dslp-tui`` and
paints it in the first frame, before it opens the repository (no GitPython, git or SQLite), so
its startup is measured twice, and the two are never mixed:

* ``cold``: the first start in a repository. Every run gets a new, empty ``XDG_CACHE_HOME``,
  so the board appears once the tracker (SQLite) has been read; GitPython is imported and
  the branch states filled in after it is painted.
* ``warm``: every later start. The runs share one ``XDG_CACHE_HOME`` primed by a run before
  them, so the first board painted is the cached one (each run checks that it was: the
  app's ``cached_at`` was set when the first board was shown); the fresh board replaces it
  once the repository has been read (reported as "fresh").

Apps, runs interleaved after one warm-up each, medians compared (target <= 1.3x bare):

* ``bare``: a Textual app with a Tree (the demo board's labels, filled in ``on_mount``), a
  Markdown and a Footer: the floor any Textual app of this shape pays.
* ``dslp-cold`` and ``dslp-warm``: ``dslp_tui.app.build_app`` on the demo project
  (``dslp_tui.demo.create_demo``), without and with the board cache.
* ``dslp-preloaded`` (cold cache): the same app with ``Workspace.open`` returning a
  workspace whose ``load()`` hands back the demo's snapshot, unpickled: no GitPython, git
  or SQLite. It splits the cold start into "the screen itself" and "loading the data".

Children cache bytecode in a temporary ``PYTHONPYCACHEPREFIX`` so every app imports from
``.pyc`` after the warm-up, as an installed dslp-tui would (``--cold-bytecode`` turns that
off; "cold" and "warm" above are about the board cache only). It also reports which heavy
modules were imported by the time the board was shown (github, mlflow and azure should not
be; GitPython should not be on a warm start) and the children's peak RSS.

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
from collections.abc import Callable
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
    cached = getattr(app, "cached_at", None) is not None
    if hasattr(app, "cached_at") and not cached:
        mark("show_board_fresh")  # dslp-tui: the board read from the repository
    if "show_board" in MARKS:
        return
    mark("show_board")
    MARKS["first_board_cached"] = cached
    MARKS["n_modules_at_paint"] = len(sys.modules)
    MARKS["heavy_at_paint"] = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
    MARKS["gitpython_at_paint"] = "git" in sys.modules
    def painted():
        mark("painted")
        if HEADLESS and os.environ.get("BENCH_PRIME"):  # the warm-up that saves the board cache
            import glob
            saved = os.path.join(os.environ["XDG_CACHE_HOME"], "dslp-tui", "*-board.json")
            app.set_interval(0.05, lambda: glob.glob(saved) and app.exit())
        elif HEADLESS:
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
    from dslp_tui.workspace import GitPart, IssuesPart
    class _Preloaded(Workspace):
        def _snapshot(self):
            with open(os.environ["BENCH_SNAPSHOT"], "rb") as f:
                return pickle.load(f)
        def load(self):
            return self._snapshot()
        def load_issues(self):
            snapshot = self._snapshot()
            return IssuesPart(snapshot.issues, snapshot.pulls)
        def load_git(self):
            snapshot = self._snapshot()
            return GitPart(snapshot.repo, snapshot.branches)
        def load_runs(self, snapshot=None):
            return ()
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


def child_cpu(pid: int) -> float | None:
    """The process's user + system CPU seconds so far, threads included (Linux ``/proc``; else None).

    On a shared machine the wall clock swings with the other load; the CPU a start needed
    before its board reached the terminal hardly does (10 ms resolution).
    """
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def run_child(
    code: str,
    args: list[str],
    *,
    mode: str,
    marker: str,
    timeout: float = 60.0,
    size: tuple[int, int] = SIZE,
    extra_env: dict[str, str] | None = None,
    quit_when: Callable[[], bool] = lambda: True,
) -> dict:
    """Run ``python -c code *args`` once; return its report with ``elapsed`` (seconds).

    ``pty``: ``elapsed`` is when ``marker`` first reaches the terminal; ``q`` is pressed then,
    or once ``quit_when()`` holds. ``headless``: the child's ``painted`` mark. Both from just
    before the spawn, on the parent's clock.
    """
    fd, report_path = tempfile.mkstemp(prefix="bench-report-", suffix=".json")
    os.close(fd)
    env = child_env(mode, report_path, size, extra_env)
    argv = [sys.executable, "-c", code, *args]
    seen: float | None = None
    cpu: float | None = None
    quit_sent = False
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
                    if seen is not None and not quit_sent and quit_when():
                        os.write(master, b"q")
                        quit_sent = True
                    ready, _, _ = select.select([master], [], [], 0.05 if seen is not None else 0.2)
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
                        cpu = child_cpu(proc.pid)
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
        report["cpu"] = cpu
    else:
        report["elapsed"] = marks["painted"]
    return report


# --- the benchmark ----------------------------------------------------------------------------

APPS = ("bare", "dslp-cold", "dslp-warm", "dslp-preloaded")
TITLES = {
    "bare": "bare Textual (Tree+Markdown+Footer)",
    "dslp-cold": "dslp-tui, first start (no board cache)",
    "dslp-warm": "dslp-tui, later start (board cache warm)",
    "dslp-preloaded": "dslp-tui, no cache, data preloaded",
}
MARK_COLUMNS = (
    ("interpreter", "interpreter"),
    ("imported", "imported"),
    ("show_board", "shown"),
    ("painted", "painted"),
    ("show_board_fresh", "fresh"),
)


class CacheHomes:
    """``XDG_CACHE_HOME`` per run: a new empty one (cold), or the one shared primed one (warm)."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.count = 0
        self.warm = base / "warm"

    def cold(self) -> dict[str, str]:
        self.count += 1
        path = self.base / f"cold-{self.count}"
        path.mkdir(parents=True)
        return {"XDG_CACHE_HOME": str(path)}

    def primed(self) -> dict[str, str]:
        return {"XDG_CACHE_HOME": str(self.warm)}

    def is_primed(self) -> bool:
        return any((self.warm / "dslp-tui").glob("*-board.json"))


def measure(
    mode: str, runs: int, demo: Path, env: dict[str, str], snapshot: Path, homes: CacheHomes
) -> dict[str, list[dict]]:
    """``runs`` reports per app. The warm-up run of ``dslp-warm`` is what primes its cache."""
    dslp = child_code("dslp")
    setups = {
        "bare": (child_code("bare"), [], lambda: {**env, **homes.cold()}),
        "dslp-cold": (dslp, [str(demo)], lambda: {**env, **homes.cold()}),
        "dslp-warm": (dslp, [str(demo)], lambda: {**env, **homes.primed()}),
        "dslp-preloaded": (dslp, [str(demo)], lambda: {**env, **homes.cold(), "BENCH_SNAPSHOT": str(snapshot)}),
    }
    results: dict[str, list[dict]] = {name: [] for name in APPS}
    for name in APPS:  # warm-up: page cache and bytecode (and the warm board cache)
        code, args, extra = setups[name]
        # The board is saved once git is read too (branch states fill in after the issues).
        primed = homes.is_primed if name == "dslp-warm" else lambda: True
        warm_up_env = {**extra(), "BENCH_PRIME": "1"} if name == "dslp-warm" else extra()
        run_child(code, args, mode=mode, marker=MARKER, extra_env=warm_up_env, quit_when=primed)
    if not homes.is_primed():
        raise RuntimeError(f"the warm-up run left no board cache in {homes.warm}")
    for index in range(runs):
        order = APPS if index % 2 == 0 else APPS[::-1]
        for name in order:
            code, args, extra = setups[name]
            report = run_child(code, args, mode=mode, marker=MARKER, extra_env=extra())
            cached = report["marks"].get("first_board_cached")
            if name == "dslp-warm" and not cached:
                raise RuntimeError("a warm start did not paint the cached board first")
            if name in ("dslp-cold", "dslp-preloaded") and cached:
                raise RuntimeError(f"a {name} start painted a cached board")
            results[name].append(report)
    return results


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f}"


def median_mark(reports: list[dict], name: str) -> float | None:
    values = [r["marks"][name] for r in reports if name in r["marks"]]
    return statistics.median(values) if values else None


def print_mode(mode: str, results: dict[str, list[dict]]) -> dict[str, float]:
    """Print one mode's table; return the ratios to bare of dslp-cold and dslp-warm."""
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
            f"  {TITLES[name]:<42}{ms(median):>6} ({ms(min(values))})  {ratio:<11}"
            f" runs: {' '.join(ms(v) for v in values)}"
        )
    ratios: dict[str, float] = {}
    for name in ("dslp-cold", "dslp-warm"):
        ratios[name] = statistics.median(elapsed[name]) / base
        verdict = "ok" if ratios[name] <= TARGET_RATIO else "MISSED"
        # The same ratio taken within each round (runs seconds apart), then the median: less
        # sensitive to the machine speeding up or slowing down between rounds. Not the verdict.
        paired = statistics.median(d / b for d, b in zip(elapsed[name], elapsed["bare"], strict=True))
        print(
            f"  ratio {name}/bare {ratios[name]:.2f}x (target <= {TARGET_RATIO}x: {verdict}); "
            f"per round, median {paired:.2f}x"
        )
    cpu = {name: [r["cpu"] for r in results[name] if r.get("cpu") is not None] for name in APPS}
    if all(len(values) == runs for values in cpu.values()):
        bare_cpu = statistics.median(cpu["bare"])
        cells = ", ".join(
            f"{name} {ms(statistics.median(cpu[name]))}"
            + (f" ({statistics.median(cpu[name]) / bare_cpu:.2f}x)" if name != "bare" else "")
            for name in APPS
        )
        print(f"  CPU time of the process until then (medians, ms; steadier than wall time on a busy machine): {cells}")
        for name in ("dslp-cold", "dslp-warm"):
            ratios[f"{name} (cpu)"] = statistics.median(cpu[name]) / bare_cpu
    warm = results["dslp-warm"]
    print(
        f"  warm starts that painted the cached board first: {sum(bool(r['marks'].get('first_board_cached')) for r in warm)}"
        f" of {len(warm)}; GitPython imported by then: {sum(bool(r['marks'].get('gitpython_at_paint')) for r in warm)}"
        f" of {len(warm)} (cold: {sum(bool(r['marks'].get('gitpython_at_paint')) for r in results['dslp-cold'])}"
        f" of {len(results['dslp-cold'])})"
    )
    header = "".join(f"{label:>12}" for _, label in MARK_COLUMNS)
    print(f"  where the time goes (medians, ms since spawn):{header}")
    for name in APPS:
        cells = "".join(f"{ms(median_mark(results[name], m)):>12}" for m, _ in MARK_COLUMNS)
        print(f"    {name:<44}{cells}")
    print(
        "    (shown: the first show_board; painted: headless only; fresh: the board read from the repository"
        " was shown - for warm starts, only if it came before q)"
    )
    return ratios


def print_modules(results: dict[str, list[dict]]) -> None:
    cold, bare = results["dslp-cold"][-1], results["bare"][-1]
    tops = lambda modules: {m.split(".")[0] for m in modules}  # noqa: E731
    at_paint = sorted(tops(cold["marks"].get("heavy_at_paint", [])))
    by_exit = sorted(tops(cold["modules"]) & set(HEAVY))
    extra = Counter(m.split(".")[0] for m in set(cold["modules"]) - set(bare["modules"]))
    print("\n== modules and memory (dslp-tui on the demo)")
    print(
        "  modules loaded when the board is shown: "
        + ", ".join(f"{name} {results[name][-1]['marks'].get('n_modules_at_paint')}" for name in APPS)
    )
    print(
        f"  heavy modules ({', '.join(HEAVY)}) when shown (cold): {', '.join(at_paint) or 'none'}; by exit: {', '.join(by_exit) or 'none'}"
    )
    print(f"  needed and present (cold, by exit): {', '.join(p for p in EXPECTED if p in tops(cold['modules']))}")
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
    ratios: dict[str, dict[str, float]] = {}
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
        print("board cache: cold runs get a new empty XDG_CACHE_HOME each; warm runs share one primed by their warm-up")
        last: dict[str, list[dict]] = {}
        for mode in ("pty", "headless") if options.mode == "both" else (options.mode,):
            homes = CacheHomes(Path(tmp) / f"cache-{mode}")
            last = measure(mode, options.runs, demo, env, snapshot, homes)
            ratios[mode] = print_mode(mode, last)
        print_modules(last)
    print("\n== summary (figure / target)")
    for mode, by_app in ratios.items():
        for name, ratio in by_app.items():
            verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
            print(
                f"  {mode:<9} {name + '/bare':<15} {ratio:.2f}x   target <= {TARGET_RATIO}x   {ratio / TARGET_RATIO:.2f}  {verdict}"
            )
    print(f"  benchmark took {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
