"""The runs table's logic, without Textual: columns, sorting (missing values last), the best run, compare."""

from __future__ import annotations

import math

from dslp_tui.config import MetricGoal
from dslp_tui.model import Run
from dslp_tui.runtable import (
    FIXED,
    all_columns,
    blank_columns,
    build_table,
    cell,
    compare,
    default_columns,
    metric_column,
    param_column,
    sort_runs,
)

GOAL = MetricGoal("r2", "max")


def run(name: str, r2: float | None, started: float, status: str = "FINISHED", **params: str) -> Run:
    metrics = {"rmse": 10 - started} if r2 is None else {"r2": r2, "rmse": 10 - started}
    return Run(
        id=f"id-{name}",
        name=name,
        branch="experiment/5-gbm",
        status=status,
        metrics=metrics,
        started_at=1772442000.0 + started,
        ended_at=1772442000.0 + started + 90,
        params={"model": "gbm", **params},
    )


RUNS = [
    run("lr0.1", 0.74, 1, learning_rate="0.1", max_depth="6"),
    run("lr0.3", 0.71, 2, learning_rate="0.3", max_depth="6"),
    run("depth10", None, 3, learning_rate="0.1", max_depth="10"),
    run("crash", 0.9, 4, status="FAILED", learning_rate="0.05", max_depth="6"),
]


def ids(columns) -> list[str]:
    return [c.id for c in columns]


def names(runs) -> list[str]:
    return [r.name for r in runs]


def test_default_columns_are_the_studio_ones_then_metrics_primary_first_then_params_that_differ() -> None:
    assert ids(default_columns(RUNS, GOAL)) == [
        *("run", "created", "duration", "status"),  # compute and run_type: blank in every run
        "metric:r2",
        "metric:rmse",
        "param:learning_rate",
        "param:max_depth",
    ]  # "model" is gbm in every run
    assert {"param:model", "compute", "run_type"} <= set(ids(all_columns(RUNS, GOAL)))  # still choosable
    # With rmse as the primary metric, it comes first.
    assert ids(default_columns(RUNS, MetricGoal("rmse", "min")))[4:6] == ["metric:rmse", "metric:r2"]


def test_a_studio_column_one_run_fills_is_shown() -> None:
    """On AzureML a job has a compute target: the column is there by default."""
    runs = [RUNS[0], Run(**{**RUNS[1].__dict__, "compute": "cpu-cluster"})]
    assert ids(default_columns(runs, GOAL))[:5] == ["run", "created", "duration", "status", "compute"]


def test_a_param_one_run_lacks_counts_as_differing() -> None:
    runs = [RUNS[0], Run(**{**RUNS[0].__dict__, "id": "x", "params": {"model": "gbm", "max_depth": "6"}})]
    assert ids(default_columns(runs, GOAL))[-1:] == ["param:learning_rate"]


def test_cells_show_each_value_or_a_dash() -> None:
    first, third = RUNS[0], RUNS[2]
    columns = {c.id: c for c in all_columns(RUNS, GOAL)}
    assert cell(first, columns["run"]) == "lr0.1"
    assert cell(first, columns["created"]) == "2026-03-02 09:00"
    assert cell(first, columns["duration"]) == "1m30s"
    assert cell(first, columns["compute"]) == "—"
    assert cell(first, columns["metric:r2"]) == "0.74"
    assert cell(third, columns["metric:r2"]) == "—"
    assert cell(third, columns["param:max_depth"]) == "10"


def test_blank_columns_are_the_ones_no_run_fills() -> None:
    assert ids(blank_columns(FIXED, RUNS)) == ["compute", "run_type"]


def test_sorting_by_any_column_puts_missing_values_last_both_ways() -> None:
    r2 = metric_column("r2")
    assert names(sort_runs(RUNS, r2)) == ["lr0.3", "lr0.1", "crash", "depth10"]
    assert names(sort_runs(RUNS, r2, reverse=True)) == ["crash", "lr0.1", "lr0.3", "depth10"]
    nan = Run(**{**RUNS[0].__dict__, "id": "nan", "name": "nan", "metrics": {"r2": math.nan}})
    assert names(sort_runs([nan, *RUNS], r2, reverse=True))[-2:] == ["nan", "depth10"]  # NaN is no value


def test_numeric_params_sort_as_numbers_and_text_by_name() -> None:
    assert names(sort_runs(RUNS, param_column("max_depth"))) == ["lr0.1", "lr0.3", "crash", "depth10"]  # 6 < 10
    assert names(sort_runs(RUNS, FIXED[0])) == ["crash", "depth10", "lr0.1", "lr0.3"]
    assert names(sort_runs(RUNS, FIXED[1], reverse=True)) == ["crash", "depth10", "lr0.3", "lr0.1"]


def test_the_table_is_newest_first_and_marks_the_best_run_never_a_failed_one() -> None:
    table = build_table(RUNS, GOAL)
    assert names(row.run for row in table.rows) == ["crash", "depth10", "lr0.3", "lr0.1"]
    assert [row.run.name for row in table.rows if row.best] == ["lr0.1"]  # crash has 0.9, but failed
    assert table.rows[-1].cells[:2] == ("lr0.1", "2026-03-02 09:00")
    sorted_table = build_table(RUNS, GOAL, [FIXED[0], metric_column("r2")], sort=metric_column("r2"), reverse=True)
    assert [row.cells for row in sorted_table.rows] == [
        ("crash", "0.9"),
        ("lr0.1", "0.74"),
        ("lr0.3", "0.71"),
        ("depth10", "—"),
    ]
    assert not any(row.best for row in build_table(RUNS, MetricGoal()).rows)  # no primary metric, no best


def test_compare_has_metrics_and_params_as_rows_with_changes_marked() -> None:
    rows = {row.column.id: row for row in compare([RUNS[0], RUNS[1]], GOAL)}
    assert list(rows) == ["metric:r2", "metric:rmse", "param:learning_rate", "param:max_depth", "param:model"]
    assert rows["param:learning_rate"].values == ("0.1", "0.3") and rows["param:learning_rate"].changed
    assert rows["param:max_depth"].values == ("6", "6") and not rows["param:max_depth"].changed
    assert not rows["param:model"].changed
    assert rows["metric:r2"].changed and rows["metric:r2"].values == ("0.74", "0.71")
    first, second = rows["metric:r2"].deltas
    assert first == 0 and math.isclose(second, -0.03)
    # A value one run lacks is a change, shown as a dash, with no delta.
    lacking = {row.column.id: row for row in compare([RUNS[0], RUNS[2]], GOAL)}["metric:r2"]
    assert lacking.changed and lacking.values == ("0.74", "—") and lacking.deltas == (0, None)
