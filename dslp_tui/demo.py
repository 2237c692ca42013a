"""``dslp-tui demo``: a small but realistic DSLP project to try the board on.

A git repository with history on ``main`` and DSLP branches in every state (merged, kept,
pushed, local only, ahead and behind), a bare "origin" kept inside its ``.git`` so the demo
is self-contained, and issues along the whole happy path: two Asks, Data, Explore, three
Experiments with different outcomes and a Model. Dates are fixed so the demo always looks
the same (snapshot tests rely on that).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from dslp_tui.errors import EXIT_USAGE, DslpError
from dslp_tui.model import IssueDraft

START = 1772442000.0  # 2026-03-02 09:00 UTC
AUTHOR = ("Dana Demo", "dana@example.com")


class DemoError(DslpError):
    exit_status = EXIT_USAGE


class _Clock:
    """Fixed, advancing timestamps: one hour per event."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        self.now += 3600
        return self.now


def create_demo(path: Path | None = None) -> Path:
    """Create the demo at ``path`` (default: a new temporary directory) and return its root.

    An existing demo at ``path`` is reused as it is; any other non-empty directory is refused.
    """
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="dslp-demo-")) / "churn-model"
    path = path.resolve()
    if _prepare(path):
        return path
    clock = _Clock()
    git = _Git(path, clock)
    try:
        _build(path, git, clock)
        (path / ".git" / "dslp" / "demo").write_text("created by dslp-tui demo\n", encoding="utf-8")
    except OSError as error:  # git missing, the disk full: say so in one line
        reason = (error.strerror or type(error).__name__).lower()
        what = f" ({error.filename})" if error.filename else ""
        raise DemoError(f"cannot create the demo at {path}: {reason}{what}") from None
    return path


