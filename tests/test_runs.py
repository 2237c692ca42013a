"""The run shape every source fills survives the board cache, and sources are told by protocol."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from dslp_tui.cache import BoardCache
from dslp_tui.model import Issue, MetricPoint, Run, Snapshot
from dslp_tui.process import Kind
from dslp_tui.runs import ModelRegistry, RunSource

RUN = Run(
    id="9f2c",
    name="gbm-depth-6",
    branch="experiment/3-gradient-boosting",
    status="FINISHED",
    metrics={"r2": 0.71, "rmse": 12.5},
    started_at=1772442000.0,
    ended_at=1772445600.0,
    experiment="churn",
    commit="0123abcd",
    issue=3,
    params={"max_depth": "6"},
    compute="cpu-cluster",
    run_type="command",
    url="https://ml.example/runs/9f2c",
)


def test_a_full_run_round_trips_through_the_board_cache(tmp_path: Path) -> None:
    snapshot = Snapshot(issues=(Issue(3, "Gradient boosting", Kind.EXPERIMENT),), runs=(RUN,))
    BoardCache(tmp_path / "board.json").save(snapshot, 5.0)
    assert BoardCache(tmp_path / "board.json").load() == (snapshot, 5.0)


class ListedRuns:
    """The smallest source: a fixed list, filtered by branch as a real source filters on its server."""

    name = "fixed"

    def __init__(self, runs: list[Run]) -> None:
        self.runs = runs

    def list_runs(self, branches: Collection[str]) -> list[Run]:
        return [run for run in self.runs if run.branch in branches]

    def metric_history(self, run_id: str, key: str) -> list[MetricPoint]:
        return [MetricPoint(key, value, step) for step, value in enumerate((0.5, 0.71))]


def test_a_source_is_a_run_source_and_a_registry_only_if_it_registers() -> None:
    source = ListedRuns([RUN])
    assert isinstance(source, RunSource) and not isinstance(source, ModelRegistry)
    assert source.list_runs({"experiment/3-gradient-boosting"}) == [RUN]
    assert source.list_runs({"main"}) == []
    assert not isinstance(object(), RunSource)
