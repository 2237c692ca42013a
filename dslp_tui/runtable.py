"""The runs table without Textual: its columns, each cell's text and sort value, the best run, compare.

``dslp-tui runs N`` prints it and the board's runs screen draws it, so both show the same
thing. Columns are the ones Azure ML studio shows (Run, Created, Duration, Status, Compute
target, Run type), then the metrics (the primary one first), then the params. Users of
``dvc exp show`` drown in columns, so by default only the params whose values differ between
the runs are shown; a person may choose any others.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dslp_tui.board import Board, Row
from dslp_tui.config import Config, MetricGoal
from dslp_tui.model import Run
from dslp_tui.report import duration_seconds
from dslp_tui.rollup import ask_runs, best_run

MISSING = "—"


@dataclass(frozen=True)
class IssueRuns:
    """One issue's runs and the goal that picks the best of them."""

    row: Row
    runs: tuple[Run, ...]
    goal: MetricGoal


def issue_runs(board: Board, number: int, config: Config) -> IssueRuns | None:
    """Issue ``number``'s runs (an Ask: its own and all its children's), None when it is not on the board.

    The goal is the Ask's own (``[runs.asks."N"]``) for an Ask and its children, else ``[runs]``.
    """
    row = board.row(number)
    if row is None:
        return None
    ask = next((g.ask.number for g in board.groups if g.ask and (g.ask is row or row in g.rows())), None)
    runs = ask_runs(row, board.children_of(row.number)) if ask == row.number else row.runs
    return IssueRuns(row, tuple(runs), config.goal(ask))


@dataclass(frozen=True)
class Column:
    """One column: ``id`` is unique (``status``, ``metric:r2``, ``param:alpha``), ``label`` its heading."""

    id: str
    label: str
    kind: str = "fixed"  # "fixed", "metric" or "param"

    @property
    def name(self) -> str:
        """The metric's or param's own name (a fixed column's id)."""
        return self.id.partition(":")[2] if self.kind != "fixed" else self.id


FIXED: tuple[Column, ...] = (
    Column("run", "Run"),
    Column("created", "Created"),
    Column("duration", "Duration"),
    Column("status", "Status"),
    Column("compute", "Compute target"),
    Column("run_type", "Run type"),
)


def metric_column(name: str) -> Column:
    return Column(f"metric:{name}", name, "metric")


def param_column(name: str) -> Column:
    return Column(f"param:{name}", name, "param")


def metric_names(runs: Iterable[Run], goal: MetricGoal) -> list[str]:
    """Every metric any run logged, the primary metric first, then by name."""
    return sorted({k for r in runs for k in r.metrics}, key=lambda k: (k != goal.metric, k))


def param_names(runs: Iterable[Run]) -> list[str]:
    return sorted({k for r in runs for k in r.params})


def differing_params(runs: Sequence[Run]) -> list[str]:
    """The params whose value is not the same in every run (a run without it counts as different)."""
    return [k for k in param_names(runs) if len({r.params.get(k) for r in runs}) > 1]


def all_columns(runs: Sequence[Run], goal: MetricGoal) -> list[Column]:
    """Every column a person can choose from, in display order."""
    return [
        *FIXED,
        *(metric_column(k) for k in metric_names(runs, goal)),
        *(param_column(k) for k in param_names(runs)),
    ]


def default_columns(runs: Sequence[Run], goal: MetricGoal) -> list[Column]:
    """The fixed columns no run leaves blank (Compute target and Run type are, on MLflow: at 80
    columns they pushed the metrics off the table), every metric, and only the params that differ."""
    differing = set(differing_params(runs))
    blank = set(blank_columns(FIXED, runs)) if runs else set()
    return [
        c
        for c in all_columns(runs, goal)
        if (c.kind != "param" or c.name in differing) and not (c.kind == "fixed" and c in blank)
    ]


def blank_columns(columns: Iterable[Column], runs: Sequence[Run]) -> list[Column]:
    """The columns no run has a value in (Compute target and Run type, on MLflow)."""
    return [c for c in columns if all(sort_value(r, c) is None for r in runs)]


# --- cells -------------------------------------------------------------------------------------


