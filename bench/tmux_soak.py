"""Run the terminal (tmux) tests many times in a row under CPU load; print pass/fail counts.

Not part of the suite: the tmux tests must pass every time on a loaded machine, and this is
how that is checked. Two busy-loop processes run beside the tests for the whole soak.

    .venv/bin/python bench/tmux_soak.py [--runs 20] [--busy 2] [-- extra pytest args]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--busy", type=int, default=2, help="busy-loop processes beside the tests")
    parser.add_argument("pytest_args", nargs="*", default=["tests/test_terminal.py"])
    args = parser.parse_args()
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    passed = failed = 0
    try:
        for run in range(1, args.runs + 1):
            started = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args.pytest_args],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            ok = done.returncode == 0
            passed += ok
            failed += not ok
            last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
            print(f"run {run:2d}: {'pass' if ok else 'FAIL'} in {time.monotonic() - started:5.1f}s  {last}", flush=True)
            if not ok:
                print(done.stdout[-4000:], flush=True)
    finally:
        for process in busy:
            process.kill()
            process.wait()
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
