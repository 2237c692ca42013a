"""The AzureML run source, driving the real azure-ai-ml client and a real MLflow store.

Azure's HTTP is answered in-process by a ``requests`` adapter under azure-core's
``RequestsTransport``, from Azure's official example payloads (tests/azureml/, see SOURCE.md),
with the ``"string"`` placeholders filled as the SDK needs. The metrics come from a real sqlite
MLflow store standing in for the workspace's tracking server. No socket is opened at all.
"""

from __future__ import annotations

import copy
import io
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

pytest.importorskip("azure.ai.ml", reason='needs the azure extra: pip install "dslp-tui[azure]"')
pytest.importorskip("mlflow", reason='needs the azure extra: pip install "dslp-tui[azure]"')

import requests  # noqa: E402
import urllib3  # noqa: E402
from azure.core.credentials import AccessToken  # noqa: E402
from azure.core.pipeline.transport import RequestsTransport  # noqa: E402
from azure.identity import CredentialUnavailableError  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

from dslp_tui.config import parse_config  # noqa: E402
from dslp_tui.errors import DslpError  # noqa: E402
from dslp_tui.runs import ModelRegistry, RunsError, RunSource  # noqa: E402
from dslp_tui.sources.azureml import AzureMLRunSource  # noqa: E402

PAYLOADS = Path(__file__).parent / "azureml"
SUB, RG, WS = "00000000-1111-2222-3333-444444444444", "test-rg", "my-aml-workspace"
HOST = "management.azure.com"
BASE = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.MachineLearningServices/workspaces/{WS}"
BRANCH = "experiment/42-baseline"


def example(name: str, status: str = "200") -> Any:
    """The body Azure's example answers with (a fresh copy each time)."""
    return copy.deepcopy(json.loads((PAYLOADS / name).read_text())["responses"][status]["body"])


def arm_error(code: str, message: str) -> dict[str, Any]:
    """ARM's error envelope (not an example file: the examples only show successes)."""
    return {"error": {"code": code, "message": message}}


# --- an Azure that answers from the examples -----------------------------------------------------


class FakeAzure(requests.adapters.BaseAdapter):
    """Answers (method, path) from a table; anything else fails the test instead of going out."""

    def __init__(self) -> None:
        super().__init__()
        self.routes: dict[tuple[str, str], tuple[int, Any]] = {}
        self.calls: list[tuple[str, str, Any]] = []
        self.down = False

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = urlsplit(request.url or "")
        if url.hostname != HOST:
            raise AssertionError(f"the client tried to reach {url.hostname}: {request.url}")
        key = (request.method or "", url.path + ("?page=2" if "page=2" in url.query else ""))
        body = json.loads(request.body) if request.body else None
        self.calls.append((key[0], key[1], body))
        if self.down:
            raise requests.ConnectionError("Failed to establish a new connection: [Errno 101] Network is unreachable")
        if key not in self.routes:
            raise AssertionError(f"no answer for {key}: {request.url}")
        status, answer = self.routes[key]
        data = json.dumps(answer).encode()
        headers = {"Content-Type": "application/json", "Content-Length": str(len(data))}
        response = requests.Response()
        response.status_code = status
        response.url = request.url or ""
        response.request = request
        response.headers.update(headers)
        response.raw = urllib3.HTTPResponse(
            body=io.BytesIO(data), headers=headers, status=status, preload_content=False
        )
        return response

    def close(self) -> None:
        pass

    def paths(self) -> list[str]:
        return [f"{method} {path.removeprefix(BASE) or '/'}" for method, path, _ in self.calls]


