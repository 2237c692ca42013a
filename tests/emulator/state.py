"""The emulated repository's state: its model, GitHub's error answers, and the helpers every area
(issues, pulls, the git remote) shares to change and render it."""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import math
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from .openapi import _reference

GITHUB_API = "https://api.github.com"
DEFAULT_LABEL_COLOR = "ededed"


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


class State:
    """One repository's issues (pull requests included), labels and comments, behind one lock."""

    def __init__(
        self,
        base_url: str,
        owner: str,
        repo: str,
        origin: Path | None,
        page_size_default: int,
        login: str,
        user_id: int,
        default_branch: str,
    ) -> None:
        self.owner = owner
        self.repo = repo
        self.origin = Path(origin) if origin is not None else None
        self.page_size_default = page_size_default
        self.login = login
        self.user_id = user_id
        self.default_branch = default_branch
        self.base_url = base_url
        self.repo_path = f"/repos/{owner}/{repo}"
        self._repo_api = base_url + self.repo_path
        self._html = f"https://github.com/{owner}/{repo}"
        self._lock = threading.RLock()
        self._time_offset = 0.0
        self._started = self._now()
        self._next_number = 1
        self._ids = iter(range(2_800_000_001, 10**12, 7919))
        self._issues: dict[int, _Issue] = {}
        self._labels: dict[int, _Label] = {}
        self._comments: dict[int, _Comment] = {}
        self._user_ids: dict[str, int] = {login: user_id}
        self._branch_cache: dict[str, str] | None = None
        self._templates = {
            name: _subst(_reference(file), [(GITHUB_API, base_url)])
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

    @contextlib.contextmanager
    def _state_api(self) -> Iterator[None]:
        """The lock, with GitHub's refusals turned into ValueError for the test that set up state."""
        with self._lock:
            try:
                yield
            except _ApiError as error:
                detail = (error.errors or [{}])[0].get("message") or error.errors or ""
                raise ValueError(f"{error.status} {error.message} {detail}".strip()) from None

    def _clock(self) -> float:
        return time.time() + self._time_offset

    def _now(self) -> int:
        return int(self._clock())

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
