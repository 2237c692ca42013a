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

import copy
import hashlib
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from .issues import Issues
from .openapi import API_DIR, DOCS, _doc_url, validate_response
from .pulls import Pulls
from .server import LocalServer
from .state import (
    DEFAULT_LABEL_COLOR,
    GITHUB_API,
    RequestRecord,
    State,
    _ApiError,
    _Failure,
    _not_found,
    _Reply,
)

__all__ = [
    "API_DIR",
    "DEFAULT_LABEL_COLOR",
    "DOCS",
    "GITHUB_API",
    "INJECTABLE_STATUSES",
    "RATE_DOCS",
    "RATE_LIMIT",
    "RATE_WINDOW",
    "ROUTES",
    "GitHubEmulator",
    "RequestRecord",
    "emulator_fixture",
    "validate_response",
]

RATE_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"

RATE_LIMIT = 5000

RATE_WINDOW = 3600

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


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    bare = etag.removeprefix("W/")
    return any(tag.strip() in ("*", etag, bare) or tag.strip().removeprefix("W/") == bare for tag in header.split(","))


class GitHubEmulator(Issues, Pulls, LocalServer):
    """GitHub's REST API for one repository, served on 127.0.0.1 from a daemon thread."""

    thread_name = "github-emulator"

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
        LocalServer.__init__(self)
        State.__init__(self, self.base_url, owner, repo, origin, page_size_default, login, user_id, default_branch)
        self.token = token
        self.violations: list[str] = []
        self.requests: list[RequestRecord] = []
        self._failures: list[_Failure] = []
        self._rl_used = 0
        self._rl_reset = self._now() + RATE_WINDOW
        self._secondary_until: float | None = None
        self._secondary_status = 403
        self._request_seq = 0
        self._start()

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

    # ------------------------------------------------------------------ request handling

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

    # ------------------------------------------------------------------ operations: user, repo

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
