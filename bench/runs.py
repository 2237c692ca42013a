"""Runs benchmark: 5,000 MLflow runs over 200 DSLP branches, on the board vs a plain listing.

Builds, in a temporary directory, a git repository with 200 experiment branches (one commit
each, written with one ``git fast-import``) and a real MLflow sqlite store with 5,000
finished runs spread over them (params, three metrics), logged through ``MlflowClient``.
One run in 20 has no branch tag, only its commit (as from a detached HEAD), so linking by
commit is exercised too.

Then measures, in this process after one warm-up of each (MLflow imported, the store open):

* baseline: listing every run with a plain ``MlflowClient.search_runs`` over all
  experiments, paged (``max_results``/``page_token``), as a script would;
* dslp-tui: runs on the board: ``Workspace.load_runs`` (the same listing through
  ``MlflowRunSource``, turned into ``Run`` records, linked to issues, the commits placed by
  git) plus the board's join and the roll-ups (``build_board`` and ``rollup.summaries``).

Both the client and the workspace are opened once, before timing, as the app keeps them.
The ratio of the medians is the headline (target: ≤ 1.2×). Run: ``python bench/runs.py``
(``--runs``, ``--branches`` and ``--repeat`` change the size). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))


def make_repo(root: Path, branches: int) -> dict[str, str]:
    """A repository with ``branches`` experiment branches; returns branch → tip commit."""
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=env)
    lines = [
        "commit refs/heads/main",
        "mark :1",
        "committer Bench <b@example.com> 1700000000 +0000",
        "data 5",
        "init",
        "",
    ]
    for i in range(branches):
        name = f"experiment/{i + 1}-approach-{i + 1}"
        lines += [
            f"commit refs/heads/{name}",
            f"mark :{i + 2}",
            f"committer Bench <b@example.com> {1700000100 + i} +0000",
        ]
        message = f"work on #{i + 1}"
        lines += [f"data {len(message)}", message, "from :1", f"M 644 inline f{i}.txt", "data 2", "x", ""]
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=root, input="\n".join(lines) + "\n", text=True, check=True, env=env
    )
    subprocess.run(["git", "checkout", "-q", "main"], cwd=root, check=True, env=env)
    out = subprocess.run(
        ["git", "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/experiment"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    return dict(line.split() for line in out.splitlines())


def log_runs(uri: str, tips: dict[str, str], count: int) -> None:
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    from dslp_tui.sources.mlflow import quiet_mlflow

    quiet_mlflow()
    client = MlflowClient(uri)
    experiment = client.create_experiment("bench")
    branches = sorted(tips)
    start = 1700000000000
    for i in range(count):
        branch = branches[i % len(branches)]
        tags = {"mlflow.source.git.commit": tips[branch]}
        if i % 20:
            tags["mlflow.source.git.branch"] = branch
        run = client.create_run(experiment, start_time=start + i * 1000, tags=tags, run_name=f"run-{i}")
        metrics = [
            Metric(k, (i * 7919 % 1000) / 1000 + d, start + i * 1000, 0)
            for k, d in (("auc", 0), ("loss", 1), ("f1", 0.1))
        ]
        params = [Param("seed", str(i % 5)), Param("depth", str(i % 9))]
        client.log_batch(run.info.run_id, metrics=metrics, params=params)
        client.set_terminated(run.info.run_id, "FINISHED", end_time=start + i * 1000 + 60000)
        if i and i % 1000 == 0:
            print(f"  logged {i} runs", flush=True)


def plain_listing(client) -> int:
    ids = [e.experiment_id for e in client.search_experiments()]
    total, token = 0, None
    while True:
        page = client.search_runs(ids, max_results=1000, page_token=token)
        total += len(page)
        token = page.token
        if not token:
            return total


def on_the_board(workspace) -> int:
    from dslp_tui.board import build_board
    from dslp_tui.model import Snapshot
    from dslp_tui.rollup import summaries

    runs = workspace.load_runs(Snapshot(issues=()))
    board = build_board(Snapshot(issues=(), runs=runs), workspace.config)
    summaries(board, workspace.config)
    return len(runs)


def timed(function, *args) -> tuple[float, int]:
    began = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - began, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--branches", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dslp-bench-runs-") as tmp:
        root = Path(tmp) / "repo"
        os.environ.pop("MLFLOW_TRACKING_URI", None)
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")
        began = time.perf_counter()
        tips = make_repo(root, args.branches)
        uri = f"sqlite:///{root / 'mlflow.db'}"
        log_runs(uri, tips, args.runs)
        print(f"setup: {args.runs} runs over {args.branches} branches in {time.perf_counter() - began:.1f} s")
        from mlflow.tracking import MlflowClient

        from dslp_tui.workspace import Workspace

        client, workspace = MlflowClient(uri), Workspace.open(root)  # each opened once, as an app would
        plain_listing(client), on_the_board(workspace)  # warm-up: imports, the store's first open
        plain, board = [], []
        for _ in range(args.repeat):
            seconds, listed = timed(plain_listing, client)
            plain.append(seconds)
            seconds, linked = timed(on_the_board, workspace)
            board.append(seconds)
        assert listed == linked == args.runs, (listed, linked)
        base, ours = statistics.median(plain), statistics.median(board)
        print(
            f"plain MlflowClient.search_runs: median {base * 1000:.0f} ms ({', '.join(f'{s * 1000:.0f}' for s in plain)})"
        )
        print(
            f"runs on the board:              median {ours * 1000:.0f} ms ({', '.join(f'{s * 1000:.0f}' for s in board)})"
        )
        verdict = "met" if ours / base <= 1.2 else "missed"
        print(f"ratio: {ours / base:.2f}x (target <= 1.2x: {verdict})")


if __name__ == "__main__":
    main()
