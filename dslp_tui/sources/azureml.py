"""Runs from an Azure Machine Learning workspace: jobs through azure-ai-ml, metrics through MLflow.

Needs ``pip install "dslp-tui[azure]"``. Why it reads two services: azure-ai-ml's jobs carry what
AzureML knows (status, compute target, job type, studio link, the git branch and commit the job
was submitted from) but no metrics; Microsoft's guidance for SDK v2 is to read metrics with MLflow
at the workspace's ``mlflow_tracking_uri``. An AzureML job's name is its MLflow run id, so the two
join on it. Credentials come from ``DefaultAzureCredential`` (``az login``, a managed identity on a
compute instance, ``AZURE_*`` environment variables); nothing here stores or prints a token.

azure-ai-ml and MLflow are imported when first used, never at module level: both are slow to import
and the board must start without them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from dslp_tui.model import MetricPoint, Run
from dslp_tui.runlink import ISSUE_TAG, issue_from_tag
from dslp_tui.runs import RunsError
from dslp_tui.text import one_line

if TYPE_CHECKING:
    from dslp_tui.config import Config

BRANCH_KEY = "mlflow.source.git.branch"
COMMIT_KEY = "mlflow.source.git.commit"
INSTALL_HINT = 'AzureML runs need the azure extra: pip install "dslp-tui[azure]"'

# AzureML job statuses → MLflow's words, which Run.status uses.
_STATUS = {
    "NotStarted": "SCHEDULED",
    "Scheduled": "SCHEDULED",
    "Queued": "SCHEDULED",
    "Preparing": "SCHEDULED",
    "Provisioning": "SCHEDULED",
    "Starting": "SCHEDULED",
    "Paused": "SCHEDULED",
    "Running": "RUNNING",
    "Finalizing": "RUNNING",
    "CancelRequested": "RUNNING",
    "NotResponding": "RUNNING",
    "Completed": "FINISHED",
    "Failed": "FAILED",
    "Canceled": "KILLED",
}


class AzureMLRunSource:
    """A :class:`~dslp_tui.runs.RunSource` and :class:`~dslp_tui.runs.ModelRegistry` for one workspace.

    ``credential`` defaults to ``DefaultAzureCredential()``; ``transport`` (an azure-core
    ``HttpTransport``) carries every Azure call when given; ``tracking_uri`` replaces the
    workspace's MLflow tracking URI (a local store standing in for it, or a proxy).
    """

    def __init__(
        self,
        subscription_id: str,
        resource_group: str,
        workspace: str,
        credential: Any = None,
        transport: Any = None,
        tracking_uri: str | None = None,
    ) -> None:
        missing = [
            key
            for key, value in (
                ("subscription_id", subscription_id),
                ("resource_group", resource_group),
                ("workspace", workspace),
            )
            if not value
        ]
        if missing:
            raise RunsError(f"AzureML: set {', '.join(missing)} in [runs.azureml] in dslp.toml")
        self.subscription_id = subscription_id
        self.resource_group = resource_group
        self.workspace = workspace
        self.name = f"AzureML {workspace}"
        self._credential = credential
        self._transport = transport
        self._tracking_uri = tracking_uri
        self._client: Any = None
        self._tracking: Any = None

    @classmethod
    def from_config(cls, config: Config) -> AzureMLRunSource:
        """The source that ``[runs.azureml]`` in dslp.toml names (credentials from the environment)."""
        return cls(config.azureml_subscription_id, config.azureml_resource_group, config.azureml_workspace)

    # --- the RunSource protocol ----------------------------------------------------------------

    def list_runs(self, branches: Collection[str]) -> list[Run]:
        """Every job of the workspace, each joined with its MLflow run, newest first.

        ``branches`` is not a filter (the protocol asks for *at least* their runs): a job links
        to its issue by its ``dslp.issue`` tag, its branch (also one deleted since) or its
        commit, and :mod:`dslp_tui.runlink` decides.
        """
        jobs = self._azure("list the jobs", lambda: list(self._ml_client().jobs.list()))
        runs = [job_to_run(job) for job in jobs]
        if runs:
            client = self._mlflow_client()
            runs = [join_mlflow(run, self._mlflow_run(client, run.id)) for run in runs]
        return sorted(runs, key=lambda run: run.started_at, reverse=True)

    def metric_history(self, run_id: str, key: str) -> list[MetricPoint]:
        """Every value of ``key`` logged by the job ``run_id``, in step order."""
        client = self._mlflow_client()
        history = self._mlflow("read the metric history", lambda: client.get_metric_history(run_id, key))
        points = [MetricPoint(key, float(m.value), int(m.step), m.timestamp / 1000) for m in history]
        return sorted(points, key=lambda point: (point.step, point.timestamp))

    # --- the ModelRegistry capability ----------------------------------------------------------

    def register_model(self, run_id: str, name: str) -> str:
        """Register the MLflow model that ``run_id`` logged under ``model/`` as a version of ``name``.

        The workspace picks the version number (the next one of the model, 1 for a new model).
        """
        from azure.ai.ml.entities import Model

        model = Model(name=name, path=f"runs:/{run_id}/model", type="mlflow_model")
        created = self._azure(f"register model {name!r}", lambda: self._ml_client().models.create_or_update(model))
        return str(created.version)

    # --- Azure -------------------------------------------------------------------------------------

    def _ml_client(self) -> Any:
        """The MLClient, built once; building it makes no HTTP call."""
        if self._client is None:
            try:
                from azure.ai.ml import MLClient
            except ImportError:
                raise RunsError(INSTALL_HINT) from None
            options: dict[str, Any] = {"enable_telemetry": False}  # telemetry would phone home
            if self._transport is not None:
                options["transport"] = self._transport
            self._client = MLClient(
                self._credential or _default_credential(),
                self.subscription_id,
                self.resource_group,
                self.workspace,
                **options,
            )
        return self._client

    def _azure(self, what: str, call: Any) -> Any:
        """Run an Azure call, turning each way it can fail into one line that says what to do."""
        from azure.core.exceptions import AzureError

        try:
            return call()
        except AzureError as error:
            raise RunsError(self._azure_message(what, error)) from None

    def _azure_message(self, what: str, error: Any) -> str:
        from azure.core.exceptions import (
            ClientAuthenticationError,
            HttpResponseError,
            ServiceRequestError,
            ServiceResponseError,
        )

        where = f"workspace {self.workspace!r} (resource group {self.resource_group!r})"
        status = getattr(error, "status_code", None)
        if isinstance(error, ClientAuthenticationError) and status is None:
            return (
                "AzureML: no Azure credential is available: run `az login`, "
                "or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, or use a managed identity"
            )
        if isinstance(error, ClientAuthenticationError) or status == 401:
            return f"AzureML: Azure refused the credential (401) for {where}: run `az login` again"
        if status == 403:
            return (
                f"AzureML: no access to {where} (403): ask its owner for a role on it "
                "(e.g. AzureML Data Scientist) or check subscription_id in dslp.toml"
            )
        if status == 404:
            return (
                f"AzureML: {where} was not found in subscription {self.subscription_id!r}: "
                "check [runs.azureml] in dslp.toml"
            )
        if isinstance(error, ServiceRequestError | ServiceResponseError):
            return "AzureML: cannot reach Azure (network down?): check the connection and refresh"
        if isinstance(error, HttpResponseError):
            reason = _first_line(getattr(error, "message", "") or str(error))
            return f"AzureML: could not {what}: Azure answered {status}: {reason}"
        return f"AzureML: could not {what}: {_first_line(str(error))}"

    # --- MLflow --------------------------------------------------------------------------------

    def _mlflow_client(self) -> Any:
        """An MlflowClient at the workspace's tracking URI (asked of the workspace once)."""
        if self._tracking is None:
            try:
                from mlflow.tracking import MlflowClient
            except ImportError:
                raise RunsError(INSTALL_HINT) from None
            uri = self._tracking_uri
            if uri is None:
                ws = self._azure("read the workspace", lambda: self._ml_client().workspaces.get(self.workspace))
                uri = ws.mlflow_tracking_uri
                if not uri:
                    raise RunsError(f"AzureML: workspace {self.workspace!r} has no MLflow tracking URI")
            self._tracking_uri = uri
            self._tracking = self._mlflow("open the tracking store", lambda: MlflowClient(tracking_uri=uri))
        return self._tracking

    def _mlflow_run(self, client: Any, run_id: str) -> Any:
        """The MLflow run of a job, or None when the job logged nothing to MLflow."""
        from mlflow.exceptions import MlflowException

        try:
            return self._mlflow("read the run's metrics", lambda: client.get_run(run_id))
        except RunsError as error:
            cause = error.__cause__
            if isinstance(cause, MlflowException) and cause.error_code == "RESOURCE_DOES_NOT_EXIST":
                return None
            raise

    def _mlflow(self, what: str, call: Any) -> Any:
        from mlflow.exceptions import MlflowException

        try:
            return call()
        except MlflowException as error:
            uri = self._tracking_uri or ""
            where = uri.split("?", 1)[0]  # never the query string: it can carry auth
            reason = str(error.message).replace(uri, where) if uri else str(error.message)
            raise RunsError(f"AzureML: could not {what} at {one_line(where)}: {_first_line(reason)}") from error