def _prepare(path: Path) -> bool:
    """Make ``path`` an empty directory to build in; True when a demo is already there.

    Every way it can fail is one :class:`DemoError` naming the place and what to do.
    """
    try:
        blocker = next((p for p in (path, *path.parents) if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise DemoError(f"{blocker} is a file, not a directory; choose another --path")
        if path.is_dir() and any(path.iterdir()):
            if (path / ".git" / "dslp" / "demo").exists():
                return True
            raise DemoError(f"{path} exists and is not empty; choose a new --path")
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".dslp-demo-probe"
        probe.touch()
        probe.unlink()
    except OSError as error:
        reason = (error.strerror or type(error).__name__).lower()
        raise DemoError(f"cannot create the demo at {path}: {reason}; choose another --path") from None
    return False


class _Git:
    def __init__(self, root: Path, clock: _Clock) -> None:
        self.root = root
        self.clock = clock

    def __call__(self, *args: str, cwd: Path | None = None) -> str:
        stamp = f"@{int(self.clock.now)} +0000"
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": AUTHOR[0],
            "GIT_AUTHOR_EMAIL": AUTHOR[1],
            "GIT_COMMITTER_NAME": AUTHOR[0],
            "GIT_COMMITTER_EMAIL": AUTHOR[1],
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_DATE": stamp,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
        }
        done = subprocess.run(
            ["git", *args], cwd=cwd or self.root, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise DemoError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def commit(self, files: dict[str, str], message: str) -> None:
        self.clock()
        for name, content in files.items():
            target = self.root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        self("add", *files)
        self("commit", "-q", "-m", message)


ASK_CHURN = {
    "Problem Statement": "### Desired Outcome\n\nKnow which customers are likely to leave next quarter, early "
    "enough for the retention team to call them.\n\n### Current State\n\nThe retention team calls the "
    "customers with the highest spend; about a third of those who leave were never called.",
    "Success Criteria": "### Impact\n\nCut churn among called customers by 10%.\n\n### Metrics\n\n"
    "- r2 on held-out quarter ≥ 0.70\n- precision@500 ≥ 0.40\n\n### Constraints\n\nScores ready by 6am daily.",
    "Solution Architecture": "Daily batch scoring on the CRM extract; scores written back to the CRM.",
}


def _build(root: Path, git: _Git, clock: _Clock) -> None:
    from dslp_tui.workspace import Workspace

    git("init", "-q", "-b", "main")
    git("config", "user.name", AUTHOR[0])
    git("config", "user.email", AUTHOR[1])
    git("config", "commit.gpgsign", "false")
    origin = root / ".git" / "dslp-demo-origin.git"
    git("init", "-q", "--bare", str(origin))
    git("remote", "add", "origin", str(origin))

    git.commit(
        {
            "README.md": "# churn-model\n\nPredict customer churn.\n",
            ".gitignore": "mlflow.db\n",
            "dslp.toml": DEMO_TOML,
        },
        "Start the project",
    )
    git.commit({"src/churn/__init__.py": '"""Churn prediction."""\n'}, "Add the churn package")
    git("push", "-q", "-u", "origin", "main")

    ws = Workspace.open(root, clock=clock)
    tracker = ws.tracker

    def new(template: str, title: str, parent: int | None = None, **sections: str) -> int:
        return ws.create_issue(IssueDraft(template=template, title=title, sections=sections, parent=parent)).number

    ask = ws.create_issue(IssueDraft(template="ask", title="Reduce customer churn", sections=ASK_CHURN)).number
    crm = new(
        "data",
        "CRM",
        ask,
        **{
            "Dataset Description": "Customers, contracts and calls.",
            "Source system": "CRM nightly extract (Postgres).",
        },
    )
    feats = new(
        "data-creation",
        "churn features",
        ask,
        **{"Dataset Name": "churn-features v1", "Parent Sources": f"#{crm} CRM dataset"},
    )
    tenure = new("explore", "Churn by tenure", ask, Overview="Does churn depend on how long customers stay?")
    gbm = new(
        "experiment",
        "Gradient boosting baseline",
        ask,
        Description="Gradient boosting on the CRM features.",
        Metrics="r2 on the held-out quarter",
    )
    logit = new("experiment", "Logistic regression baseline", ask, Description="A linear baseline.")
    deep = new("experiment", "Deep tabular network", ask, Description="TabNet on the same features.")
    model = ws.create_issue(
        IssueDraft(
            template="model", title="churn", sections={"Description": "Daily batch scoring."}, parent=ask, based_on=gbm
        )
    ).number
    demand = ws.create_issue(IssueDraft(template="ask", title="Forecast weekly demand")).number
    new("explore", "Seasonality in weekly orders", demand, Overview="Look for weekly and yearly cycles.")
    prophet = new("experiment", "Prophet baseline", demand, Description="Prophet per store.")
    from dslp_tui.process import render_body, template

    tracker.create_issue(
        IssueDraft(template="data", title="Get store locations Dataset"),
        labels=(ws.config.label("data"),),
        body=render_body(template("data"), {"Dataset Description": "Store addresses; not linked to an Ask yet."}),
    )

    # data/2: merged into main and closed.
    git("checkout", "-q", "-b", ws.branch_for(tracker.get_issue(crm)))
    git.commit({"pipelines/crm.py": "def load():\n    return 'crm'\n"}, f"Load the CRM extract (#{crm})")
    git.commit({"tests/test_crm.py": "def test_load():\n    assert True\n"}, f"Test the CRM load (#{crm})")
    git("push", "-q", "-u", "origin", "HEAD")
    git("checkout", "-q", "main")
    git("merge", "-q", "--no-ff", "-m", f"Merge data branch (#{crm})", "-")
    git("push", "-q", "origin", "main")
    tracker.update_issue(crm, state="closed")

    # explore/4: kept, never merged; closed with a TL;DR.
    git("checkout", "-q", "-b", ws.branch_for(tracker.get_issue(tenure)))
    git.commit({"notebooks/tenure.md": "# Churn by tenure\n"}, f"Explore churn by tenure (#{tenure})")
    git("push", "-q", "-u", "origin", "HEAD")
    tracker.comment(tenure, "TL;DR: churn is highest in the first 90 days; tenure is a strong feature.")
    tracker.update_issue(tenure, state="closed")

    # experiments: succeeded (pushed), failed (kept), open (local only).
    for number, files, status in (
        (gbm, {"src/churn/gbm.py": "MODEL = 'gbm'\n", "src/churn/features.py": "FEATURES = []\n"}, "succeeded"),
        (logit, {"src/churn/logit.py": "MODEL = 'logit'\n"}, "failed"),
        (deep, {"src/churn/deep.py": "MODEL = 'tabnet'\n"}, None),
    ):
        git("checkout", "-q", "main")
        git("checkout", "-q", "-b", ws.branch_for(tracker.get_issue(number)))
        for name, content in files.items():
            git.commit({name: content}, f"Add {name} (#{number})")
        if number != deep:
            git("push", "-q", "-u", "origin", "HEAD")
        if status:
            tracker.set_labels(number, add=(ws.config.label(status),))
    tracker.comment(logit, "TL;DR: r2 0.61 on the held-out quarter; the relationships are not linear.")
    tracker.update_issue(logit, state="closed")
    tracker.set_labels(prophet, add=(ws.config.label("on_hold"),))

    # data/3 under way, pushed, one more local commit; main moves on after the experiments forked.
    git("checkout", "-q", "main")
    git.commit({"README.md": "# churn-model\n\nPredict customer churn. See the Ask, #1.\n"}, "Link the Ask")
    git("push", "-q", "origin", "main")
    git("checkout", "-q", "-b", ws.branch_for(tracker.get_issue(feats)))
    git.commit({"pipelines/features.py": "FEATURES = ['tenure']\n"}, f"Build churn features (#{feats})")
    git("push", "-q", "-u", "origin", "HEAD")
    git.commit({"pipelines/features.py": "FEATURES = ['tenure', 'calls']\n"}, f"Add call features (#{feats})")

    # model/8 from main.
    git("checkout", "-q", "main")
    git("checkout", "-q", "-b", ws.branch_for(tracker.get_issue(model)))
    git.commit({"src/churn/score.py": "def score(rows):\n    return []\n"}, f"Scoring entry point (#{model})")
    git("push", "-q", "-u", "origin", "HEAD")
    git("checkout", "-q", "main")

    _log_runs(
        root, git, clock, {number: ws.branch_for(tracker.get_issue(number)) for number in (gbm, logit, deep, model)}
    )


DEMO_TOML = """# dslp-tui settings for the demo (see dslp-tui's own dslp.toml for every key)
[runs]
primary_metric = "r2"
direction = "max"

# The churn Ask's success criterion: r2 on the held-out quarter >= 0.70.
[runs.asks."1"]
threshold = 0.70
"""

# (run name, params, final r2, status): r2 climbs towards its final value over the steps.
DEMO_RUNS: dict[int, list[tuple[str, dict[str, str], float, str]]] = {
    0: [
        ("gbm-lr0.1", {"model": "gbm", "learning_rate": "0.1", "max_depth": "6"}, 0.742, "FINISHED"),
        ("gbm-lr0.3", {"model": "gbm", "learning_rate": "0.3", "max_depth": "6"}, 0.718, "FINISHED"),
        ("gbm-depth10", {"model": "gbm", "learning_rate": "0.1", "max_depth": "10"}, 0.731, "FINISHED"),
    ],
    1: [
        ("logit-l2", {"model": "logit", "penalty": "l2", "C": "1.0"}, 0.612, "FINISHED"),
        ("logit-l1", {"model": "logit", "penalty": "l1", "C": "0.5"}, 0.598, "FINISHED"),
    ],
    2: [
        ("tabnet-small", {"model": "tabnet", "width": "16", "epochs": "20"}, 0.693, "FINISHED"),
        ("tabnet-large", {"model": "tabnet", "width": "64", "epochs": "20"}, 0.655, "FAILED"),  # ran out of memory
    ],
    3: [("score-holdout", {"model": "gbm", "learning_rate": "0.1", "max_depth": "6"}, 0.739, "FINISHED")],
}
STEPS = 10


def _log_runs(root: Path, git: _Git, clock: _Clock, branches: dict[int, str]) -> None:
    """Real MLflow runs in ``mlflow.db`` (MLflow's default store), tagged as MLflow tags a git run.

    Through MLflow's client, not ``mlflow.start_run``: the fluent API tags a run with the git
    state of the script that runs it, which here is dslp-tui itself, not the demo.
    """
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    from dslp_tui.sources.mlflow import quiet_mlflow

    quiet_mlflow()

    client = MlflowClient(f"sqlite:///{root / 'mlflow.db'}")
    experiment = client.create_experiment("churn", artifact_location=(root / "mlruns").as_uri())
    for index, branch in enumerate(branches.values()):
        commit = git("rev-parse", branch).strip()
        for name, params, final, status in DEMO_RUNS[index]:
            start = clock()
            tags = {
                "mlflow.source.git.branch": branch,
                "mlflow.source.git.commit": commit,
                "mlflow.source.name": "train.py",
                "mlflow.source.type": "LOCAL",
                "mlflow.user": "dana",
            }
            run = client.create_run(experiment, start_time=int(start * 1000), tags=tags, run_name=name)
            steps = STEPS // 2 if status == "FAILED" else STEPS
            metrics = [
                Metric(key, value, int((start + 60 * step) * 1000), step)
                for step in range(steps)
                for key, value in (
                    ("r2", final if step == STEPS - 1 else round(final * (1 - 0.5 ** (step + 1)), 4)),
                    ("rmse", round(20 * (1.05 - final) + 8 * 0.6**step, 3)),
                )
            ]
            client.log_batch(run.info.run_id, metrics=metrics, params=[Param(k, v) for k, v in params.items()])
            client.set_terminated(run.info.run_id, status, end_time=int((start + 60 * steps) * 1000))
