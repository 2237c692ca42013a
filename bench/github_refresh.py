"""How many HTTP requests a GitHub refresh costs: 1,000 DSLP issues and 200 pull requests.

Runs the real GitHubTracker (PyGithub over HTTP) against the test suite's GitHub emulator on
127.0.0.1 and prints the counts next to their targets:

- first refresh (nothing cached): at most 15 requests;
- refresh when nothing changed, from a new process reading the cache: every request
  conditional, every answer 304, no rate limit used;
- refresh after one issue changed: what it costs.

    python bench/github_refresh.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from dslp_tui.process import Kind  # noqa: E402
from dslp_tui.sources import github as github_source  # noqa: E402
from dslp_tui.sources.github import GitHubTracker  # noqa: E402

from github_emulator import GitHubEmulator  # noqa: E402

ISSUES, PULLS = 1000, 200
KINDS = ["Ask", "Data", "Explore", "Experiment", "Model"]


def refresh(emulator: GitHubEmulator, cache: Path) -> tuple[int, int, int, float]:
    """A refresh as a new process does it: returns (requests, 304s, counted, seconds)."""
    emulator.reset_log()
    started = time.perf_counter()
    tracker = GitHubTracker("acme/churn-model", emulator.token, emulator.base_url, {k.value: k for k in Kind}, cache)
    issues, pulls = tracker.list_issues(), tracker.pull_requests()
    elapsed = time.perf_counter() - started
    assert len(issues) >= ISSUES and len(pulls) == PULLS, (len(issues), len(pulls))
    not_modified = sum(1 for r in emulator.requests if r.status == 304)
    return len(emulator.requests), not_modified, emulator.count(counted=True), elapsed


def main() -> None:
    github_source.CLIENT_OPTIONS["seconds_between_writes"] = None
    with GitHubEmulator() as emulator, tempfile.TemporaryDirectory() as tmp:
        for n in range(ISSUES):
            emulator.add_issue(f"work {n}", labels=[KINDS[n % len(KINDS)]])
        for n in range(PULLS):
            emulator.add_pull(f"experiment/{n}-x", title=f"pr {n}")
        cache = Path(tmp) / "pages.json"
        first = refresh(emulator, cache)
        second = refresh(emulator, cache)
        emulator.advance_time(60)
        emulator.add_issue("fresh work", labels=["Explore"])
        changed = refresh(emulator, cache)
        emulator.assert_no_violations()
    print(f"GitHub refresh, {ISSUES} DSLP issues + {PULLS} pull requests (emulator on 127.0.0.1)")
    print(f"  first refresh:      {first[0]:3d} requests   target <= 15   ratio {first[0] / 15:.2f}   {first[3]:.2f}s")
    print(
        f"  nothing changed:    {second[0]:3d} requests, {second[1]} answered 304, "
        f"{second[2]} counted against the rate limit   target: all 304, 0 counted"
    )
    print(f"  one issue changed:  {changed[0]:3d} requests, {changed[2]} counted")


if __name__ == "__main__":
    main()
