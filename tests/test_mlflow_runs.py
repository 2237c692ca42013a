"""MLflow runs end to end: real scripts log real runs on real DSLP branches, the board reads them back.

One repository per session (MLflow's store takes seconds to create): a training script
committed on ``main`` is run with ``python train.py`` on ``experiment/2-ridge``, on a detached
HEAD inside ``experiment/3-lasso``, on ``main`` with a ``dslp.issue`` tag and without one, and
on ``experiment/5-trees``, which is deleted afterwards. MLflow itself tags each run with the git
branch and commit (its default store, ``mlflow.db`` at the root, is used as is). Tests only read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from dslp_tui.board import build_board
from dslp_tui.cli import main
from dslp_tui.config import MetricGoal
from dslp_tui.model import IssueDraft
from dslp_tui.rollup import summaries
from dslp_tui.sources.mlflow import MlflowRunSource, resolve_tracking_uri
from dslp_tui.workspace import Workspace, with_runs

TRAIN = """
import json, sys
import mlflow

mlflow.set_experiment("churn")
for spec in json.loads(sys.argv[1]):
    with mlflow.start_run(run_name=spec["name"], tags=spec.get("tags")) as run:
        mlflow.log_params(spec["params"])
        for step, value in enumerate(spec["auc"]):
            mlflow.log_metric("auc", value, step=step)
        mlflow.log_metric("loss", 1 - spec["auc"][-1])
        if spec.get("fail"):
            mlflow.end_run("FAILED")
"""

DSLP_TOML = """[runs]
primary_metric = "auc"

