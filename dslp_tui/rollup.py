"""Runs rolled up onto the board: each row's run count and best run, each Ask's best over its children.

Pure and Textual-free; the CLI prints it now, the board shows it later. The best run is the
one with the best value of the primary metric (``[runs] primary_metric`` and ``direction``,
or the Ask's own ``[runs.asks."N"]``) among runs that did not fail or get killed; an Ask's
row meets its criterion when that best value reaches the Ask's ``threshold``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from dslp_tui.board import Board, Row
from dslp_tui.config import Config, MetricGoal
from dslp_tui.model import Run

NOT_COUNTED = ("FAILED", "KILLED")  # their metrics may be half-way: never the best run


@dataclass(frozen=True)
class RunSummary:
    count: int
    goal: MetricGoal
    best: Run | None = None

    @property
    def value(self) -> float | None:
        return self.best.metrics.get(self.goal.metric) if self.best else None

    @property
    def meets(self) -> bool | None:
        """Whether the best value reaches the threshold (None: no threshold, or no value yet)."""
        if self.goal.threshold is None or self.value is None:
            return None
        if self.goal.direction == "min":
            return self.value <= self.goal.threshold
        return self.value >= self.goal.threshold


def best_run(runs: Iterable[Run], goal: MetricGoal) -> Run | None:
    """The run with the best primary metric value; ties go to the newest."""
    if not goal.metric:
        return None
    scored = [
        r
        for r in runs
        if r.status not in NOT_COUNTED
        and isinstance(r.metrics.get(goal.metric), (int, float))
        and not math.isnan(r.metrics[goal.metric])
    ]
    sign = -1 if goal.direction == "min" else 1
    return max(scored, key=lambda r: (sign * r.metrics[goal.metric], r.started_at), default=None)


def summarize(runs: Iterable[Run], goal: MetricGoal) -> RunSummary:
    runs = tuple(runs)
    return RunSummary(len(runs), goal, best_run(runs, goal))


def summaries(board: Board, config: Config) -> dict[int, RunSummary]:
    """A summary per issue on the board; an Ask's covers its own runs and all its children's."""
    result: dict[int, RunSummary] = {}
    for group in board.groups:
        ask = group.ask.number if group.ask else None
        goal = config.goal(ask)
        rows = group.rows()
        for row in rows:
            result[row.number] = summarize(row.runs, goal)
        if group.ask:
            result[group.ask.number] = summarize(ask_runs(group.ask, rows), goal)
    return result


def ask_runs(ask: Row, children: Iterable[Row]) -> tuple[Run, ...]:
    """The runs of an Ask's own branches and of every child's, once each."""
    seen: dict[str, Run] = {r.id: r for r in ask.runs}
    for row in children:
        for run in row.runs:
            seen.setdefault(run.id, run)
    return tuple(seen.values())
