"""Which issue a run belongs to: the dslp.issue tag, else its recorded branch, else its commit."""

from __future__ import annotations

import pytest

from dslp_tui.config import Config, MetricGoal
from dslp_tui.model import Run
from dslp_tui.rollup import best_run, summarize
from dslp_tui.runlink import commits_to_place, issue_from_tag, link_runs

PREFIXES = Config().prefixes
A = "a" * 40
B = "b" * 40


def run(id: str, branch: str = "", commit: str = "", issue: int | None = None, **kw) -> Run:
    return Run(id=id, name=id, branch=branch, status=kw.pop("status", "FINISHED"), commit=commit, issue=issue, **kw)


@pytest.mark.parametrize(
    ("value", "issue"),
    [("12", 12), ("#12", 12), (" 7 ", 7), ("0", None), ("x12", None), ("", None), (None, None), ("9" * 12, None)],
)
def test_the_issue_tag(value, issue) -> None:
    assert issue_from_tag(value) == issue


def test_tag_beats_branch_beats_commit() -> None:
    runs = [
        run("tagged", "experiment/2-ridge", A, issue=9),
        run("branch", "experiment/2-ridge", A),
        run("feature", "14-fix-loader"),
        run("commit", "", A),
        run("elsewhere", "main", B),  # not a DSLP branch: its commit decides
        run("nothing"),
    ]
    assert commits_to_place(runs, PREFIXES) == {A, B}
    linked = link_runs(runs, PREFIXES, {A: {"experiment/3-lasso"}, B: {"experiment/3-lasso", "model/4-churn"}})
    assert [(r.id, r.issue, r.branch) for r in linked] == [
        ("tagged", 9, "experiment/2-ridge"),
        ("branch", 2, "experiment/2-ridge"),
        ("feature", 14, "14-fix-loader"),
        ("commit", 3, "experiment/3-lasso"),
        ("elsewhere", None, "main"),  # two issues' branches hold it: unlinked, not guessed
        ("nothing", None, ""),
    ]


def test_a_commit_in_one_issues_local_and_remote_branches_links() -> None:
    linked = link_runs([run("r", commit=A)], PREFIXES, {A: {"experiment/3-lasso", "experiment/3-lasso-v2"}})
    assert linked[0].issue == 3


def test_best_run_by_direction_skips_failed_and_missing_values() -> None:
    runs = [
        run("low", metrics={"rmse": 3.0}, started_at=1),
        run("high", metrics={"rmse": 5.0}, started_at=2),
        run("crashed", metrics={"rmse": 1.0}, status="FAILED"),
        run("killed", metrics={"rmse": 0.5}, status="KILLED"),
        run("nan", metrics={"rmse": float("nan")}),
        run("other", metrics={"r2": 0.9}),
    ]
    assert best_run(runs, MetricGoal("rmse", "min")).id == "low"
    assert best_run(runs, MetricGoal("rmse", "max")).id == "high"
    assert best_run(runs, MetricGoal("", "max")) is None
    summary = summarize(runs, MetricGoal("rmse", "min", 4.0))
    assert (summary.count, summary.value, summary.meets) == (6, 3.0, True)
    assert summarize(runs, MetricGoal("rmse", "min", 2.0)).meets is False
    assert summarize(runs, MetricGoal("rmse", "min")).meets is None