class Token:
    """A credential that hands out a token without asking anyone."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken("not-a-real-token", int(time.time()) + 3600)


class NoCredential:
    """What DefaultAzureCredential's parts raise when nothing is logged in."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        raise CredentialUnavailableError(message="Please run 'az login' to set up an account")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing may open a socket: the transport answers in-process and MLflow's store is a file."""
    monkeypatch.delenv("ARM_CLOUD_METADATA_URL", raising=False)  # each would send the client
    monkeypatch.delenv("AZUREML_DEV_URL_MFE", raising=False)  # around the transport

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"a socket was opened: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


# --- the MLflow store standing in for the workspace's --------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Two logged runs: one on the board's branch with a metric history, one on another branch."""
    root = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("churn", artifact_location=(root / "artifacts").as_uri())
    ids = {}
    for key, branch, start in (("baseline", BRANCH, 1_700_000_000_000), ("other", "7-other", 1_700_000_500_000)):
        tags = {"mlflow.source.git.branch": branch, "mlflow.source.git.commit": "abc123"}
        run = client.create_run(experiment, start_time=start, tags=tags, run_name=key)
        ids[key] = run.info.run_id
        client.log_param(run.info.run_id, "alpha", "0.5")
        for step, value in enumerate((0.61, 0.7, 0.74)):
            client.log_metric(run.info.run_id, "r2", value, timestamp=start + 1000 * (step + 1), step=step)
        client.set_terminated(run.info.run_id, "FINISHED", end_time=start + 60_000)
    yield {"uri": uri, **ids}


# --- filling the examples ------------------------------------------------------------------------


def job(name: str, *, branch: str, status: str, created: str, display: str = "") -> dict[str, Any]:
    """The Jobs_List example's job with its ARM-id placeholders filled (the SDK refuses "string")."""
    body = example("jobs_list.json")["value"][0]
    body["id"] = f"{BASE}/jobs/{name}"
    body["name"] = name
    body["systemData"]["createdAt"] = created
    props = body["properties"]
    props.update(
        displayName=display or name,
        status=status,
        experimentName="churn",
        computeId=f"{BASE}/computes/cpu-cluster",
        codeId=f"{BASE}/codes/c0de/versions/1",
        environmentId=f"{BASE}/environments/sklearn/versions/3",
    )
    props["properties"] = {"mlflow.source.git.branch": branch, "mlflow.source.git.commit": "abc123"}
    return body


def workspace(tracking_uri: str) -> dict[str, Any]:
    """The Workspaces_Get example, renamed to our workspace and with the tracking URI it lacks."""
    body = example("workspace_get.json")
    body["id"] = BASE
    body["name"] = WS
    body["properties"]["mlFlowTrackingUri"] = tracking_uri
    return body


@pytest.fixture
def azure(store: dict[str, str]) -> FakeAzure:
    """Three jobs over two pages: two on BRANCH (one never logged to MLflow), one elsewhere."""
    fake = FakeAzure()
    first = example("jobs_list.json")
    first["value"] = [
        job(store["baseline"], branch=BRANCH, status="Completed", created="2023-11-14T22:13:00Z", display="baseline"),
        job(store["other"], branch="7-other", status="Failed", created="2023-11-14T22:20:00Z"),
    ]
    first["nextLink"] = f"https://{HOST}{BASE}/jobs?api-version=2024-01-01-preview&page=2"
    second = example("jobs_list.json")
    second["value"] = [job("quiet_job_7", branch=BRANCH, status="Running", created="2023-11-15T09:00:00Z")]
    del second["nextLink"]
    fake.routes[("GET", f"{BASE}/jobs")] = (200, first)
    fake.routes[("GET", f"{BASE}/jobs?page=2")] = (200, second)
    fake.routes[("GET", BASE)] = (200, workspace(store["uri"]))
    return fake


def source(fake: FakeAzure, credential: Any = None, **kwargs: Any) -> AzureMLRunSource:
    session = requests.Session()
    session.mount("https://", fake)
    session.mount("http://", fake)
    transport = RequestsTransport(session=session, session_owner=False)
    return AzureMLRunSource(SUB, RG, WS, credential=credential or Token(), transport=transport, **kwargs)


# --- runs ----------------------------------------------------------------------------------------


def test_it_is_a_run_source_and_a_model_registry(azure: FakeAzure) -> None:
    built = source(azure)
    assert isinstance(built, RunSource)
    assert isinstance(built, ModelRegistry)
    assert built.name == f"AzureML {WS}"
    assert azure.calls == [], "building the source must not call Azure"


