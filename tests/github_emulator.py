"""A stateful GitHub REST API emulator on 127.0.0.1, for testing the GitHub tracker through PyGithub.

The tracker is tested only through real HTTP: PyGithub talks to this server exactly as it would to
api.github.com. The emulator keeps one repository's issues, pull requests, labels, comments and
sub-issue links in memory and answers with GitHub's semantics and shapes:

* every answer body is built from the example payloads of GitHub's own OpenAPI description
  (``tests/github_api/*.json``), filled with the emulator's state, with every
  ``https://api.github.com`` URL pointing at the emulator (PyGithub refuses foreign hosts);
* every JSON answer, success or error, is validated against the response schema that
  ``tests/github_api/openapi.json`` declares for that operation and status (an error status the
  operation does not declare is checked against ``basic-error``, or ``validation-error`` for a
  422); a mismatch is recorded in ``emulator.violations`` (the answer is still sent), so a test
  fixture must assert that list is empty at teardown;
* lists paginate with GitHub's ``Link`` header (``per_page`` 30 by default, at most 100);
* every 200 answer to a GET has a weak ``ETag``; a GET with a matching ``If-None-Match`` gets
  ``304`` with no body and is not counted against the rate limit;
* every answer carries ``x-ratelimit-limit/-remaining/-used/-reset/-resource`` headers.

Use it in a test module (or a conftest) through the fixture factory::

    from github_emulator import GitHubEmulator, emulator_fixture

    github = emulator_fixture()             # a fixture named "github"; asserts no violations
                                            # (a module that does `import github` picks another name)

    def test_something(github: GitHubEmulator, tmp_path):
        github.origin = bare_repo           # optional: a bare git repo acting as the remote
        github.add_issue("Ask: churn", labels=["Ask"])
        gh = Github(base_url=github.base_url, auth=Auth.Token(github.token),
                    seconds_between_requests=None, seconds_between_writes=None, retry=None)
        ...
        assert github.issues[1]["state"] == "closed"
        assert github.count("POST", github.repo_path + "/issues") == 1

or directly: ``with GitHubEmulator() as emu: ...`` (then call ``emu.assert_no_violations()``).

Control knobs: ``exhaust_rate_limit``, ``restore_rate_limit``, ``set_rate_limit``,
``fail_next``, ``go_offline``/``go_online`` and ``advance_time``. The request log is
``emulator.requests`` (``RequestRecord`` items), with ``count()`` and ``reset_log()``.

Pull requests: with ``origin`` set, a pull request's head (and base) must be a branch of that
bare repository, ``git rev-list --count base..head`` must not be 0, head/base shas, commit
counts and diff stats come from it, and a merge really writes the merge (or squash, or rebase)
commit to the base branch of ``origin``, as GitHub does. Merging into the default branch closes
the issues the pull request's title or body closes ("Closes #12", "fixes #3"...).

The state API (``add_issue``, ``add_label``, ``add_comment``, ``add_pull``, ``link_sub_issue``,
``remove_issue``) sets up state without requests and without GitHub's checks beyond consistency (ValueError);
``issues``, ``pulls``, ``labels``, ``comments`` and ``sub_issues`` read it back, rendered as the
API would answer (``issues`` holds pull requests too: they share one number sequence).

Known gaps (deliberate): one repository and one authenticated user (any login is accepted as an
assignee); no milestones, reactions, events/timeline, reviews, issue types, issue dependencies,
GraphQL, search or branches endpoints (34 operations are served; anything else is 404); body
media types (``body_html``/``body_text``) are not rendered; ``Last-Modified`` is not sent; the
error texts GitHub does not document (sub-issue refusals, draft merges) are close guesses;
secondary rate limits happen only when ``exhaust_rate_limit(kind="secondary")`` asks.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import functools
import hashlib
import json
import math
import os
import re
import socket
import subprocess
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

API_DIR = Path(__file__).resolve().parent / "github_api"
GITHUB_API = "https://api.github.com"
DOCS = "https://docs.github.com/rest"
RATE_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
RATE_LIMIT = 5000
RATE_WINDOW = 3600
DEFAULT_LABEL_COLOR = "ededed"
INJECTABLE_STATUSES = frozenset({401, 403, 404, 422, 429, 500, 502, 503})
_DEFAULT_MESSAGES = {
    401: "Bad credentials",
    403: "Resource not accessible by personal access token",
    404: "Not Found",
    422: "Validation Failed",
    429: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
    500: "Server Error",
    502: "Server Error",
    503: "Service Unavailable",
}
_CLOSING = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d+)\b", re.IGNORECASE)
_GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}

# (method, OpenAPI path, handler name). The OpenAPI paths are the keys of openapi.json.
ROUTES: list[tuple[str, str, str]] = [
    ("GET", "/user", "get_user"),
    ("GET", "/rate_limit", "get_rate_limit"),
    ("GET", "/repos/{owner}/{repo}", "get_repo"),
    ("GET", "/repos/{owner}/{repo}/issues", "list_issues"),
    ("POST", "/repos/{owner}/{repo}/issues", "create_issue"),
    ("GET", "/repos/{owner}/{repo}/issues/comments", "list_repo_comments"),
    ("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "get_comment"),
    ("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "update_comment"),
    ("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "delete_comment"),
    ("GET", "/repos/{owner}/{repo}/issues/{issue_number}", "get_issue"),
    ("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}", "update_issue"),
    ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "list_comments"),
    ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "create_comment"),
    ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "list_issue_labels"),
    ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "add_issue_labels"),
    ("PUT", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "set_issue_labels"),
    ("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "remove_all_issue_labels"),
    ("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", "remove_issue_label"),
    ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/parent", "get_parent"),
    ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues", "list_sub_issues"),
    ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues", "add_sub_issue"),
    ("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/sub_issue", "remove_sub_issue"),
    ("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues/priority", "reprioritize_sub_issue"),
    ("GET", "/repos/{owner}/{repo}/labels", "list_labels"),
    ("POST", "/repos/{owner}/{repo}/labels", "create_label"),
    ("GET", "/repos/{owner}/{repo}/labels/{name}", "get_label"),
    ("PATCH", "/repos/{owner}/{repo}/labels/{name}", "update_label"),
    ("DELETE", "/repos/{owner}/{repo}/labels/{name}", "delete_label"),
    ("GET", "/repos/{owner}/{repo}/pulls", "list_pulls"),
    ("POST", "/repos/{owner}/{repo}/pulls", "create_pull"),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", "get_pull"),
    ("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}", "update_pull"),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", "check_merged"),
    ("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", "merge_pull"),
]
_UNCOUNTED_ROUTES = {"/rate_limit"}


def _compile(path: str) -> re.Pattern[str]:
    def group(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.endswith(("_number", "_id")):
            return rf"(?P<{name}>\d+)"
        if name == "name":  # a label name, the last segment; PyGithub leaves "/" in it unquoted
            return rf"(?P<{name}>.+?)"
        return rf"(?P<{name}>[^/]+)"

    return re.compile("^" + re.sub(r"\{(\w+)\}", group, path) + "/?$")


_COMPILED = [(method, path, handler, _compile(path)) for method, path, handler in ROUTES]


# --------------------------------------------------------------------------- reference data


@functools.cache
def _reference(name: str) -> Any:
    return json.loads((API_DIR / name).read_text(encoding="utf-8"))


def _spec() -> dict[str, Any]:
    return _reference("openapi.json")


def _resolve(ref: str) -> Any:
    node: Any = _spec()
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _deref(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = _resolve(node["$ref"])
    return node


def _operation(path: str | None, method: str) -> dict[str, Any] | None:
    if path is None:
        return None
    return _spec()["paths"].get(path, {}).get(method.lower())


def _doc_url(path: str | None, method: str) -> str:
    op = _operation(path, method)
    return op.get("externalDocs", {}).get("url", DOCS) if op else DOCS


_NO_BODY = object()  # the declared response has no body (204, 304)


@functools.cache
def _validator(path: str | None, method: str, status: int) -> tuple[Any, str] | None:
    """The validator for an answer's body, with a description of the schema, or None if none applies."""
    from jsonschema.validators import extend
    from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
    from referencing import Registry

    enum = OAS30ReadValidator.VALIDATORS["enum"]

    def nullable_enum(validator: Any, enums: Any, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
        # GitHub's description pairs "nullable: true" with an enum that lacks null (issue.state_reason)
        # and GitHub answers null there: read nullable as allowing null, as OpenAPI 3.0.0-3.0.2 did.
        if instance is None and schema.get("nullable") is True:
            return
        yield from enum(validator, enums, instance, schema)

    validator_class = extend(OAS30ReadValidator, {"enum": nullable_enum})

    op = _operation(path, method)
    response = _deref(op["responses"].get(str(status))) if op else None
    where = f"{method} {path} {status}"
    if response is None:
        if status < 400:
            return None
        name = "validation-error" if status == 422 else "basic-error"
        schema: Any = {"$ref": f"#/components/schemas/{name}"}
        where = f"#/components/schemas/{name} (status {status} not declared for {method} {path})"
    else:
        content = response.get("content", {}).get("application/json")
        if content is None:
            return _NO_BODY, where
        schema = content["schema"]
    root = {**schema, "components": _spec()["components"]}
    return validator_class(root, registry=Registry(), format_checker=oas30_format_checker), where


def _declared(path: str | None, method: str, status: int) -> bool:
    op = _operation(path, method)
    return op is None or str(status) in op["responses"] or status >= 400


def validate_response(path: str | None, method: str, status: int, body: Any) -> list[str]:
    """Problems of one answer against openapi.json (empty when it conforms)."""
    if not _declared(path, method, status):
        return [f"status {status} is not declared for {method} {path}"]
    found = _validator(path, method, status)
    if found is None:
        return []
    validator, where = found
    if validator is _NO_BODY:
        return [] if body is None else [f"{where}: the declared response has no body"]
    if body is None:
        return [f"{where}: the declared response has a body"]
    problems = []
    for error in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))[:5]:
        problems.append(f"{where}: {error.message} at {error.json_path}")
    return problems