[runs.asks."1"]
threshold = 0.8
"""


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "MLFLOW_"))}
    return {
        **env,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Tess Tester",
        "GIT_AUTHOR_EMAIL": "tess@example.com",
        "GIT_COMMITTER_NAME": "Tess Tester",
        "GIT_COMMITTER_EMAIL": "tess@example.com",
    }


@pytest.fixture(scope="session")
def mlflow_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("mlflow-home")
    env = _env(home)
    repo = tmp_path_factory.mktemp("mlflow") / "repo"
    repo.mkdir()

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout

    def commit(name: str, content: str) -> None:
        (repo / name).write_text(content, encoding="utf-8")
        git("add", name)
        git("commit", "-q", "-m", f"Add {name}")

    def train(*specs: dict) -> None:
        done = subprocess.run(
            [sys.executable, "train.py", json.dumps(specs)], cwd=repo, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr

    git("init", "-q", "-b", "main")
    git("config", "commit.gpgsign", "false")
    for name, content in (("train.py", TRAIN), ("dslp.toml", DSLP_TOML), (".gitignore", "mlflow.db\nmlruns/\n")):
        commit(name, content)
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        ws = Workspace.open(repo)
        ask = ws.create_issue(IssueDraft("ask", "Predict churn")).number
        for template, title in (
            ("experiment", "Ridge"),
            ("experiment", "Lasso"),
            ("model", "churn"),
            ("experiment", "Trees"),
        ):
            ws.create_issue(IssueDraft(template, title, parent=ask))

    git("checkout", "-q", "-b", "experiment/2-ridge")
    commit("ridge.py", "ALPHA = 1\n")
    train(
        {"name": "ridge-a0.1", "params": {"alpha": "0.1", "model": "ridge"}, "auc": [0.6, 0.7, 0.78]},
        {"name": "ridge-a1", "params": {"alpha": "1", "model": "ridge"}, "auc": [0.74]},
        {"name": "ridge-crash", "params": {"alpha": "9", "model": "ridge"}, "auc": [0.95], "fail": True},
    )
    git("checkout", "-q", "main")
    git("checkout", "-q", "-b", "experiment/3-lasso")
    commit("lasso.py", "L1 = True\n")
    git("checkout", "-q", "--detach", "HEAD")
    train({"name": "lasso-detached", "params": {"alpha": "0.5", "model": "lasso"}, "auc": [0.7]})
    git("checkout", "-q", "main")
    train(
        {"name": "tagged-model", "params": {"model": "gbm"}, "auc": [0.81], "tags": {"dslp.issue": "#4"}},
        {"name": "on-main", "params": {"model": "gbm"}, "auc": [0.99]},
    )
    git("checkout", "-q", "-b", "experiment/5-trees")
    train({"name": "trees", "params": {"model": "trees"}, "auc": [0.76]})
    git("checkout", "-q", "main")
    git("branch", "-q", "-D", "experiment/5-trees")
    return repo


@pytest.fixture
def workspace(mlflow_repo: Path) -> Workspace:
    return Workspace.open(mlflow_repo)


def by_name(runs) -> dict:
    return {run.name: run for run in runs}


def test_mlflow_tags_the_runs_and_each_links_to_its_issue(workspace: Workspace, mlflow_repo: Path) -> None:
    raw = by_name(workspace.run_source().list_runs(()))
    assert raw["ridge-a0.1"].branch == "experiment/2-ridge"  # MLflow's own tag
    assert raw["lasso-detached"].branch == ""  # detached HEAD: MLflow records no branch
    assert len(raw["lasso-detached"].commit) == 40
    runs = by_name(workspace.load_runs())
    assert {name: run.issue for name, run in runs.items()} == {
        "ridge-a0.1": 2,
        "ridge-a1": 2,
        "ridge-crash": 2,
        "lasso-detached": 3,  # its commit is in experiment/3-lasso only
        "tagged-model": 4,  # dslp.issue wins
        "on-main": None,  # main's commit is in two issues' branches: unlinked
        "trees": 5,  # the branch is deleted; its name still says #5
    }
    assert runs["lasso-detached"].branch == "experiment/3-lasso"
    ridge = runs["ridge-a0.1"]
    assert ridge.status == "FINISHED" and runs["ridge-crash"].status == "FAILED"
    assert ridge.metrics == {"auc": 0.78, "loss": pytest.approx(0.22)}
    assert ridge.params == {"alpha": "0.1", "model": "ridge"}
    assert ridge.experiment == "churn" and ridge.url == ""  # a local store has no web page
    assert ridge.ended_at is not None and ridge.ended_at >= ridge.started_at > 0


def test_metric_history_is_in_step_order(workspace: Workspace) -> None:
    ridge = by_name(workspace.load_runs())["ridge-a0.1"]
    history = workspace.run_source().metric_history(ridge.id, "auc")
    assert [(p.step, p.value) for p in history] == [(0, 0.6), (1, 0.7), (2, 0.78)]


def test_rollups_pick_the_best_run_per_issue_and_per_ask(workspace: Workspace) -> None:
    snapshot = with_runs(workspace.load(), workspace.load_runs())
    summary = summaries(build_board(snapshot, workspace.config), workspace.config)
    assert summary[2].count == 3 and summary[2].best.name == "ridge-a0.1"  # the failed 0.95 is not the best
    assert summary[3].best.name == "lasso-detached"
    assert summary[5].count == 1
    ask = summary[1]
    assert ask.count == 6  # every child's run, not the unlinked one
    assert (ask.best.name, ask.value, ask.goal, ask.meets) == (
        "tagged-model",
        0.81,
        MetricGoal("auc", "max", 0.8),
        True,
    )
    stricter = replace(workspace.config, ask_goals={1: MetricGoal("", "", 0.9)})
    assert summaries(build_board(snapshot, stricter), stricter)[1].meets is False


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_status_json_carries_runs(capsys, mlflow_repo: Path) -> None:
    status, out, err = run_cli(capsys, "--repo", str(mlflow_repo), "status", "--json")
    assert (status, err) == (0, "")
    data = json.loads(out)
    assert data["runs"] == {
        "source": f"MLflow sqlite:///{mlflow_repo / 'mlflow.db'}",
        "total": 7,
        "unlinked": 1,
        "error": None,
    }
    ask = data["asks"][0]
    assert (ask["runs"]["count"], ask["runs"]["best"]["name"], ask["runs"]["meets"]) == (6, "tagged-model", True)
    children = {child["number"]: child["runs"] for child in ask["children"]}
    assert children[2]["best"]["metrics"]["auc"] == 0.78
    assert children[2]["best"]["url"] == "" and children[2]["best"]["duration"] >= 0
    assert children[4]["count"] == 1


def test_runs_json_lists_an_issues_runs_newest_first(capsys, mlflow_repo: Path) -> None:
    status, out, _ = run_cli(capsys, "--repo", str(mlflow_repo), "runs", "2", "--json")
    assert status == 0
    data = json.loads(out)
    assert [run["name"] for run in data["runs"]] == ["ridge-crash", "ridge-a1", "ridge-a0.1"]
    assert (data["count"], data["metric"], data["best"]["name"], data["value"]) == (3, "auc", "ridge-a0.1", 0.78)


def test_show_json_carries_the_issues_runs(capsys, mlflow_repo: Path) -> None:
    status, out, _ = run_cli(capsys, "--repo", str(mlflow_repo), "show", "2", "--json")
    assert status == 0
    runs = json.loads(out)["runs"]
    assert (runs["count"], runs["best"]["name"], runs["value"]) == (3, "ridge-a0.1", 0.78)
    assert [run["name"] for run in runs["runs"]] == ["ridge-crash", "ridge-a1", "ridge-a0.1"]


def test_runs_table_shows_metrics_and_only_the_params_that_differ(capsys, mlflow_repo: Path) -> None:
    status, out, _ = run_cli(capsys, "--repo", str(mlflow_repo), "runs", "2")
    assert status == 0
    heading, header, *rows = out.splitlines()
    assert heading == "#2 Ridge · 3 runs · best auc 0.78 (ridge-a0.1) · misses ≥ 0.8"  # the Ask's criterion
    assert header.split() == ["run", "created", "duration", "status", "auc", "loss", "alpha"]  # "model" is the same
    assert rows[0].split()[0] == "ridge-crash" and "FAILED" in rows[0]


def test_runs_of_an_issue_not_on_the_board_fail(capsys, mlflow_repo: Path) -> None:
    status, _, err = run_cli(capsys, "--repo", str(mlflow_repo), "runs", "99")
    assert status == 1 and "#99 is not on the board" in err


def test_a_missing_store_is_no_runs_and_is_not_created(git_repo: Path, monkeypatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    (git_repo / "sub").mkdir()
    monkeypatch.chdir(git_repo / "sub")
    workspace = Workspace.open(git_repo / "sub")
    assert workspace.load_runs() == ()
    assert workspace.run_source().metric_history("0" * 32, "auc") == []
    assert not (git_repo / "mlflow.db").exists() and not (git_repo / "sub" / "mlflow.db").exists()
    assert not (git_repo / "sub" / "mlruns").exists()


def test_relative_stores_are_at_the_repository_root(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert resolve_tracking_uri("", tmp_path) == f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert resolve_tracking_uri("sqlite:///runs/m.db", tmp_path) == f"sqlite:///{tmp_path / 'runs/m.db'}"
    assert resolve_tracking_uri("sqlite:////abs/m.db", tmp_path) == "sqlite:////abs/m.db"
    assert resolve_tracking_uri("mlruns", tmp_path) == str(tmp_path / "mlruns")
    assert resolve_tracking_uri("http://127.0.0.1:5000", tmp_path) == "http://127.0.0.1:5000"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///env.db")
    assert resolve_tracking_uri("", tmp_path) == f"sqlite:///{tmp_path / 'env.db'}"
    assert resolve_tracking_uri("sqlite:///own.db", tmp_path) == f"sqlite:///{tmp_path / 'own.db'}"


def test_a_store_that_cannot_be_read_is_one_runs_error(tmp_path: Path) -> None:
    from dslp_tui.runs import RunsError

    broken = tmp_path / "mlflow.db"
    broken.write_text("not a database", encoding="utf-8")
    with pytest.raises(RunsError) as caught:
        MlflowRunSource(f"sqlite:///{broken}").list_runs(())
    message = str(caught.value)
    assert message.startswith(f"cannot read runs from MLflow at sqlite:///{broken}: ") and "\n" not in message


def test_the_demo_has_real_runs(demo: Path) -> None:
    workspace = Workspace.open(demo)
    runs = workspace.load_runs()
    assert len(runs) == 8 and all(run.issue is not None for run in runs)
    assert sum(run.status == "FAILED" for run in runs) == 1
    snapshot = with_runs(workspace.load(), runs)
    summary = summaries(build_board(snapshot, workspace.config), workspace.config)
    assert (summary[1].best.name, summary[1].value, summary[1].meets) == ("gbm-lr0.1", 0.742, True)
    best = summary[5].best
    history = workspace.run_source().metric_history(best.id, "r2")
    assert len(history) == 10 and history[-1].value == 0.742 and history[0].value < history[-1].value
