"""Run the terminal (tmux) tests many times in a row under CPU load; print pass/fail counts.

Not part of the suite: the tmux tests must pass every time on a loaded machine, and this is
how that is checked. Two busy-loop processes run beside the tests for the whole soak.

    .venv/bin/python bench/tmux_soak.py [--runs 20] [--busy 2] [--keep DIR] [-- extra pytest args]

A failing run is kept for diagnosis in ``DIR/run-NN/``: ``pytest.log`` (the whole output)
and, per test, the transcript of what it sent and every screen it saw (tests/test_terminal.py
writes them there through ``DSLP_TMUX_TRANSCRIPTS``). The failing tests' assertions are printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--busy", type=int, default=2, help="busy-loop processes beside the tests")
    parser.add_argument("--keep", type=Path, default=Path("/tmp/tmux-soak"), help="where failing runs are kept")
    parser.add_argument("pytest_args", nargs="*", default=["tests/test_terminal.py"])
    args = parser.parse_args()
    keep = args.keep / time.strftime("%Y%m%d-%H%M%S")
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    passed = failed = 0
    print(f"soak: {args.runs} runs, {args.busy} busy loops, load {_load()}; failing runs kept in {keep}", flush=True)
    try:
        for run in range(1, args.runs + 1):
            folder = keep / f"run-{run:02d}"
            folder.mkdir(parents=True)
            started = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE", *args.pytest_args],
                cwd=ROOT,
                capture_output=True,
                text=True,
                env={**os.environ, "DSLP_TMUX_TRANSCRIPTS": str(folder)},
            )
            ok = done.returncode == 0
            passed += ok
            failed += not ok
            last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
            took = time.monotonic() - started
            print(f"run {run:2d}: {'pass' if ok else 'FAIL'} in {took:5.1f}s  load {_load()}  {last}", flush=True)
            if ok:
                shutil.rmtree(folder)
            else:
                (folder / "pytest.log").write_text(done.stdout + done.stderr)
                for line in _assertions(done.stdout):
                    print(f"    {line}", flush=True)
                print(f"    kept in {folder}", flush=True)
    finally:
        for process in busy:
            process.kill()
            process.wait()
    print(f"{passed} passed, {failed} failed (load at the end {_load()})")
    return 0 if failed == 0 else 1


def _assertions(output: str) -> list[str]:
    """The failing tests' names and the first line of each assertion (pytest's ``E`` lines)."""
    lines = output.splitlines()
    failed = [line for line in lines if line.startswith(("FAILED ", "ERROR "))]
    return failed + [line for line in lines if line.startswith("E ")][:8]


def _load() -> str:
    """The one-minute load average: the soak's result means little without it."""
    return f"{os.getloadavg()[0]:.1f}"


if __name__ == "__main__":
    sys.exit(main())
