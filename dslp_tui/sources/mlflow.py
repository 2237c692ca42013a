"""Runs from MLflow, read through MLflow's own client, read-only.

Imported only when runs are loaded (``import mlflow`` costs about half a second). Reading
never creates anything: a sqlite store or a local directory that does not exist yet means
"no runs", and :class:`MlflowRunSource` does not even build a client then (MLflow's
``MlflowClient`` creates the database file as soon as it is constructed). A relative store
path is taken from the repository root, not the current directory, so every subdirectory
sees the same runs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Iterator
from pathlib import Path
from urllib.parse import urlparse

from dslp_tui.model import MetricPoint, Run
from dslp_tui.runlink import BRANCH_TAG, COMMIT_TAG, ISSUE_TAG, issue_from_tag
from dslp_tui.runs import RunsError
from dslp_tui.text import one_line

DEFAULT_URI = "sqlite:///mlflow.db"  # MLflow's own default, at the repository root
PAGE = 1000  # runs per search_runs page


def resolve_tracking_uri(configured: str, root: Path) -> str:
    """``[runs] tracking_uri``, else ``MLFLOW_TRACKING_URI``, else MLflow's default; local paths made absolute."""
    uri = configured or os.environ.get("MLFLOW_TRACKING_URI", "") or DEFAULT_URI
    if uri.startswith("sqlite:///"):
        path = uri[len("sqlite:///") :]
        path, sep, query = path.partition("?")
        if path and not Path(path).is_absolute():
            return f"sqlite:///{root / path}{sep}{query}"
        return uri
    scheme = urlparse(uri).scheme
    if not scheme or (len(scheme) == 1 and os.name == "nt"):  # a plain path: MLflow's file store
        return str(root / uri) if not Path(uri).is_absolute() else uri
    if scheme == "file":
        path = urlparse(uri).path
        return uri if Path(path).is_absolute() else str(root / path)
    return uri


def local_store(uri: str) -> Path | None:
    """The file or directory a local store lives in (None: a server or another remote store)."""
    if uri.startswith("sqlite:///"):
        path = uri[len("sqlite:///") :].partition("?")[0]
        return Path(path) if path and path != ":memory:" else None
    scheme = urlparse(uri).scheme
    if not scheme:
        return Path(uri)
    if scheme == "file":
        return Path(urlparse(uri).path)
    return None


def quiet_mlflow() -> None:
    """No INFO lines from MLflow or alembic on our stderr (MLflow sets its levels when imported)."""
    for noisy in ("mlflow", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class MlflowRunSource:
    """A :class:`~dslp_tui.runs.RunSource` (and ModelRegistry) over one MLflow tracking store."""

    def __init__(self, tracking_uri: str, experiments: Collection[str] = ()) -> None:
        self.uri = tracking_uri
        self.experiments = tuple(experiments)
        self.name = f"MLflow {one_line(tracking_uri)}"
        self._client = None

    def exists(self) -> bool:
        """Whether there is a store to read (a local one that was never written is not there)."""
        path = local_store(self.uri)
        return path is None or path.exists()

    def client(self):
        if self._client is None:
            with _as_runs_error(self.uri):
                from mlflow.tracking import MlflowClient

                quiet_mlflow()

                self._client = MlflowClient(tracking_uri=self.uri)
        return self._client

    def list_runs(self, branches: Collection[str] = ()) -> list[Run]:
        """Every run of the configured experiments, newest first.

        ``branches`` is not used as a server filter: a run links to its issue by a tag, its
        branch (also one deleted since) or its commit, so all runs are read and
        :mod:`dslp_tui.runlink` decides.
        """
        if not self.exists():
            return []
        with _as_runs_error(self.uri):
            experiments = self._experiments()
            if not experiments:
                return []
            names = {e.experiment_id: e.name for e in experiments}
            return [self._run(run, names) for run in self._search(list(names))]

    def _experiments(self) -> list:
        client = self.client()
        if self.experiments:
            found = (client.get_experiment_by_name(name) for name in self.experiments)
            return [e for e in found if e is not None]
        experiments, token = [], None
        while True:
            page = client.search_experiments(max_results=PAGE, page_token=token)
            experiments.extend(page)
            token = page.token
            if not token:
                return experiments

    def _search(self, experiment_ids: list[str]) -> Iterator:
        token = None
        while True:
            page = self.client().search_runs(
                experiment_ids, max_results=PAGE, page_token=token, order_by=["attributes.start_time DESC"]
            )
            yield from page
            token = page.token
            if not token:
                return

    def _run(self, run, experiments: dict[str, str]) -> Run:
        return run_from_mlflow(run, experiments, self.run_url(run.info.experiment_id, run.info.run_id))

    def run_url(self, experiment_id: str, run_id: str) -> str:
        """The MLflow UI's page for a run, where the store is a server (a local file has none)."""
        if urlparse(self.uri).scheme not in ("http", "https"):
            return ""
        return f"{self.uri.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"

    def metric_history(self, run_id: str, key: str) -> list[MetricPoint]:
        if not self.exists():
            return []
        with _as_runs_error(self.uri):
            points = self.client().get_metric_history(run_id, key)
        return [MetricPoint(key, p.value, p.step, p.timestamp / 1000) for p in sorted(points, key=lambda p: p.step)]

    def register_model(self, run_id: str, name: str) -> str:
        """Register ``runs:/<run_id>/model`` under ``name`` (creating the registered model if new)."""
        with _as_runs_error(self.uri):
            from mlflow.exceptions import MlflowException

            client = self.client()
            try:
                client.get_registered_model(name)
            except MlflowException:
                client.create_registered_model(name)
            version = client.create_model_version(name, source=f"runs:/{run_id}/model", run_id=run_id)
        return str(version.version)


def run_from_mlflow(run, experiments: dict[str, str] | None = None, url: str = "") -> Run:
    """An MLflow run (``mlflow.entities.Run``) as a :class:`Run`; shared with the AzureML source."""
    info, data = run.info, run.data
    tags = data.tags
    return Run(
        id=info.run_id,
        name=info.run_name or info.run_id,
        branch=tags.get(BRANCH_TAG, ""),
        status=info.status,
        metrics={key: float(value) for key, value in data.metrics.items()},
        started_at=(info.start_time or 0) / 1000,
        ended_at=info.end_time / 1000 if info.end_time else None,
        experiment=(experiments or {}).get(info.experiment_id, info.experiment_id),
        commit=tags.get(COMMIT_TAG, ""),
        issue=issue_from_tag(tags.get(ISSUE_TAG)),
        params=dict(data.params),
        url=url,
    )


class _as_runs_error:
    """Any failure inside MLflow (or its store) as one :class:`RunsError` line naming the store."""

    def __init__(self, uri: str) -> None:
        self.uri = uri

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, traceback) -> None:
        if error is None or isinstance(error, RunsError) or not isinstance(error, Exception):
            return
        if isinstance(error, ImportError):
            message = f'MLflow is not installed ({error}); reinstall dslp-tui, or set [runs] source = "none"'
        else:
            first = next((line for line in str(error).splitlines() if line.strip()), type(error).__name__)
            message = f"cannot read runs from MLflow at {self.uri}: {first[:300]}"
        raise RunsError(one_line(message)) from error