# --------------------------------------------------------------------------- model


@dataclass
class RequestRecord:
    """One request the emulator received."""

    method: str
    path: str
    query: dict[str, str]
    status: int | None  # None: dropped while offline
    counted: bool  # counted against the rate limit
    body: Any = None  # the request's JSON body
    headers: dict[str, str] = field(default_factory=dict)  # request headers, lower-case names
    route: str | None = None  # the OpenAPI path it matched


@dataclass
class _Label:
    id: int
    node_id: str
    name: str
    color: str
    description: str | None
    default: bool = False


@dataclass
class _Pull:
    id: int
    node_id: str
    head: str
    base: str
    head_sha: str
    base_sha: str
    draft: bool = False
    merged: bool = False
    merged_at: int | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    maintainer_can_modify: bool = False


@dataclass
class _Issue:
    number: int
    id: int
    node_id: str
    title: str
    body: str | None
    user: str
    created_at: int
    updated_at: int
    state: str = "open"
    state_reason: str | None = None
    closed_at: int | None = None
    closed_by: str | None = None
    labels: list[int] = field(default_factory=list)  # label ids, in order
    assignees: list[str] = field(default_factory=list)
    pull: _Pull | None = None
    parent: int | None = None
    children: list[int] = field(default_factory=list)


@dataclass
class _Comment:
    id: int
    node_id: str
    issue: int
    body: str
    user: str
    created_at: int
    updated_at: int


@dataclass
class _Failure:
    status: int
    count: int
    message: str | None
    path_contains: str | None
    method: str | None
    errors: list[dict[str, Any]] | None


@dataclass
class _Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class _ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[Any] | None = None,
        headers: dict[str, str] | None = None,
        counted: bool = True,
        documentation_url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}
        self.counted = counted
        self.documentation_url = documentation_url

    def reply(self, doc_url: str) -> _Reply:
        body: dict[str, Any] = {"message": self.message, "documentation_url": self.documentation_url or doc_url}
        if self.errors is not None:
            body["errors"] = self.errors
        body["status"] = str(self.status)
        return _Reply(self.status, body, self.headers)


def _invalid(resource: str, field_name: str, code: str = "invalid", **extra: Any) -> _ApiError:
    return _ApiError(
        422, "Validation Failed", errors=[{"resource": resource, "code": code, "field": field_name, **extra}]
    )


def _custom(resource: str, message: str, field_name: str | None = None) -> _ApiError:
    error: dict[str, Any] = {"resource": resource, "code": "custom", "message": message}
    if field_name:
        error["field"] = field_name
    return _ApiError(422, "Validation Failed", errors=[error])


def _not_found() -> _ApiError:
    return _ApiError(404, "Not Found")


def _iso(epoch: int | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str, what: str) -> int:
    try:
        moment = datetime.fromisoformat(text.replace(" ", "+"))
    except ValueError:
        raise _ApiError(422, f"Invalid value for `{what}`") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _node_id(prefix: str, number: int) -> str:
    return prefix + base64.urlsafe_b64encode(number.to_bytes(8, "big")).decode().rstrip("=")


def _subst(node: Any, pairs: list[tuple[str, str]]) -> Any:
    if isinstance(node, str):
        for old, new in pairs:
            node = node.replace(old, new)
        return node
    if isinstance(node, dict):
        return {key: _subst(value, pairs) for key, value in node.items()}
    if isinstance(node, list):
        return [_subst(value, pairs) for value in node]
    return node


def _fake_sha(*parts: object) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    bare = etag.removeprefix("W/")
    return any(tag.strip() in ("*", etag, bare) or tag.strip().removeprefix("W/") == bare for tag in header.split(","))