def cell(run: Run, column: Column) -> str:
    """What one cell shows (``—`` for nothing). Outside text: the caller must not treat it as markup."""
    if column.kind == "metric":
        value = run.metrics.get(column.name)
        return MISSING if value is None else format_number(value)
    if column.kind == "param":
        return run.params.get(column.name, MISSING)
    if column.id == "run":
        return run.name or run.id[:8]
    if column.id == "created":
        return created_text(run.started_at)
    if column.id == "duration":
        return duration_text(run)
    text = {"status": run.status, "compute": run.compute, "run_type": run.run_type}[column.id]
    return text or MISSING


def format_number(value: float) -> str:
    return f"{value:.4g}"


def created_text(stamp: float) -> str:
    return dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y-%m-%d %H:%M") if stamp else MISSING


def duration_text(run: Run) -> str:
    seconds = duration_seconds(run)
    if seconds is None:
        return "running" if run.status == "RUNNING" else MISSING
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def sort_value(run: Run, column: Column) -> tuple[int, float | str] | None:
    """What a column sorts by: numbers as numbers (before any text), None when the run has no value."""
    if column.kind == "metric":
        raw: object = run.metrics.get(column.name)
    elif column.kind == "param":
        raw = run.params.get(column.name)
    elif column.id == "run":
        raw = run.name or run.id
    elif column.id == "created":
        raw = run.started_at or None
    elif column.id == "duration":
        raw = duration_seconds(run)
    else:
        raw = {"status": run.status, "compute": run.compute, "run_type": run.run_type}[column.id]
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            number = float(raw)  # a param "0.1" sorts as a number
        except ValueError:
            return (1, raw.casefold())
    else:
        number = float(raw)  # type: ignore[arg-type]  # a metric, a time or a duration: numbers
    return None if math.isnan(number) else (0, number)


def sort_runs(runs: Iterable[Run], column: Column, reverse: bool = False) -> list[Run]:
    """Runs sorted by ``column``; runs without a value come last either way."""
    runs = list(runs)
    valued = [r for r in runs if sort_value(r, column) is not None]
    missing = [r for r in runs if sort_value(r, column) is None]
    valued.sort(key=lambda r: sort_value(r, column), reverse=reverse)  # type: ignore[arg-type, return-value]
    return valued + missing


# --- the table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableRow:
    run: Run
    cells: tuple[str, ...]
    best: bool


@dataclass(frozen=True)
class RunTable:
    columns: tuple[Column, ...]
    rows: tuple[TableRow, ...]
    best: Run | None


def build_table(
    runs: Sequence[Run],
    goal: MetricGoal,
    columns: Sequence[Column] | None = None,
    sort: Column | None = None,
    reverse: bool = False,
) -> RunTable:
    """The rows to draw: ``columns`` (default: :func:`default_columns`), newest first unless sorted."""
    chosen = tuple(columns if columns is not None else default_columns(runs, goal))
    ordered = sort_runs(runs, sort, reverse) if sort is not None else sorted(runs, key=lambda r: -r.started_at)
    best = best_run(runs, goal)
    rows = tuple(
        TableRow(run, tuple(cell(run, c) for c in chosen), best is not None and run.id == best.id) for run in ordered
    )
    return RunTable(chosen, rows, best)


# --- compare -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompareRow:
    """One metric or param across the compared runs; ``changed`` when its values are not all equal.

    ``deltas`` (metrics only) are each run's difference from the first run, None where either
    has no value.
    """

    column: Column
    values: tuple[str, ...]
    changed: bool
    deltas: tuple[float | None, ...] = ()


def compare(runs: Sequence[Run], goal: MetricGoal) -> list[CompareRow]:
    """Metrics (the primary first), then params, as rows; runs as columns, in the order given."""
    rows = []
    for name in metric_names(runs, goal):
        raw = [r.metrics.get(name) for r in runs]
        first = raw[0] if raw else None
        deltas = tuple(None if v is None or first is None else v - first for v in raw)
        values = tuple(MISSING if v is None else format_number(v) for v in raw)
        rows.append(CompareRow(metric_column(name), values, len(set(raw)) > 1, deltas))
    for name in param_names(runs):
        raw_params = [r.params.get(name) for r in runs]
        values = tuple(MISSING if v is None else v for v in raw_params)
        rows.append(CompareRow(param_column(name), values, len(set(raw_params)) > 1))
    return rows


def run_label(run: Run) -> str:
    return run.name or run.id[:8]