def test_jobs_on_the_branches_are_joined_with_their_mlflow_runs(azure: FakeAzure, store: dict[str, str]) -> None:
    every = source(azure).list_runs({BRANCH})
    # Every job comes back (a job's issue may come from its tag or commit, or a deleted branch):
    # runlink decides which issue each belongs to; the other branch's job keeps its own branch.
    assert all(a.started_at >= b.started_at for a, b in zip(every, every[1:], strict=False)), "newest first"
    others = [run for run in every if run.branch != BRANCH]
    assert others and all(run.branch for run in others)
    runs = [run for run in every if run.branch == BRANCH]
    assert [run.id for run in runs] == ["quiet_job_7", store["baseline"]]
    quiet, baseline = runs
    assert baseline.name == "baseline"
    assert baseline.branch == BRANCH and baseline.commit == "abc123"
    assert baseline.status == "FINISHED"
    assert baseline.metrics == {"r2": pytest.approx(0.74)}
    assert baseline.params == {"alpha": "0.5"}
    assert baseline.started_at == 1_700_000_000 and baseline.ended_at == 1_700_000_060
    assert baseline.experiment == "churn"
    assert baseline.compute == "cpu-cluster"
    assert baseline.run_type == "command"
    assert baseline.url.startswith("https://ml.azure.com/runs/" + store["baseline"])
    assert quiet.status == "RUNNING" and quiet.metrics == {} and quiet.ended_at is None
    assert quiet.started_at == pytest.approx(1_700_038_800)  # the job's creation time, MLflow has none
    assert azure.paths() == ["GET /jobs", "GET /jobs?page=2", "GET /"], "the tracking URI comes from the workspace"


def test_the_token_is_asked_for_azure_resource_manager(azure: FakeAzure) -> None:
    token = Token()
    source(azure, credential=token).list_runs({BRANCH})
    assert token.scopes and set(token.scopes) == {("https://management.azure.com/.default",)}


def test_a_given_tracking_uri_replaces_the_workspaces(azure: FakeAzure, store: dict[str, str]) -> None:
    del azure.routes[("GET", BASE)]
    runs = source(azure, tracking_uri=store["uri"]).list_runs({"7-other"})
    runs = [run for run in runs if run.branch == "7-other"]
    assert [(run.id, run.status, run.metrics) for run in runs] == [(store["other"], "FAILED", {"r2": 0.74})]
    assert "GET /" not in azure.paths()


def test_metric_history_comes_from_mlflow_in_step_order(azure: FakeAzure, store: dict[str, str]) -> None:
    points = source(azure).metric_history(store["baseline"], "r2")
    assert [(p.key, p.step, p.value, p.timestamp) for p in points] == [
        ("r2", 0, pytest.approx(0.61), 1_700_000_001),
        ("r2", 1, pytest.approx(0.7), 1_700_000_002),
        ("r2", 2, pytest.approx(0.74), 1_700_000_003),
    ]


# --- registering a model -------------------------------------------------------------------------


def model_routes(fake: FakeAzure, name: str, next_version: str | None) -> None:
    """The container (or its absence), the latest-version pre-check and the PUT of the new version."""
    container = example("model_container_get.json")
    container.update(id=f"{BASE}/models/{name}", name=name)
    container["properties"]["nextVersion"] = next_version
    if next_version is None:
        fake.routes[("GET", f"{BASE}/models/{name}")] = (404, arm_error("UserError", f"Model {name} not found"))
    else:
        fake.routes[("GET", f"{BASE}/models/{name}")] = (200, container)
    latest = example("model_version_list.json")
    latest["value"][0].update(id=f"{BASE}/models/{name}/versions/3", name="3")
    del latest["nextLink"]
    fake.routes[("GET", f"{BASE}/models/{name}/versions")] = (200, latest if next_version else {"value": []})
    version = next_version or "1"
    created = example("model_version_create.json", "201")
    created.update(id=f"{BASE}/models/{name}/versions/{version}", name=version)
    fake.routes[("PUT", f"{BASE}/models/{name}/versions/{version}")] = (201, created)


def test_register_model_creates_the_next_version_from_the_runs_model(azure: FakeAzure) -> None:
    model_routes(azure, "churn-model", "4")
    assert source(azure).register_model("run-abc", "churn-model") == "4"
    method, path, body = azure.calls[-1]
    assert (method, path) == ("PUT", f"{BASE}/models/churn-model/versions/4")
    assert body["properties"]["modelUri"] == "runs:/run-abc/model"
    assert body["properties"]["modelType"] == "mlflow_model"