# --------------------------------------------------------------------------- HTTP plumbing


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    emulator: GitHubEmulator

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def close_connections(self) -> None:
        with self.connections_lock:
            for connection in self.connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "github.com"
    sys_version = ""
    timeout = 60  # idle keep-alive connections
    disable_nagle_algorithm = True
    wbufsize = -1  # headers and body leave in one write (flushed after each request)
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return None

    def _serve(self) -> None:
        emulator = self.server.emulator
        headers = {key.lower(): value for key, value in self.headers.items()}
        if emulator.offline:
            emulator._log_dropped(self.command, self.path, headers)
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        length = int(headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        status, reply_headers, payload = emulator._handle(self.command, self.path, headers, raw)
        self.send_response(status)
        for name, value in reply_headers:
            self.send_header(name, value)
        if payload is not None:
            self.send_header("Content-Length", str(len(payload)))
        elif status not in (204, 304):
            self.send_header("Content-Length", "0")
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


# --------------------------------------------------------------------------- the emulator


class GitHubEmulator:
    """GitHub's REST API for one repository, served on 127.0.0.1 from a daemon thread."""

    def __init__(
        self,
        owner: str = "acme",
        repo: str = "churn-model",
        token: str = "ghp_test_token",
        origin: Path | None = None,
        page_size_default: int = 30,
        *,
        login: str = "tess-tester",
        user_id: int = 1,
        default_branch: str = "main",
    ) -> None:
        self.owner = owner
        self.repo = repo
        self.token = token
        self.origin = Path(origin) if origin is not None else None
        self.page_size_default = page_size_default
        self.login = login
        self.user_id = user_id
        self.default_branch = default_branch
        self.violations: list[str] = []
        self.requests: list[RequestRecord] = []

        self._lock = threading.RLock()
        self._time_offset = 0.0
        self._started = self._now()
        self._next_number = 1
        self._ids = iter(range(2_800_000_001, 10**12, 7919))
        self._issues: dict[int, _Issue] = {}
        self._labels: dict[int, _Label] = {}
        self._comments: dict[int, _Comment] = {}
        self._user_ids: dict[str, int] = {login: user_id}
        self._failures: list[_Failure] = []
        self._offline = False
        self._rl_used = 0
        self._rl_reset = self._now() + RATE_WINDOW
        self._secondary_until: float | None = None
        self._secondary_status = 403
        self._branch_cache: dict[str, str] | None = None
        self._request_seq = 0

        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.emulator = self
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.repo_path = f"/repos/{owner}/{repo}"
        self._repo_api = self.base_url + self.repo_path
        self._html = f"https://github.com/{owner}/{repo}"
        self._templates = {
            name: _subst(_reference(file), [(GITHUB_API, self.base_url)])
            for name, file in {
                "issue": "issues__get.json",
                "label": "issues__create-label.json",
                "comment": "issues__create-comment.json",
                "pull": "pulls__create.json",
                "pull_simple": "pulls__list.json",
                "repo": "repos__get.json",
                "user": "users__get-authenticated.json",
                "rate": "rate-limit__get.json",
                "merge": "pulls__merge.json",
            }.items()
        }
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="github-emulator", daemon=True
        )
        self._thread.start()

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> GitHubEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop serving and close the listening socket (idempotent)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(5)
        self._server.server_close()
        self._server.close_connections()  # kept-alive connections die with the server

    def assert_no_violations(self) -> None:
        assert self.violations == [], "answers that do not match GitHub's OpenAPI description:\n" + "\n".join(
            self.violations
        )

    # ------------------------------------------------------------------ control knobs

    def advance_time(self, seconds: float) -> None:
        """Move the emulator's clock forward (timestamps, rate-limit resets, retry-after)."""
        with self._lock:
            self._time_offset += seconds

    def exhaust_rate_limit(
        self,
        reset_in: int = 60,
        kind: Literal["primary", "secondary"] = "primary",
        *,
        status: int | None = None,
    ) -> None:
        """Refuse requests until ``reset_in`` seconds pass or ``restore_rate_limit()`` is called.

        primary: 403 "API rate limit exceeded for user ID N." with x-ratelimit-remaining 0 and the
        reset time. secondary: 403 (or ``status=429``) "You have exceeded a secondary rate
        limit..." with ``retry-after``.
        """
        with self._lock:
            if kind == "primary":
                self._rl_used = RATE_LIMIT
                self._rl_reset = self._now() + reset_in
            elif kind == "secondary":
                if status not in (None, 403, 429):
                    raise ValueError("a secondary rate limit answers 403 or 429")
                self._secondary_until = self._clock() + reset_in
                self._secondary_status = status or 403
            else:
                raise ValueError(f"unknown rate limit kind {kind!r}")

    def restore_rate_limit(self) -> None:
        with self._lock:
            self._rl_used = 0
            self._rl_reset = self._now() + RATE_WINDOW
            self._secondary_until = None

    def set_rate_limit(self, remaining: int, reset_in: int = RATE_WINDOW) -> None:
        """Set what is left of the primary limit (0 refuses requests like an exhausted limit)."""
        with self._lock:
            self._rl_used = RATE_LIMIT - max(0, min(RATE_LIMIT, remaining))
            self._rl_reset = self._now() + reset_in

    @property
    def rate_limit(self) -> dict[str, int]:
        with self._lock:
            self._tick_rate_limit()
            return {
                "limit": RATE_LIMIT,
                "used": self._rl_used,
                "remaining": RATE_LIMIT - self._rl_used,
                "reset": self._rl_reset,
            }

    def fail_next(
        self,
        status: int,
        *,
        count: int = 1,
        message: str | None = None,
        path_contains: str | None = None,
        method: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        """Answer the next ``count`` matching requests with a GitHub-shaped ``status`` error.

        A request matches when its method is ``method`` (any if None) and its path contains
        ``path_contains`` (any if None). The failure comes before authentication and rate limits
        and counts against the rate limit. ``message`` replaces GitHub's usual text for the status;
        a 422 carries ``errors`` (a generic custom error by default); a 429 carries retry-after.
        """
        if status not in INJECTABLE_STATUSES:
            raise ValueError(f"cannot inject status {status}; one of {sorted(INJECTABLE_STATUSES)}")
        with self._lock:
            self._failures.append(
                _Failure(status, count, message, path_contains, method.upper() if method else None, errors)
            )

    def go_offline(self) -> None:
        """Drop every request: the connection is closed without an answer."""
        self._offline = True

    def go_online(self) -> None:
        self._offline = False

    @property
    def offline(self) -> bool:
        return self._offline

    # ------------------------------------------------------------------ request log

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def count(self, method: str | None = None, path_prefix: str | None = None, *, counted: bool | None = None) -> int:
        """How many logged requests match (method, full path prefix such as ``repo_path + "/issues"``)."""
        with self._lock:
            return sum(
                1
                for record in self.requests
                if (method is None or record.method == method.upper())
                and (path_prefix is None or record.path.startswith(path_prefix))
                and (counted is None or record.counted == counted)
            )

    # ------------------------------------------------------------------ state API for tests

    @contextlib.contextmanager
    def _state_api(self) -> Iterator[None]:
        """The lock, with GitHub's refusals turned into ValueError for the test that set up state."""
        with self._lock:
            try:
                yield
            except _ApiError as error:
                detail = (error.errors or [{}])[0].get("message") or error.errors or ""
                raise ValueError(f"{error.status} {error.message} {detail}".strip()) from None

    def add_label(self, name: str, color: str = DEFAULT_LABEL_COLOR, description: str = "") -> dict[str, Any]:
        with self._state_api():
            if self._find_label(name):
                raise ValueError(f"label {name!r} exists")
            return self._label_json(self._new_label(name, color, description or None))

    def add_issue(
        self,
        title: str,
        body: str = "",
        labels: Iterable[str] = (),
        state: str = "open",
        parent: int | None = None,
        assignees: Iterable[str] = (),
        *,
        user: str | None = None,
    ) -> dict[str, Any]:
        """Create an issue as if it existed on GitHub; labels are created as needed."""
        with self._state_api():
            issue = self._new_issue(title, body, user or self.login)
            issue.labels = [self._label_for(name).id for name in labels]
            issue.assignees = list(assignees)
            if state == "closed":
                self._close(issue, "completed")
            elif state != "open":
                raise ValueError(f"state {state!r}")
            if parent is not None:
                self._link(self._issue(parent), issue, replace=False)
            return self._issue_json(issue)

    def add_comment(self, number: int, body: str, *, user: str | None = None) -> dict[str, Any]:
        with self._state_api():
            issue = self._issue(number)
            return self._comment_json(self._new_comment(issue, body, user or self.login))

    def add_pull(
        self,
        head: str,
        base: str = "main",
        title: str = "",
        body: str = "",
        draft: bool = False,
        state: str = "open",
        merged: bool = False,
        labels: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Create a pull request without GitHub's checks (origin is only read for shas)."""
        with self._state_api():
            if state not in ("open", "closed"):
                raise ValueError(f"state {state!r}")
            self._branch_cache = None
            issue = self._new_issue(title or head, body, self.login)
            branches = self._branches()
            pull = _Pull(
                id=next(self._ids),
                node_id=_node_id("PR_kwDO", issue.number),
                head=head,
                base=base,
                head_sha=branches.get(head) or _fake_sha("head", head, issue.number),
                base_sha=branches.get(base) or _fake_sha("base", base),
                draft=draft,
            )
            issue.pull = pull
            issue.labels = [self._label_for(name).id for name in labels]
            if merged:
                pull.merged = True
                pull.merged_at = self._now()
                pull.merged_by = self.login
                pull.merge_commit_sha = _fake_sha("merge", issue.number)
                self._close(issue, None)
            elif state == "closed":
                self._close(issue, None)
            return self._pull_json(issue, full=True)

    def remove_issue(self, number: int) -> None:
        """The issue is deleted or transferred to another repository: gone from every list, 404 here.

        Its comments go with it and its sub-issue links are cut, as on GitHub.
        """
        with self._state_api():
            issue = self._issue(number)
            if issue.parent is not None:
                self._issues[issue.parent].children.remove(number)
            for child in issue.children:
                self._issues[child].parent = None
            for comment_id in [c.id for c in self._comments.values() if c.issue == number]:
                del self._comments[comment_id]
            del self._issues[number]

    def link_sub_issue(self, parent: int, child: int) -> None:
        with self._state_api():
            self._link(self._issue(parent), self._issue(child), replace=False)

    @property
    def issues(self) -> dict[int, dict[str, Any]]:
        """Every issue by number, as GitHub's issues API renders it (pull requests included)."""
        with self._lock:
            return {number: self._issue_json(issue) for number, issue in sorted(self._issues.items())}

    @property
    def pulls(self) -> dict[int, dict[str, Any]]:
        with self._lock:
            self._branch_cache = None
            return {n: self._pull_json(i, full=True) for n, i in sorted(self._issues.items()) if i.pull}

    @property
    def labels(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {label.name: self._label_json(label) for label in self._labels.values()}

    @property
    def comments(self) -> dict[int, list[dict[str, Any]]]:
        """Comments by issue number, oldest first."""
        with self._lock:
            out: dict[int, list[dict[str, Any]]] = {}
            for comment in self._comments.values():
                out.setdefault(comment.issue, []).append(self._comment_json(comment))
            return out

    @property
    def sub_issues(self) -> dict[int, list[int]]:
        """Parent number -> child numbers, in priority order (parents with children only)."""
        with self._lock:
            return {n: list(i.children) for n, i in sorted(self._issues.items()) if i.children}

    # ------------------------------------------------------------------ request handling

    def _clock(self) -> float:
        return time.time() + self._time_offset

    def _now(self) -> int:
        return int(self._clock())

    def _log_dropped(self, method: str, raw_path: str, headers: dict[str, str]) -> None:
        split = urlsplit(raw_path)
        with self._lock:
            self.requests.append(
                RequestRecord(method, split.path, dict(parse_qsl(split.query)), None, False, None, headers)
            )

    def _handle(
        self, method: str, raw_path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes | None]:
        with self._lock:
            self._branch_cache = None
            self._request_seq += 1
            split = urlsplit(raw_path)
            path = split.path
            query = dict(parse_qsl(split.query, keep_blank_values=True))
            body: Any = None
            bad_json = False
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    bad_json = True
            route, handler, params = self._match(method, path)
            record = RequestRecord(method, path, query, None, True, body, headers, route)
            doc_url = _doc_url(route, method)
            try:
                self._inject_failure(method, path)
                self._authenticate(headers)
                if route not in _UNCOUNTED_ROUTES:
                    self._enforce_rate_limit()
                else:
                    record.counted = False
                if handler is None:
                    raise _not_found()
                if "owner" in params and (
                    params["owner"].lower() != self.owner.lower() or params["repo"].lower() != self.repo.lower()
                ):
                    raise _not_found()
                if bad_json:
                    raise _ApiError(400, "Problems parsing JSON")
                reply = getattr(self, "_op_" + handler)(params, query, body)
            except _ApiError as error:
                reply = error.reply(doc_url)
                record.counted = record.counted and error.counted
            return self._finish(record, reply)

    def _finish(self, record: RequestRecord, reply: _Reply) -> tuple[int, list[tuple[str, str]], bytes | None]:
        status = reply.status
        headers = list(reply.headers.items())
        payload = None
        if reply.body is not None or status not in (204, 304):
            for problem in validate_response(record.route, record.method, status, reply.body):
                self.violations.append(f"{record.method} {record.path}: {problem}")
        if reply.body is not None:
            payload = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
            headers.append(("Content-Type", "application/json; charset=utf-8"))
        if record.method == "GET" and status == 200 and payload is not None:
            etag = f'W/"{hashlib.sha256(payload).hexdigest()}"'
            headers.append(("ETag", etag))
            if _etag_matches(record.headers.get("if-none-match"), etag):
                status = 304
                payload = None
                record.counted = False
                headers = [(k, v) for k, v in headers if k.lower() not in ("content-type", "link")]
        if record.counted:
            self._rl_used += 1
        remaining = max(0, RATE_LIMIT - self._rl_used)
        headers += [
            ("x-ratelimit-limit", str(RATE_LIMIT)),
            ("x-ratelimit-remaining", str(remaining)),
            ("x-ratelimit-reset", str(self._rl_reset)),
            ("x-ratelimit-used", str(self._rl_used)),
            ("x-ratelimit-resource", "core"),
            ("x-github-api-version-selected", "2022-11-28"),
            ("x-github-media-type", "github.v3; format=json"),
            ("x-github-request-id", f"EMU:{self._request_seq:08X}"),
        ]
        record.status = status
        self.requests.append(record)
        return status, headers, payload

    def _match(self, method: str, path: str) -> tuple[str | None, str | None, dict[str, str]]:
        path_only = None
        for route_method, route, handler, pattern in _COMPILED:
            found = pattern.match(path)
            if found:
                params = {key: unquote(value) for key, value in found.groupdict().items()}
                if route_method == method:
                    return route, handler, params
                path_only = path_only or (route, params)
        if path_only:  # a known path with a method GitHub does not serve there: 404 like GitHub
            return path_only[0], None, path_only[1]
        return None, None, {}

    def _inject_failure(self, method: str, path: str) -> None:
        for failure in self._failures:
            if (failure.method is None or failure.method == method) and (
                failure.path_contains is None or failure.path_contains in path
            ):
                failure.count -= 1
                if failure.count <= 0:
                    self._failures.remove(failure)
                message = failure.message or _DEFAULT_MESSAGES[failure.status]
                errors = failure.errors
                if failure.status == 422 and errors is None:
                    errors = [{"resource": "Issue", "code": "custom", "message": "injected failure"}]
                headers = {}
                if failure.status == 429:
                    headers["retry-after"] = "60"
                raise _ApiError(failure.status, message, errors=errors, headers=headers)

    def _authenticate(self, headers: dict[str, str]) -> None:
        value = headers.get("authorization", "")
        scheme, _, credential = value.partition(" ")
        if not value:
            raise _ApiError(401, "Requires authentication", counted=False)
        if scheme.lower() not in ("token", "bearer") or credential.strip() != self.token:
            raise _ApiError(401, "Bad credentials", counted=False)

    def _tick_rate_limit(self) -> None:
        now = self._now()
        if now >= self._rl_reset:
            self._rl_used = 0
            self._rl_reset = now + RATE_WINDOW
        if self._secondary_until is not None and self._clock() >= self._secondary_until:
            self._secondary_until = None

    def _enforce_rate_limit(self) -> None:
        self._tick_rate_limit()
        if self._secondary_until is not None:
            raise _ApiError(
                self._secondary_status,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
                f"If you reach out to GitHub Support for help, please include the request ID EMU:{self._request_seq:08X}.",
                headers={"retry-after": str(max(1, math.ceil(self._secondary_until - self._clock())))},
                counted=False,
                documentation_url=RATE_DOCS,
            )
        if self._rl_used >= RATE_LIMIT:
            raise _ApiError(
                403,
                f"API rate limit exceeded for user ID {self.user_id}.",
                counted=False,
                documentation_url=RATE_DOCS,
            )

    # ------------------------------------------------------------------ helpers: state

    def _new_issue(self, title: str, body: str | None, user: str) -> _Issue:
        now = self._now()
        number = self._next_number
        self._next_number += 1
        issue = _Issue(
            number=number,
            id=next(self._ids),
            node_id=_node_id("I_kwDO", number),
            title=str(title),
            body=body if body != "" else None,
            user=user,
            created_at=now,
            updated_at=now,
        )
        self._issues[number] = issue
        return issue

    def _issue(self, number: int | str) -> _Issue:
        issue = self._issues.get(int(number))
        if issue is None:
            raise _not_found()
        return issue

    def _pull(self, number: int | str) -> _Issue:
        issue = self._issues.get(int(number))
        if issue is None or issue.pull is None:
            raise _not_found()
        return issue

    def _find_label(self, name: str) -> _Label | None:
        lowered = name.lower()
        return next((label for label in self._labels.values() if label.name.lower() == lowered), None)

    def _new_label(self, name: str, color: str, description: str | None) -> _Label:
        label_id = next(self._ids)
        label = _Label(label_id, _node_id("LA_kwDO", label_id), name, color.lower(), description)
        self._labels[label_id] = label
        return label

    def _label_for(self, name: str) -> _Label:
        """The repository's label of that name, created (grey, no description) if missing, like GitHub."""
        return self._find_label(name) or self._new_label(name, DEFAULT_LABEL_COLOR, None)

    def _label_names(self, raw: Any, resource: str = "Label") -> list[str]:
        """Label names from a labels body: ["a"], {"labels": ["a"]} or [{"name": "a"}]."""
        if isinstance(raw, dict):
            raw = raw.get("labels")
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list):
            raise _invalid(resource, "labels")
        names = []
        for item in raw:
            name = item.get("name") if isinstance(item, dict) else item
            if not isinstance(name, str) or not name.strip():
                raise _invalid(resource, "name")
            names.append(name.strip())
        return names

    def _touch(self, issue: _Issue) -> None:
        issue.updated_at = self._now()

    def _close(self, issue: _Issue, reason: str | None) -> None:
        if issue.state != "closed":
            issue.state = "closed"
            issue.closed_at = self._now()
            issue.closed_by = self.login
        issue.state_reason = reason if issue.pull is None else None
        self._touch(issue)

    def _reopen(self, issue: _Issue) -> None:
        if issue.state != "open":
            issue.state = "open"
            issue.closed_at = None
            issue.closed_by = None
            issue.state_reason = "reopened" if issue.pull is None else None
        self._touch(issue)

    def _new_comment(self, issue: _Issue, body: str, user: str) -> _Comment:
        now = self._now()
        comment_id = next(self._ids)
        comment = _Comment(comment_id, _node_id("IC_kwDO", comment_id), issue.number, body, user, now, now)
        self._comments[comment_id] = comment
        self._touch(issue)
        return comment

    def _link(self, parent: _Issue, child: _Issue, *, replace: bool) -> None:
        if parent.pull or child.pull:
            raise _custom("Issue", "Pull requests cannot be sub-issues or have sub-issues", "sub_issue_id")
        if child.number == parent.number:
            raise _custom("Issue", "An issue cannot be a sub-issue of itself", "sub_issue_id")
        if child.number in parent.children:
            raise _custom("Issue", "Sub issue may not contain duplicate sub-issues", "sub_issue_id")
        ancestor = parent.parent
        while ancestor is not None:
            if ancestor == child.number:
                raise _custom("Issue", "Sub issue cannot be an ancestor of its parent", "sub_issue_id")
            ancestor = self._issues[ancestor].parent
        if child.parent is not None:
            if not replace:
                raise _custom("Issue", "Sub issue may only have one parent", "sub_issue_id")
            old = self._issues[child.parent]
            old.children.remove(child.number)
            self._touch(old)
        if len(parent.children) >= 100:
            raise _custom("Issue", "Parent cannot have more than 100 sub-issues", "sub_issue_id")
        parent.children.append(child.number)
        child.parent = parent.number
        self._touch(parent)
        self._touch(child)

    def _child_by_id(self, body: Any) -> _Issue:
        sub_issue_id = body.get("sub_issue_id") if isinstance(body, dict) else None
        if sub_issue_id is None:
            raise _invalid("Issue", "sub_issue_id", "missing_field")
        if not isinstance(sub_issue_id, int) or isinstance(sub_issue_id, bool):
            raise _invalid("Issue", "sub_issue_id", value=str(sub_issue_id))
        child = next((i for i in self._issues.values() if i.id == sub_issue_id), None)
        if child is None:
            raise _not_found()
        return child

    # ------------------------------------------------------------------ helpers: git origin

    def _git(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        assert self.origin is not None
        return subprocess.run(
            ["git", "--git-dir", str(self.origin), *args],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **_GIT_ENV, **(env or {})},
        )

    def _branches(self) -> dict[str, str]:
        if self.origin is None:
            return {}
        if self._branch_cache is None:
            done = self._git("for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads")
            self._branch_cache = dict(line.split(" ", 1) for line in done.stdout.splitlines() if line)
        return self._branch_cache

    def _git_identity(self) -> dict[str, str]:
        stamp = f"@{self._now()} +0000"
        return {
            "GIT_AUTHOR_NAME": self.login,
            "GIT_AUTHOR_EMAIL": f"{self.user_id}+{self.login}@users.noreply.github.com",
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_NAME": "GitHub",
            "GIT_COMMITTER_EMAIL": "noreply@github.com",
            "GIT_COMMITTER_DATE": stamp,
        }

    def _merge_tree(self, base: str, head: str) -> str | None:
        """The tree of merging head into base, or None on conflicts."""
        done = self._git("merge-tree", "--write-tree", base, head)
        return done.stdout.split("\n", 1)[0].strip() if done.returncode == 0 else None

    def _git_merge(self, issue: _Issue, method: str, title: str, message: str) -> str:
        """Write the merge to origin's base branch; the new base sha. Raises 405 when it cannot."""
        pull = issue.pull
        assert pull is not None
        branches = self._branches()
        base_sha, head_sha = branches[pull.base], branches[pull.head]
        if method == "rebase":
            if self._git("merge-base", "--is-ancestor", base_sha, head_sha).returncode != 0:
                raise _ApiError(405, "This branch can't be rebased")
            new = base_sha
            commits = self._git("rev-list", "--reverse", "--topo-order", f"{base_sha}..{head_sha}").stdout.split()
            for commit in commits:
                info = self._git("log", "-1", "--format=%an%x00%ae%x00%ad%x00%T%x00%B", "--date=raw", commit).stdout
                name, email, date, tree, text = info.split("\x00", 4)
                env = {
                    **self._git_identity(),
                    "GIT_AUTHOR_NAME": name,
                    "GIT_AUTHOR_EMAIL": email,
                    "GIT_AUTHOR_DATE": date,
                }
                new = self._git("commit-tree", tree, "-p", new, "-m", text.rstrip("\n"), env=env).stdout.strip()
        else:
            tree = self._merge_tree(base_sha, head_sha)
            if tree is None:
                raise _ApiError(405, "Pull Request is not mergeable")
            parents = ["-p", base_sha] if method == "squash" else ["-p", base_sha, "-p", head_sha]
            text = f"{title}\n\n{message}".rstrip("\n") if message else title
            new = self._git("commit-tree", tree, *parents, "-m", text, env=self._git_identity()).stdout.strip()
        done = self._git("update-ref", f"refs/heads/{pull.base}", new, base_sha)
        if done.returncode != 0:
            raise _ApiError(409, "Base branch was modified. Review and try the merge again.")
        self._branch_cache = None
        return new

    def _diff_stats(self, pull: _Pull) -> tuple[int, int, int, int]:
        """(commits, additions, deletions, changed files) of an open pull request."""
        branches = self._branches()
        if self.origin is None or pull.head not in branches or pull.base not in branches:
            return 1, 0, 0, 0
        base, head = branches[pull.base], branches[pull.head]
        commits = int(self._git("rev-list", "--count", f"{base}..{head}").stdout.strip() or 0)
        additions = deletions = files = 0
        for line in self._git("diff", "--numstat", f"{base}...{head}").stdout.splitlines():
            added, deleted, _ = line.split("\t", 2)
            files += 1
            additions += int(added) if added.isdigit() else 0
            deletions += int(deleted) if deleted.isdigit() else 0
        return commits, additions, deletions, files

    # ------------------------------------------------------------------ helpers: rendering

    def _user_json(self, login: str) -> dict[str, Any]:
        user_id = self._user_ids.setdefault(login, 1000 + len(self._user_ids))
        template = self._templates["issue"]["user"]
        user = _subst(template, [("/users/octocat", f"/users/{login}"), ("github.com/octocat", f"github.com/{login}")])
        user.update(
            login=login,
            id=user_id,
            node_id=_node_id("U_kgDO", user_id),
            avatar_url=f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
            type="Organization" if login == self.owner and login != self.login else "User",
        )
        user["user_view_type"] = "public"
        return user

    def _label_json(self, label: _Label) -> dict[str, Any]:
        out = copy.deepcopy(self._templates["label"])
        out.update(
            id=label.id,
            node_id=label.node_id,
            url=f"{self._repo_api}/labels/{quote(label.name, safe='')}",
            name=label.name,
            description=label.description,
            color=label.color,
            default=label.default,
        )
        return out

    def _reactions(self, url: str) -> dict[str, Any]:
        return {
            "url": url,
            "total_count": 0,
            **dict.fromkeys(("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"), 0),
        }

    def _issue_json(self, issue: _Issue) -> dict[str, Any]:
        out = copy.deepcopy(self._templates["issue"])
        url = f"{self._repo_api}/issues/{issue.number}"
        closed_children = sum(1 for n in issue.children if self._issues[n].state == "closed")
        total = len(issue.children)
        out.update(
            id=issue.id,
            node_id=issue.node_id,
            url=url,
            repository_url=self._repo_api,
            labels_url=url + "/labels{/name}",
            comments_url=url + "/comments",
            events_url=url + "/events",
            html_url=f"{self._html}/{'pull' if issue.pull else 'issues'}/{issue.number}",
            number=issue.number,
            state=issue.state,
            title=issue.title,
            body=issue.body,
            user=self._user_json(issue.user),
            pinned_comment=None,
            labels=[self._label_json(self._labels[label_id]) for label_id in issue.labels],
            assignee=self._user_json(issue.assignees[0]) if issue.assignees else None,
            assignees=[self._user_json(login) for login in issue.assignees],
            milestone=None,
            locked=False,
            active_lock_reason=None,
            comments=sum(1 for c in self._comments.values() if c.issue == issue.number),
            closed_at=_iso(issue.closed_at),
            created_at=_iso(issue.created_at),
            updated_at=_iso(issue.updated_at),
            closed_by=self._user_json(issue.closed_by) if issue.closed_by else None,
            author_association="OWNER" if issue.user == self.owner else "COLLABORATOR",
            state_reason=issue.state_reason,
        )
        if issue.pull:
            pull_url = f"{self._repo_api}/pulls/{issue.number}"
            html = f"{self._html}/pull/{issue.number}"
            out["pull_request"] = {
                "url": pull_url,
                "html_url": html,
                "diff_url": html + ".diff",
                "patch_url": html + ".patch",
                "merged_at": _iso(issue.pull.merged_at),
            }
            out["draft"] = issue.pull.draft
        else:
            out.pop("pull_request", None)
        out["timeline_url"] = url + "/timeline"
        out["performed_via_github_app"] = None
        out["type"] = None
        out["reactions"] = self._reactions(url + "/reactions")
        out["sub_issues_summary"] = {
            "total": total,
            "completed": closed_children,
            "percent_completed": closed_children * 100 // total if total else 0,
        }
        out["parent_issue_url"] = f"{self._repo_api}/issues/{issue.parent}" if issue.parent else None
        out["issue_dependencies_summary"] = {"blocked_by": 0, "total_blocked_by": 0, "blocking": 0, "total_blocking": 0}
        return out

    def _comment_json(self, comment: _Comment) -> dict[str, Any]:
        out = copy.deepcopy(self._templates["comment"])
        out.update(
            id=comment.id,
            node_id=comment.node_id,
            url=f"{self._repo_api}/issues/comments/{comment.id}",
            html_url=f"{self._html}/issues/{comment.issue}#issuecomment-{comment.id}",
            body=comment.body,
            user=self._user_json(comment.user),
            created_at=_iso(comment.created_at),
            updated_at=_iso(comment.updated_at),
            issue_url=f"{self._repo_api}/issues/{comment.issue}",
            author_association="OWNER" if comment.user == self.owner else "COLLABORATOR",
        )
        out["reactions"] = self._reactions(f"{self._repo_api}/issues/comments/{comment.id}/reactions")
        out["performed_via_github_app"] = None
        return out

    def _fill_repo(self, out: dict[str, Any]) -> dict[str, Any]:
        """Fill a repository-shaped template (full-repository or repository) with this repository."""
        template_name = out["full_name"]
        out = _subst(out, [(template_name, f"{self.owner}/{self.repo}")])
        open_count = sum(1 for issue in self._issues.values() if issue.state == "open")
        repo_id = 100_000_000 + zlib.crc32(f"{self.owner}/{self.repo}".encode()) % 900_000_000
        stamp = _iso(self._started)
        out.update(
            id=repo_id,
            node_id=_node_id("R_kgDO", repo_id),
            name=self.repo,
            full_name=f"{self.owner}/{self.repo}",
            owner=self._user_json(self.owner),
            private=True,
            description="",
            fork=False,
            homepage=None,
            language="Python",
            forks_count=0,
            forks=0,
            stargazers_count=0,
            watchers_count=0,
            watchers=0,
            size=0,
            default_branch=self.default_branch,
            open_issues_count=open_count,
            open_issues=open_count,
            topics=[],
            has_issues=True,
            archived=False,
            disabled=False,
            pushed_at=stamp,
            created_at=stamp,
            updated_at=stamp,
            permissions={"admin": True, "maintain": True, "push": True, "triage": True, "pull": True},
            mirror_url=None,
            license=None,
        )
        if "visibility" in out:
            out["visibility"] = "private"
        return out

    def _repo_json(self) -> dict[str, Any]:
        out = self._fill_repo(copy.deepcopy(self._templates["repo"]))
        for key in ("parent", "source"):
            out.pop(key, None)
        out["template_repository"] = None
        out["is_template"] = False
        owner = out["owner"]
        if owner["type"] == "Organization":
            out["organization"] = owner
        else:
            out.pop("organization", None)
        return out

    def _pull_json(self, issue: _Issue, *, full: bool) -> dict[str, Any]:
        pull = issue.pull
        assert pull is not None
        template = self._templates["pull"] if full else self._templates["pull_simple"][0]
        out = copy.deepcopy(template)
        branches = self._branches()
        if issue.state == "open":  # follow pushes to the branches while open
            pull.head_sha = branches.get(pull.head, pull.head_sha)
            pull.base_sha = branches.get(pull.base, pull.base_sha)
        url = f"{self._repo_api}/pulls/{issue.number}"
        issue_url = f"{self._repo_api}/issues/{issue.number}"
        html = f"{self._html}/pull/{issue.number}"
        owner = self._user_json(self.owner)
        repo = self._fill_repo(out["base"]["repo"])

        def side(ref: str, sha: str) -> dict[str, Any]:
            return {"label": f"{self.owner}:{ref}", "ref": ref, "sha": sha, "user": owner, "repo": repo}

        out.update(
            url=url,
            id=pull.id,
            node_id=pull.node_id,
            html_url=html,
            diff_url=html + ".diff",
            patch_url=html + ".patch",
            issue_url=issue_url,
            commits_url=url + "/commits",
            review_comments_url=url + "/comments",
            review_comment_url=f"{self._repo_api}/pulls/comments{{/number}}",
            comments_url=issue_url + "/comments",
            statuses_url=f"{self._repo_api}/statuses/{pull.head_sha}",
            number=issue.number,
            state=issue.state,
            locked=False,
            title=issue.title,
            user=self._user_json(issue.user),
            body=issue.body,
            labels=[self._label_json(self._labels[label_id]) for label_id in issue.labels],
            milestone=None,
            active_lock_reason=None,
            created_at=_iso(issue.created_at),
            updated_at=_iso(issue.updated_at),
            closed_at=_iso(issue.closed_at),
            merged_at=_iso(pull.merged_at),
            merge_commit_sha=pull.merge_commit_sha,
            assignee=self._user_json(issue.assignees[0]) if issue.assignees else None,
            assignees=[self._user_json(login) for login in issue.assignees],
            requested_reviewers=[],
            requested_teams=[],
            head=side(pull.head, pull.head_sha),
            base=side(pull.base, pull.base_sha),
            _links={
                "self": {"href": url},
                "html": {"href": html},
                "issue": {"href": issue_url},
                "comments": {"href": issue_url + "/comments"},
                "review_comments": {"href": url + "/comments"},
                "review_comment": {"href": f"{self._repo_api}/pulls/comments{{/number}}"},
                "commits": {"href": url + "/commits"},
                "statuses": {"href": f"{self._repo_api}/statuses/{pull.head_sha}"},
            },
            author_association="OWNER" if issue.user == self.owner else "COLLABORATOR",
            auto_merge=None,
            draft=pull.draft,
        )
        if full:
            mergeable: bool | None = None
            state = "unknown"
            if issue.state == "open":
                if self.origin is not None and (pull.head not in branches or pull.base not in branches):
                    mergeable = None
                elif self.origin is not None and self._merge_tree(pull.base_sha, pull.head_sha) is None:
                    mergeable, state = False, "dirty"
                else:
                    mergeable, state = True, "draft" if pull.draft else "clean"
            commits, additions, deletions, files = self._diff_stats(pull) if issue.state == "open" else (1, 0, 0, 0)
            out.update(
                merged=pull.merged,
                mergeable=mergeable,
                rebaseable=mergeable,
                mergeable_state=state,
                merged_by=self._user_json(pull.merged_by) if pull.merged_by else None,
                comments=sum(1 for c in self._comments.values() if c.issue == issue.number),
                review_comments=0,
                maintainer_can_modify=pull.maintainer_can_modify,
                commits=commits,
                additions=additions,
                deletions=deletions,
                changed_files=files,
            )
        return out

    def _paginate(self, items: list[Any], query: dict[str, str], path: str) -> _Reply:
        def number(key: str, default: int) -> int:
            try:
                return int(query.get(key, default))
            except ValueError:
                return default

        per_page = min(100, max(1, number("per_page", self.page_size_default)))
        page = max(1, number("page", 1))
        last = max(1, math.ceil(len(items) / per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []

        def link(target: int, rel: str) -> str:
            params = {**query, "page": str(target)}
            return f'<{self.base_url}{path}?{urlencode(params)}>; rel="{rel}"'

        if page > 1:
            links.append(link(page - 1, "prev"))
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links.append(link(1, "first"))
        return _Reply(200, chunk, {"Link": ", ".join(links)} if links else {})

    # ------------------------------------------------------------------ operations: user, repo

    def _op_get_user(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        out = copy.deepcopy(self._templates["user"])
        out.update(self._user_json(self.login))
        out.update(name=self.login, company=None, blog="", location=None, email=None, bio=None, twitter_username=None)
        out["user_view_type"] = "private"  # what GitHub answers the user itself (the discriminator)
        return _Reply(200, out)

    def _op_get_rate_limit(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        self._tick_rate_limit()
        out = copy.deepcopy(self._templates["rate"])
        core = {
            "limit": RATE_LIMIT,
            "used": self._rl_used,
            "remaining": RATE_LIMIT - self._rl_used,
            "reset": self._rl_reset,
        }
        out["resources"]["core"] = core
        out["rate"] = dict(core)
        return _Reply(200, out)

    def _op_get_repo(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        return _Reply(200, self._repo_json())

    # ------------------------------------------------------------------ operations: issues

    def _op_list_issues(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        state = query.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise _invalid("Issue", "state")
        items = [i for i in self._issues.values() if state == "all" or i.state == state]
        wanted = [name.strip().lower() for name in query.get("labels", "").split(",") if name.strip()]
        if wanted:
            items = [i for i in items if set(wanted) <= {self._labels[x].name.lower() for x in i.labels}]
        if "since" in query:
            since = _parse_time(query["since"], "since")
            items = [i for i in items if i.updated_at >= since]
        assignee = query.get("assignee")
        if assignee == "none":
            items = [i for i in items if not i.assignees]
        elif assignee == "*":
            items = [i for i in items if i.assignees]
        elif assignee:
            items = [i for i in items if assignee.lower() in (a.lower() for a in i.assignees)]
        if "creator" in query:
            items = [i for i in items if i.user.lower() == query["creator"].lower()]
        if query.get("milestone") not in (None, "none"):
            items = []  # the emulator has no milestones
        sort = query.get("sort", "created")
        key: Callable[[_Issue], Any] = {
            "created": lambda i: (i.created_at, i.number),
            "updated": lambda i: (i.updated_at, i.number),
            "comments": lambda i: (sum(1 for c in self._comments.values() if c.issue == i.number), i.number),
        }.get(sort, lambda i: (i.created_at, i.number))
        items.sort(key=key, reverse=query.get("direction", "desc") != "asc")
        reply = self._paginate(items, query, self.repo_path + "/issues")
        reply.body = [self._issue_json(i) for i in reply.body]
        return reply

    def _op_create_issue(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        if not isinstance(body, dict):
            raise _invalid("Issue", "title", "missing_field")
        title = body.get("title")
        if title is None or (isinstance(title, str) and not title.strip()):
            raise _invalid("Issue", "title", "missing_field")
        if not isinstance(title, str | int):
            raise _invalid("Issue", "title")
        if body.get("milestone") is not None:
            raise _invalid("Issue", "milestone", value=str(body["milestone"]))
        names = self._label_names(body["labels"], "Issue") if body.get("labels") is not None else []
        assignees = self._assignees(body)
        issue = self._new_issue(str(title), body.get("body"), self.login)
        issue.labels = self._dedupe([self._label_for(name).id for name in names])
        issue.assignees = assignees or []
        out = self._issue_json(issue)
        return _Reply(201, out, {"Location": out["url"]})

    @staticmethod
    def _dedupe(ids: list[int]) -> list[int]:
        return list(dict.fromkeys(ids))

    def _assignees(self, body: dict[str, Any]) -> list[str] | None:
        if body.get("assignees") is not None:
            if not isinstance(body["assignees"], list) or not all(isinstance(a, str) for a in body["assignees"]):
                raise _invalid("Issue", "assignees")
            return list(dict.fromkeys(body["assignees"]))
        if "assignee" in body:
            return [body["assignee"]] if body["assignee"] else []
        return None

    def _op_get_issue(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        return _Reply(200, self._issue_json(self._issue(params["issue_number"])))

    def _op_update_issue(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        issue = self._issue(params["issue_number"])
        body = body if isinstance(body, dict) else {}
        if "title" in body:
            title = body["title"]
            if title is None or not isinstance(title, str | int) or not str(title).strip():
                raise _invalid("Issue", "title", "missing_field" if not title else "invalid")
        if body.get("state") not in (None, "open", "closed"):
            raise _invalid("Issue", "state", value=str(body["state"]))
        reason = body.get("state_reason")
        if reason not in (None, "completed", "not_planned", "duplicate", "reopened"):
            raise _invalid("Issue", "state_reason", value=str(reason))
        if body.get("milestone") is not None:
            raise _invalid("Issue", "milestone", value=str(body["milestone"]))
        if body.get("state") == "open" and issue.pull and issue.pull.merged:
            raise _custom("PullRequest", "state cannot be changed. The pull request cannot be reopened.", "state")
        names = self._label_names(body["labels"], "Issue") if body.get("labels") is not None else None
        assignees = self._assignees(body)
        if "title" in body:
            issue.title = str(body["title"])
        if "body" in body:
            issue.body = body["body"] if body["body"] != "" else None
        if names is not None:
            issue.labels = self._dedupe([self._label_for(name).id for name in names])
        if assignees is not None:
            issue.assignees = assignees
        state = body.get("state")
        if state == "closed":
            self._close(issue, reason or "completed")
        elif state == "open":
            self._reopen(issue)
        elif reason and issue.state == "closed" and issue.pull is None:
            issue.state_reason = reason
        self._touch(issue)
        return _Reply(200, self._issue_json(issue))

    # ------------------------------------------------------------------ operations: issue labels

    def _op_list_issue_labels(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        issue = self._issue(params["issue_number"])
        reply = self._paginate(list(issue.labels), query, f"{self.repo_path}/issues/{issue.number}/labels")
        reply.body = [self._label_json(self._labels[label_id]) for label_id in reply.body]
        return reply

    def _issue_labels_reply(self, issue: _Issue) -> _Reply:
        self._touch(issue)
        return _Reply(200, [self._label_json(self._labels[label_id]) for label_id in issue.labels])

    def _op_add_issue_labels(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        issue = self._issue(params["issue_number"])
        names = self._label_names(body)
        issue.labels = self._dedupe(issue.labels + [self._label_for(name).id for name in names])
        return self._issue_labels_reply(issue)

    def _op_set_issue_labels(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        issue = self._issue(params["issue_number"])
        names = self._label_names(body if body is not None else [])
        issue.labels = self._dedupe([self._label_for(name).id for name in names])
        return self._issue_labels_reply(issue)

    def _op_remove_all_issue_labels(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        issue = self._issue(params["issue_number"])
        issue.labels = []
        self._touch(issue)
        return _Reply(204)

    def _op_remove_issue_label(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        issue = self._issue(params["issue_number"])
        label = self._find_label(params["name"])
        if label is None or label.id not in issue.labels:
            raise _ApiError(404, "Label does not exist")
        issue.labels.remove(label.id)
        return self._issue_labels_reply(issue)

    # ------------------------------------------------------------------ operations: repo labels

    def _op_list_labels(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        reply = self._paginate(list(self._labels.values()), query, self.repo_path + "/labels")
        reply.body = [self._label_json(label) for label in reply.body]
        return reply

    @staticmethod
    def _check_color(color: Any) -> str:
        if not isinstance(color, str) or not re.fullmatch(r"[0-9a-fA-F]{6}", color):
            raise _invalid("Label", "color")
        return color.lower()

    def _op_create_label(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        body = body if isinstance(body, dict) else {}
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _invalid("Label", "name", "missing_field")
        color = self._check_color(body["color"]) if body.get("color") is not None else DEFAULT_LABEL_COLOR
        if self._find_label(name.strip()):
            raise _invalid("Label", "name", "already_exists")
        label = self._new_label(name.strip(), color, body.get("description"))
        out = self._label_json(label)
        return _Reply(201, out, {"Location": out["url"]})

    def _label(self, name: str) -> _Label:
        label = self._find_label(name)
        if label is None:
            raise _not_found()
        return label

    def _op_get_label(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        return _Reply(200, self._label_json(self._label(params["name"])))

    def _op_update_label(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        label = self._label(params["name"])
        body = body if isinstance(body, dict) else {}
        new_name = body.get("new_name")
        if new_name is not None:
            if not isinstance(new_name, str) or not new_name.strip():
                raise _invalid("Label", "name")
            other = self._find_label(new_name.strip())
            if other is not None and other.id != label.id:
                raise _invalid("Label", "name", "already_exists")
        color = self._check_color(body["color"]) if body.get("color") is not None else None
        if new_name is not None:
            label.name = new_name.strip()
        if color is not None:
            label.color = color
        if "description" in body:
            label.description = body["description"]
        return _Reply(200, self._label_json(label))

    def _op_delete_label(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        label = self._label(params["name"])
        del self._labels[label.id]
        for issue in self._issues.values():
            if label.id in issue.labels:
                issue.labels.remove(label.id)
        return _Reply(204)

    # ------------------------------------------------------------------ operations: comments

    def _comments_since(self, comments: list[_Comment], query: dict[str, str]) -> list[_Comment]:
        if "since" in query:
            since = _parse_time(query["since"], "since")
            comments = [c for c in comments if c.updated_at >= since]
        return comments

    def _op_list_comments(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        issue = self._issue(params["issue_number"])
        comments = self._comments_since([c for c in self._comments.values() if c.issue == issue.number], query)
        reply = self._paginate(comments, query, f"{self.repo_path}/issues/{issue.number}/comments")
        reply.body = [self._comment_json(c) for c in reply.body]
        return reply

    def _op_list_repo_comments(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        comments = self._comments_since(list(self._comments.values()), query)
        if query.get("sort") == "updated":
            comments.sort(key=lambda c: (c.updated_at, c.id))
        if "sort" in query and query.get("direction") == "desc":
            comments.reverse()
        reply = self._paginate(comments, query, self.repo_path + "/issues/comments")
        reply.body = [self._comment_json(c) for c in reply.body]
        return reply

    def _op_create_comment(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        issue = self._issue(params["issue_number"])
        text = body.get("body") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise _invalid("IssueComment", "body", "missing_field")
        out = self._comment_json(self._new_comment(issue, text, self.login))
        return _Reply(201, out, {"Location": out["url"]})

    def _comment(self, comment_id: str) -> _Comment:
        comment = self._comments.get(int(comment_id))
        if comment is None:
            raise _not_found()
        return comment

    def _op_get_comment(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        return _Reply(200, self._comment_json(self._comment(params["comment_id"])))

    def _op_update_comment(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        comment = self._comment(params["comment_id"])
        text = body.get("body") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise _invalid("IssueComment", "body", "missing_field")
        comment.body = text
        comment.updated_at = self._now()
        return _Reply(200, self._comment_json(comment))

    def _op_delete_comment(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        comment = self._comment(params["comment_id"])
        del self._comments[comment.id]
        return _Reply(204)

    # ------------------------------------------------------------------ operations: sub-issues

    def _op_get_parent(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        issue = self._issue(params["issue_number"])
        if issue.parent is None:
            raise _not_found()
        return _Reply(200, self._issue_json(self._issues[issue.parent]))

    def _op_list_sub_issues(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        issue = self._issue(params["issue_number"])
        reply = self._paginate(list(issue.children), query, f"{self.repo_path}/issues/{issue.number}/sub_issues")
        reply.body = [self._issue_json(self._issues[n]) for n in reply.body]
        return reply

    def _op_add_sub_issue(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        parent = self._issue(params["issue_number"])
        child = self._child_by_id(body)
        self._link(parent, child, replace=bool(body.get("replace_parent")))
        out = self._issue_json(parent)
        return _Reply(201, out, {"Location": f"{self._repo_api}/issues/{parent.number}/sub_issues"})

    def _op_remove_sub_issue(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        parent = self._issue(params["issue_number"])
        child = self._child_by_id(body)
        if child.parent != parent.number:
            raise _not_found()
        parent.children.remove(child.number)
        child.parent = None
        self._touch(parent)
        self._touch(child)
        out = self._issue_json(parent)
        return _Reply(200, out, {"Location": f"{self._repo_api}/issues/{parent.number}/sub_issue"})

    def _op_reprioritize_sub_issue(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        parent = self._issue(params["issue_number"])
        child = self._child_by_id(body)
        if child.parent != parent.number:
            raise _not_found()
        after, before = body.get("after_id"), body.get("before_id")
        if (after is None) == (before is None):
            raise _custom("Issue", "Specify exactly one of after_id and before_id", "after_id")
        anchor_id = after if after is not None else before
        anchor = next((self._issues[n] for n in parent.children if self._issues[n].id == anchor_id), None)
        if anchor is None or anchor.number == child.number:
            raise _invalid("Issue", "after_id" if after is not None else "before_id")
        parent.children.remove(child.number)
        index = parent.children.index(anchor.number) + (1 if after is not None else 0)
        parent.children.insert(index, child.number)
        self._touch(parent)
        return _Reply(200, self._issue_json(parent))

    # ------------------------------------------------------------------ operations: pulls

    def _op_list_pulls(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        state = query.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise _invalid("PullRequest", "state")
        items = [i for i in self._issues.values() if i.pull and (state == "all" or i.state == state)]
        if query.get("head"):
            owner, _, ref = query["head"].rpartition(":")
            if owner and owner.lower() != self.owner.lower():
                items = []
            items = [i for i in items if i.pull and i.pull.head == ref]
        if query.get("base"):
            items = [i for i in items if i.pull and i.pull.base == query["base"]]
        sort = query.get("sort", "created")
        key: Callable[[_Issue], Any] = {
            "updated": lambda i: (i.updated_at, i.number),
            "long-running": lambda i: (-i.created_at, i.number),
        }.get(sort, lambda i: (i.created_at, i.number))
        default_direction = "desc" if sort == "created" else "asc"
        items.sort(key=key, reverse=query.get("direction", default_direction) == "desc")
        reply = self._paginate(items, query, self.repo_path + "/pulls")
        reply.body = [self._pull_json(i, full=False) for i in reply.body]
        return reply

    def _op_create_pull(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        body = body if isinstance(body, dict) else {}
        for name in ("head", "base", "title"):
            value = body.get(name)
            if not isinstance(value, str) or not value.strip():
                raise _invalid("PullRequest", name, "missing_field")
        owner, _, head = body["head"].rpartition(":")
        base = body["base"]
        if owner and owner.lower() != self.owner.lower():
            raise _invalid("PullRequest", "head")
        branches = self._branches()
        if self.origin is not None:
            if head not in branches:
                raise _invalid("PullRequest", "head")
            if base not in branches:
                raise _invalid("PullRequest", "base")
        existing = next(
            (
                i
                for i in self._issues.values()
                if i.pull and i.state == "open" and i.pull.head == head and i.pull.base == base
            ),
            None,
        )
        if existing is not None:
            raise _custom("PullRequest", f"A pull request already exists for {self.owner}:{head}.")
        if head == base or (
            self.origin is not None
            and self._git("rev-list", "--count", f"{branches[base]}..{branches[head]}").stdout.strip() == "0"
        ):
            raise _custom("PullRequest", f"No commits between {base} and {head}")
        issue = self._new_issue(body["title"], body.get("body"), self.login)
        issue.pull = _Pull(
            id=next(self._ids),
            node_id=_node_id("PR_kwDO", issue.number),
            head=head,
            base=base,
            head_sha=branches.get(head) or _fake_sha("head", head, issue.number),
            base_sha=branches.get(base) or _fake_sha("base", base),
            draft=bool(body.get("draft")),
            maintainer_can_modify=bool(body.get("maintainer_can_modify", False)),
        )
        out = self._pull_json(issue, full=True)
        return _Reply(201, out, {"Location": out["url"]})

    def _op_get_pull(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        return _Reply(200, self._pull_json(self._pull(params["pull_number"]), full=True))

    def _op_update_pull(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        issue = self._pull(params["pull_number"])
        pull = issue.pull
        assert pull is not None
        body = body if isinstance(body, dict) else {}
        state = body.get("state")
        if state not in (None, "open", "closed"):
            raise _invalid("PullRequest", "state", value=str(state))
        if "title" in body and (not isinstance(body["title"], str) or not body["title"].strip()):
            raise _invalid("PullRequest", "title", "missing_field")
        if state == "open" and issue.state == "closed":
            if pull.merged:
                raise _custom("PullRequest", "state cannot be changed. The pull request cannot be reopened.", "state")
            if self.origin is not None and pull.head not in self._branches():
                raise _custom("PullRequest", "state cannot be changed. The head branch was deleted.", "state")
            clash = any(
                i.pull and i.state == "open" and i.pull.head == pull.head and i.pull.base == pull.base
                for i in self._issues.values()
            )
            if clash:
                raise _custom("PullRequest", f"A pull request already exists for {self.owner}:{pull.head}.")
        if body.get("base") is not None:
            if not isinstance(body["base"], str) or (self.origin is not None and body["base"] not in self._branches()):
                raise _invalid("PullRequest", "base")
            if pull.merged or issue.state == "closed":
                raise _custom("PullRequest", "Cannot change the base branch of a closed pull request.", "base")
        if "title" in body:
            issue.title = body["title"]
        if "body" in body:
            issue.body = body["body"] if body["body"] != "" else None
        if body.get("base") is not None:
            pull.base = body["base"]
            pull.base_sha = self._branches().get(pull.base) or _fake_sha("base", pull.base)
        if "maintainer_can_modify" in body:
            pull.maintainer_can_modify = bool(body["maintainer_can_modify"])
        if state == "closed":
            self._close(issue, None)
        elif state == "open":
            self._reopen(issue)
        self._touch(issue)
        return _Reply(200, self._pull_json(issue, full=True))

    def _op_check_merged(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        issue = self._issues.get(int(params["pull_number"]))
        # 204 if merged, else 404 with no body: what the description declares
        return _Reply(204 if issue is not None and issue.pull is not None and issue.pull.merged else 404)

    def _op_merge_pull(self, params: dict[str, str], query: dict[str, str], body: Any) -> _Reply:
        issue = self._pull(params["pull_number"])
        pull = issue.pull
        assert pull is not None
        body = body if isinstance(body, dict) else {}
        method = body.get("merge_method") or "merge"
        if method not in ("merge", "squash", "rebase"):
            raise _invalid("PullRequest", "merge_method", value=str(method))
        if issue.state != "open" or pull.merged:
            raise _ApiError(405, "Pull Request is not mergeable")
        if pull.draft:
            raise _ApiError(405, "Pull Request is still a draft")
        branches = self._branches()
        if self.origin is not None and (pull.head not in branches or pull.base not in branches):
            raise _ApiError(405, "Pull Request is not mergeable")
        head_sha = branches.get(pull.head, pull.head_sha)
        if body.get("sha") and body["sha"] != head_sha:
            raise _ApiError(409, "Head branch was modified. Review and try the merge again.")
        if method == "squash":
            title = body.get("commit_title") or f"{issue.title} (#{issue.number})"
        elif method == "merge":
            title = body.get("commit_title") or f"Merge pull request #{issue.number} from {self.owner}/{pull.head}"
        else:
            title = ""
        message = body.get("commit_message") if body.get("commit_message") is not None else issue.title
        if self.origin is not None:
            sha = self._git_merge(issue, method, title, message)
        else:
            sha = _fake_sha("merge", issue.number, method)
        pull.head_sha = head_sha
        pull.merged = True
        pull.merged_at = self._now()
        pull.merged_by = self.login
        pull.merge_commit_sha = sha
        self._close(issue, None)
        if pull.base == self.default_branch:
            for text in (issue.title, issue.body or ""):
                for match in _CLOSING.finditer(text):
                    target = self._issues.get(int(match.group(1)))
                    if target is not None and target.pull is None and target.state == "open":
                        self._close(target, "completed")
        out = copy.deepcopy(self._templates["merge"])
        out.update(sha=sha, merged=True, message="Pull Request successfully merged")
        return _Reply(200, out)


def emulator_fixture(name: str = "github", **kwargs: Any) -> Any:
    """A pytest fixture (named ``name``) yielding a running GitHubEmulator(**kwargs).

    At teardown it stops the server and fails the test if any answer broke the OpenAPI
    description. Assign the result to a module-level name in a test module or conftest::

        github = emulator_fixture()
    """
    import pytest

    @pytest.fixture(name=name)
    def _fixture() -> Iterator[GitHubEmulator]:
        with GitHubEmulator(**kwargs) as emulator:
            yield emulator
        emulator.assert_no_violations()

    return _fixture
