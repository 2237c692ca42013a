"""Keystroke latency while runs load: j/k held on the 2,000-issue board, runs on vs off.

Issue #9 asks for proof that first paint and keystroke latency are unchanged while the
runs load. The app reads runs in a child process (``runs_process.py``), started once the
board is painted, so MLflow's import and the store's listing do not hold the board's GIL;
this script measures that against the former way (a thread worker in the board's process,
``app.runs_in_child = False``) and against runs off, in one run.

Builds the board of ``bench/board_scale.py`` (2,000 issues, 300 DSLP branches), then a real
MLflow sqlite store in the repository with ``--runs`` finished runs spread over those
branches (``bench/runs.py``'s ``log_runs``: params, three metrics, one run in 20 linked by
commit only). Then, in fresh child processes (each with an empty board cache, as the board
benchmark's app figures), alternating:

* runs on: ``dslp.toml`` points ``[runs] tracking_uri`` at the store (runs read by a child process);
* runs thread: the same store, runs read by a thread of the board's process (before the change);
* runs off: ``[runs] source = "none"``.

In each child, as soon as the first board is painted, j is held (30 keys/s, ``--keys``
presses), then k, with the board benchmark's method (``board_scale.keys_open_loop``: keys
posted on a wall-clock schedule, latency from the scheduled moment to the first composed and
encoded frame showing the cursor move). Reported: p95 and max over every held key, each
against the 50 ms target, and runs-on against runs-off; for runs on, also the keys sent
while the runs were loading (from the read starting to the board
redrawn with the runs, ``on_runs_loaded``); and whether MLflow had been imported when the
first board was painted.

    python bench/runs_latency.py [--runs 5000] [--children 3] [--keys 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(BENCH.parent))

import board_scale  # noqa: E402  (bench/ is on the path only now)

TARGET_MS = board_scale.TARGETS["keystroke_p95_ms"]
SETTINGS = ("on", "thread", "off")  # runs read in a child process (the default), in a thread, or not at all
SPACING = 1 / 30  # holding a key: 30 keys a second, as the board benchmark


async def measure_child(root: Path, keys: int, in_process: bool = False) -> dict:
    """In a fresh process: first paint, then j and k held; timings of the runs worker."""
    import dslp_tui.app as app_module
    import dslp_tui.workspace as workspace_module
    from dslp_tui.screens.board import BoardScreen

    out: dict = {"load_runs": [], "runs_loaded": []}
    shown: list[float] = []
    first_paint = asyncio.Event()
    show_board = BoardScreen.show_board

    def timed_show_board(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        show_board(self, *args, **kwargs)
        shown.append(time.perf_counter())
        if len(shown) == 1:

            def painted() -> None:
                out["painted_at"] = time.perf_counter()
                out["mlflow_at_paint"] = any(m == "mlflow" or m.startswith("mlflow.") for m in sys.modules)
                first_paint.set()

            self.call_after_refresh(painted)

    from dslp_tui.runs_process import ChildRuns

    reader_runs = ChildRuns.runs  # the app's default: the runs are read by a child process

    def timed_reader_runs(self, branches):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        result = reader_runs(self, branches)
        out["load_runs"].append((began, time.perf_counter(), len(result)))
        return result

    load_runs = workspace_module.Workspace.load_runs  # in this process (--in-process)

    def timed_load_runs(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        result = load_runs(self, *args, **kwargs)
        out["load_runs"].append((began, time.perf_counter(), len(result)))
        return result

    on_runs_loaded = app_module.DslpApp.on_runs_loaded

    def timed_on_runs_loaded(self, message):  # type: ignore[no-untyped-def]
        on_runs_loaded(self, message)
        self.call_after_refresh(lambda: out["runs_loaded"].append(time.perf_counter()))

    BoardScreen.show_board = timed_show_board
    workspace_module.Workspace.load_runs = timed_load_runs
    ChildRuns.runs = timed_reader_runs
    app_module.DslpApp.on_runs_loaded = timed_on_runs_loaded

    started = time.perf_counter()
    app = app_module.build_app(root)
    app.runs_in_child = not in_process
    async with app.run_test(size=board_scale.SIZE) as pilot:
        await asyncio.wait_for(first_paint.wait(), 60)
        tree = app.screen.query_one("#board")
        field = app.screen.query_one("#filter")
        frames = board_scale.FrameLog(app, tree, [], field)
        sent: list[float] = []  # each key's scheduled moment (as keys_open_loop schedules them)
        latencies: list[float] = []
        for key in ("j", "k"):
            line = tree.cursor_line
            count = min(keys, tree.last_line - line if key == "j" else line)
            begin = time.perf_counter() + 0.05
            held, _ = await board_scale.keys_open_loop(app, frames, tree, key, count, SPACING)
            sent += [begin + i * SPACING for i in range(len(held))]
            latencies += held
        await pilot.pause(0.2)
        if app.config.runs_source != "none":  # wait for the runs, so a child that missed them says so
            deadline = time.perf_counter() + 60
            while not out["runs_loaded"] and time.perf_counter() < deadline:
                await asyncio.sleep(0.05)
        out["first_paint_s"] = out["painted_at"] - started
        out["keys"] = [(when - out["painted_at"], ms * 1000) for when, ms in zip(sent, latencies, strict=True)]
        out["load_runs"] = [(a - out["painted_at"], b - out["painted_at"], n) for a, b, n in out["load_runs"]]
        out["runs_loaded"] = [t - out["painted_at"] for t in out["runs_loaded"]]
        out["first_board_cached"] = app.cached_at is not None
        out["mlflow_at_end"] = any(m == "mlflow" or m.startswith("mlflow.") for m in sys.modules)
    return out


def run_child(root: Path, keys: int, cache_home: Path, in_process: bool = False) -> dict:
    fd, report = tempfile.mkstemp(prefix="bench-runs-latency-", suffix=".json")
    os.close(fd)
    env = {k: v for k, v in os.environ.items() if k not in ("TEXTUAL", "MLFLOW_TRACKING_URI")}
    env["XDG_CACHE_HOME"] = str(cache_home)
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(root), report, "--keys", str(keys)]
            + (["--in-process"] if in_process else []),
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        text = Path(report).read_text()
        if done.returncode or not text:
            raise RuntimeError(f"the child failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
        return json.loads(text)
    finally:
        os.unlink(report)


def branch_tips(root: Path) -> dict[str, str]:
    """Local DSLP branches (those with a prefix) → tip commit."""
    out = board_scale._git(root, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads")
    return {name: tip for name, tip in (line.split() for line in out.splitlines()) if "/" in name}


def configure(root: Path, store: Path | None) -> None:
    if store is None:
        text = '[runs]\nsource = "none"\n'
    else:
        text = f'[runs]\nsource = "mlflow"\ntracking_uri = "sqlite:///{store}"\n'
    (root / "dslp.toml").write_text(text)


def summary(values: list[float]) -> str:
    if not values:
        return "no keys"
    p95 = board_scale.percentile(values, 0.95)
    return (
        f"p95 {p95:5.1f} ms ({p95 / TARGET_MS:.2f} of the {TARGET_MS:g} ms target), max {max(values):5.1f} ms, "
        f"p50 {board_scale.percentile(values, 0.5):4.1f} ms (n={len(values)})"
    )


def report_runs_on(setting: str, results: list[dict], off_all: list[float], count: int) -> None:
    """Held-key latency for one runs-on setting, whole and while the runs were loading, against runs off."""
    on_all = [ms for r in results for _, ms in r["keys"]]
    loading: list[float] = []
    windows = []
    for r in results:
        if not r["load_runs"] or not r["runs_loaded"]:
            raise RuntimeError(f"a runs-{setting} start never loaded its runs")
        began, ended, runs = r["load_runs"][0]
        shown = r["runs_loaded"][0]
        windows.append((began, ended, shown, runs))
        loading += [ms for when, ms in r["keys"] if began <= when <= shown]
    where = "a child process (the default)" if setting == "on" else "a thread of the board's process (before)"
    print(f"  runs on ({count} runs) read by {where}:")
    print(f"    every held key:                   {summary(on_all)}")
    print(f"    keys sent while the runs loaded:  {summary(loading)}")
    for name, fraction in (("p95", 0.95), ("max", 1.0)):
        off = board_scale.percentile(off_all, fraction)
        on = board_scale.percentile(on_all, fraction)
        during = board_scale.percentile(loading, fraction) if loading else float("nan")
        print(
            f"    {name}: on/off {on / off:.2f}x; while loading/off {during / off:.2f}x; "
            f"target {TARGET_MS:g} ms: off {off / TARGET_MS:.2f}, on {on / TARGET_MS:.2f}, loading {during / TARGET_MS:.2f}"
        )
    print("    per start, seconds after the first paint: runs read start -> end -> board with runs shown")
    for began, ended, shown, runs in windows:
        print(f"      {began:.2f} -> {ended:.2f} -> {shown:.2f} ({runs} runs)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000, help="MLflow runs in the store (default 5000)")
    parser.add_argument("--children", type=int, default=3, help="app starts per setting (default 3)")
    parser.add_argument("--keys", type=int, default=100, help="j presses, then as many k, per start (default 100)")
    parser.add_argument("--child", nargs=2, metavar=("ROOT", "REPORT"), help=argparse.SUPPRESS)
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        root, report = options.child
        Path(report).write_text(json.dumps(asyncio.run(measure_child(Path(root), options.keys, options.in_process))))
        return 0

    started = time.perf_counter()
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    with tempfile.TemporaryDirectory(prefix="dslp-runs-latency-") as tmp:
        base = Path(tmp)
        root = base / "big-project"
        plan = board_scale.generate(root)
        tips = branch_tips(root)
        store = base / "mlflow.db"  # outside the work tree: the runs' store is not the project's files
        import runs as runs_bench

        began = time.perf_counter()
        runs_bench.log_runs(f"sqlite:///{store}", tips, options.runs)
        print(
            f"setup: {len(plan.issues)} issues, {len(tips)} local DSLP branches; {options.runs} MLflow runs over them "
            f"logged in {time.perf_counter() - began:.0f} s"
        )
        results: dict[str, list[dict]] = {setting: [] for setting in SETTINGS}
        for number in range(options.children + 1):  # the first round warms the page and bytecode caches
            for setting in SETTINGS:
                configure(root, store if setting != "off" else None)
                home = base / f"cache-{setting}-{number}"
                home.mkdir()
                figures = run_child(root, options.keys, home, in_process=setting == "thread")
                if number:
                    results[setting].append(figures)

    off_all = [ms for r in results["off"] for _, ms in r["keys"]]
    print(f"\n== j/k held (30 keys/s) from the first paint, {options.children} starts each, no board cache")
    print(f"  runs off ([runs] source = none):                     {summary(off_all)}")
    for setting in ("on", "thread"):
        report_runs_on(setting, results[setting], off_all, options.runs)
    print("\n== first paint (build_app -> board painted)")
    for setting in SETTINGS:
        paints = [r["first_paint_s"] * 1000 for r in results[setting]]
        mlflow = [r["mlflow_at_paint"] for r in results[setting]]
        at_end = [r["mlflow_at_end"] for r in results[setting]]
        cached = [r["first_board_cached"] for r in results[setting]]
        print(
            f"  runs {setting:>6}: median {statistics.median(paints):.0f} ms ({board_scale.ms_list(paints)}); "
            f"MLflow in the board's process at paint: {mlflow}, at the end: {at_end}; board cache used: {cached}"
        )
    print(f"\nbenchmark took {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