def job_to_run(job: Any) -> Run:
    """What an azure-ai-ml job says about a run: no metrics, no params (those are MLflow's)."""
    properties = dict(job.properties or {})
    tags = dict(job.tags or {})
    created = getattr(job.creation_context, "created_at", None)
    return Run(
        id=job.name,
        name=job.display_name or job.name,
        branch=properties.get(BRANCH_KEY) or tags.get(BRANCH_KEY, ""),
        status=_status(job.status),
        started_at=created.timestamp() if created else 0.0,
        experiment=job.experiment_name or "",
        commit=properties.get(COMMIT_KEY) or tags.get(COMMIT_KEY, ""),
        compute=job.compute or "",
        run_type=job.type or "",
        url=job.studio_url or "",
        issue=issue_from_tag(tags.get(ISSUE_TAG)),
    )


def join_mlflow(job: Run, mlflow_run: Any) -> Run:
    """The job's view, with the MLflow run's metrics, params and times when it logged one.

    AzureML owns the status, compute, type, link and names; MLflow owns what the code logged
    and when the run actually started and ended (a job's creation time includes its queueing).
    """
    if mlflow_run is None:
        return job
    from dslp_tui.sources.mlflow import run_from_mlflow

    logged = run_from_mlflow(mlflow_run)
    return dataclasses.replace(
        job,
        metrics=logged.metrics,
        params=logged.params,
        started_at=logged.started_at or job.started_at,
        ended_at=logged.ended_at,
        branch=job.branch or logged.branch,
        commit=job.commit or logged.commit,
        issue=job.issue if job.issue is not None else logged.issue,
    )


def _status(status: Any) -> str:
    text = str(getattr(status, "value", status) or "")
    return _STATUS.get(text, text.upper() or "SCHEDULED")


def _first_line(text: str) -> str:
    """A server's message, cut to one line: it is shown in the status bar as it is."""
    first = one_line(str(text).strip().splitlines()[0] if str(text).strip() else "no details")
    return first if len(first) <= 200 else first[:199] + "…"


def _default_credential() -> Any:
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        raise RunsError(INSTALL_HINT) from None
    return DefaultAzureCredential()