def test_register_a_new_model_makes_version_1(azure: FakeAzure) -> None:
    model_routes(azure, "fresh", None)
    assert source(azure).register_model("run-abc", "fresh") == "1"
    assert azure.calls[-1][:2] == ("PUT", f"{BASE}/models/fresh/versions/1")


# --- failures: one line each, and a DslpError the board and the CLI show -------------------------


def failure(call: Any) -> RunsError:
    with pytest.raises(RunsError) as raised:
        call()
    error = raised.value
    assert isinstance(error, DslpError) and error.exit_status == 1
    message = str(error)
    assert "\n" not in message and message.startswith("AzureML: ")
    assert "not-a-real-token" not in message
    return error


def test_no_credential(azure: FakeAzure) -> None:
    message = str(failure(lambda: source(azure, credential=NoCredential()).list_runs({BRANCH})))
    assert "no Azure credential" in message and "az login" in message
    assert azure.calls == [], "nothing is sent without a token"


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (401, "InvalidAuthenticationToken", "refused the credential (401)"),
        (403, "AuthorizationFailed", "no access to workspace 'my-aml-workspace'"),
        (404, "ResourceNotFound", "was not found in subscription"),
        (500, "InternalServerError", "Azure answered 500: "),
    ],
)
def test_azure_refusals(azure: FakeAzure, status: int, code: str, expected: str) -> None:
    answer = arm_error(code, "The client 'someone@example.com' has a problem.\nSecond line.")
    for key in list(azure.routes):
        azure.routes[key] = (status, answer)
    message = str(failure(lambda: source(azure).list_runs({BRANCH})))
    assert expected in message
    if status == 404:
        assert "[runs.azureml]" in message


def test_a_model_registration_refused(azure: FakeAzure) -> None:
    model_routes(azure, "churn-model", "4")
    azure.routes[("PUT", f"{BASE}/models/churn-model/versions/4")] = (403, arm_error("AuthorizationFailed", "no"))
    assert "(403)" in str(failure(lambda: source(azure).register_model("run-abc", "churn-model")))


def test_network_down(azure: FakeAzure) -> None:
    azure.down = True
    message = str(failure(lambda: source(azure).list_runs({BRANCH})))
    assert "cannot reach Azure" in message


def test_a_tracking_uri_mlflow_cannot_read_is_one_line_without_its_query(azure: FakeAzure) -> None:
    """As when the workspace's azureml:// URI meets an MLflow without the azureml-mlflow plugin."""
    broken = "nosuchscheme://eastus.api.azureml.ms/mlflow/v2.0?auth=secret"
    message = str(failure(lambda: source(azure, tracking_uri=broken).list_runs({BRANCH})))
    assert "could not open the tracking store at nosuchscheme://eastus.api.azureml.ms/mlflow/v2.0: " in message
    assert "secret" not in message


def test_the_workspace_comes_from_runs_azureml_in_dslp_toml(tmp_path: Path) -> None:
    text = f'[runs]\nsource = "azureml"\n[runs.azureml]\nsubscription_id = "{SUB}"\nresource_group = "{RG}"\nworkspace = "{WS}"\n'
    built = AzureMLRunSource.from_config(parse_config(text, tmp_path / "dslp.toml"))
    assert (built.subscription_id, built.resource_group, built.workspace) == (SUB, RG, WS)


def test_missing_workspace_settings_are_named(tmp_path: Path) -> None:
    config = parse_config('[runs.azureml]\nresource_group = "rg"\n', tmp_path / "dslp.toml")
    with pytest.raises(RunsError, match=r"set subscription_id, workspace in \[runs.azureml\] in dslp.toml"):
        AzureMLRunSource.from_config(config)


def test_importing_the_source_loads_neither_azure_nor_mlflow() -> None:
    code = (
        "import sys, dslp_tui.sources.azureml\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'azure', 'mlflow', 'sqlalchemy'}) or 'none')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "none"
