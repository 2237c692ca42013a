"""Where experiment runs come from: the protocol every run source implements, and its capabilities.

No source is implemented yet; this fixes the shape MLflow and AzureML sources will fill, so
the board and the cache do not change when they arrive. Why this shape:

* The board joins runs to issues by **branch** (and commit), the way it joins pull requests:
  DSLP work for issue N happens on N's branch, and both MLflow (``mlflow.source.git.branch``
  and ``mlflow.source.git.commit`` tags) and AzureML (the job's git properties, or tags)
  record where a run's code came from. So a source is asked for the runs of the board's
  branches, which it can filter on the server, not for everything ever logged.
* A :class:`~dslp_tui.model.Run` carries what both can say: id, name, experiment, status,
  start/end, params, latest metric values, the compute target and job type (AzureML) and a
  link. Metric histories can be long, so they are a separate call (:meth:`RunSource.metric_history`).
* What only some backends do is a capability protocol, checked with ``isinstance`` like the
  trackers' (see ``tracker.py``): registering a model from a run (:class:`ModelRegistry`).

Sources must keep their clients (mlflow, azure-ai-ml) off the start-up path: import them
when the source is built, never at module level here.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol, runtime_checkable

from dslp_tui.errors import DslpError
from dslp_tui.model import MetricPoint, Run

__all__ = ["MetricPoint", "ModelRegistry", "Run", "RunSource", "RunsAccess", "RunsError", "RunsStopped"]


@runtime_checkable
class RunSource(Protocol):
    """Runs logged by a tracking server; methods block (the app calls them from workers)."""

    name: str  # shown in the status bar: "MLflow sqlite:///mlflow.db", "AzureML workspace"

    def list_runs(self, branches: Collection[str]) -> list[Run]:
        """At least the runs made on any of ``branches``, newest first.

        A source may return more (MLflow returns every run of its experiments): a run links to
        its issue by tag, branch (also a deleted one) or commit, see :mod:`dslp_tui.runlink`.
        """
        ...

    def metric_history(self, run_id: str, key: str) -> list[MetricPoint]:
        """Every logged value of one metric of one run, in step order."""
        ...


@runtime_checkable
class ModelRegistry(Protocol):
    """A run source that can register a run's model (MLflow Model Registry, AzureML models)."""

    def register_model(self, run_id: str, name: str) -> str:
        """Register the model logged by ``run_id`` under ``name``; returns the new version."""
        ...


class RunsError(DslpError):
    """Runs could not be read (a store that cannot be opened, a server that refuses)."""


class RunsStopped(RunsError):
    """A read was stopped on purpose (a newer one replaced it, its screen closed, the app quit): no failure to show."""


class RunsAccess(Protocol):
    """How the app and the CLI read runs, wherever that happens.

    In this process (:class:`~dslp_tui.workspace.InProcessRuns`: the CLI, which is not
    interactive) or in a child process per call (:class:`~dslp_tui.runs_process.ChildRuns`:
    the board, whose process must never import MLflow or azure-ai-ml). Methods block.
    """

    def runs(self, branches: Collection[str]) -> tuple[Run, ...]:
        """The runs of ``branches``, each linked to its issue (see ``runlink.py``)."""
        ...

    def metric_history(self, run_id: str, key: str) -> list[MetricPoint]:
        """Every logged value of one metric of one run (nothing when runs are off)."""
        ...

    def registry(self) -> ModelRegistry | None:
        """What registers a run's model, or None: the run source cannot (or runs are off)."""
        ...

    def stop(self) -> None:
        """End every call still running where it can (a child process: it then raises
        :class:`RunsStopped`); later calls raise RunsStopped at once."""
        ...
