"""GitHub as the tracker, through PyGithub, cheap on the API and calm under its failures.

Reading lists issues and pull requests most recently updated first, 100 a page: in full
once, then (see :meth:`GitHubTracker._synced`) only page 1 unless more changed. Every page
is asked for conditionally with the ETag of its last answer, so a refresh when nothing
changed is all ``304 Not Modified`` and costs no rate limit. Page answers and the lists
(trimmed to what the board needs) live in a cache file, so a fresh process refreshes just
as cheaply. Writes go through PyGithub objects
made lazily (no extra GETs). Errors become :class:`TrackerError` subclasses with messages
safe to show: the token never appears in any of them.

PyGithub is imported only when a GitHubTracker is built, never on the app's start-up path.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from dslp_tui.model import Comment, Issue, IssueDraft, PullRequest
from dslp_tui.process import Kind, LabelSpec, add_to_section, template
from dslp_tui.text import one_line
from dslp_tui.tracker import (  # the errors and RateInfo are importable from here too
    AuthError,
    NetworkError,
    NotFoundError,
    PartiallyFiled,
    RateInfo,
    RateLimited,
    TrackerError,
    ValidationFailed,
)

PER_PAGE = 100
FULL_EVERY = 6 * 3600  # seconds between full reads of a list (to notice deleted issues)
CACHE_FORMAT = 2  # 2: issues carry their comment count, comments their author
GET_ATTEMPTS = 3  # a GET that meets a 5xx is retried, with backoff, at most this often
BACKOFF_CAP = 8.0
APPEND_ATTEMPTS = 5  # reads and writes of a body that keeps changing underneath, before giving up

# How the PyGithub client is built; tests replace the pacing (PyGithub's defaults sleep
# between requests). Reads are not paced; GitHub asks for a pause between writes.
CLIENT_OPTIONS: dict[str, Any] = {"seconds_between_requests": None, "seconds_between_writes": 1.0, "timeout": 20}


# --- connecting -------------------------------------------------------------------------------

# gh's rule for which token goes where: GH_TOKEN / GITHUB_TOKEN are for github.com (and its
# *.ghe.com data-residency tenants) only; any other host is a GitHub Enterprise Server and takes
# GH_ENTERPRISE_TOKEN / GITHUB_ENTERPRISE_TOKEN. Either falls back to `gh auth token`.
DOTCOM_VARIABLES = ("GH_TOKEN", "GITHUB_TOKEN")
ENTERPRISE_VARIABLES = ("GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN")
TENANCY_SUFFIX = ".ghe.com"
_TOKEN_CHARACTERS = re.compile(r"[!-~]+")  # visible ASCII: nothing that could end or split a header


def repo_from_remote(url: str) -> tuple[str, str] | None:
    """``(host, "owner/name")`` from a git remote URL in its https, ssh or scp-like form."""
    url = url.strip()
    scp = re.fullmatch(r"(?:[\w.-]+@)?([\w.-]+):(?!//)([\w.-]+)/([\w.-]+?)(?:\.git)?/?", url)
    if scp:
        return scp.group(1), f"{scp.group(2)}/{scp.group(3)}"
    parsed = urlparse(url)
    if parsed.scheme in ("https", "http", "ssh", "git") and parsed.hostname:
        parts = [p for p in parsed.path.split("/") if p]
        if len(parts) >= 2:
            name = parts[-1].removesuffix(".git")
            return parsed.hostname, f"{parts[-2]}/{name}"
    return None


def normalize_host(host: str) -> str:
    """The host a token belongs to, as gh names it: ``api.github.com`` is ``github.com``,
    ``api.acme.ghe.com`` is ``acme.ghe.com``; anything else is itself (lower case)."""
    host = host.lower().rstrip(".")
    if host == "github.com" or host.endswith(".github.com"):
        return "github.com"
    if host.endswith(TENANCY_SUFFIX):
        tenant = host.removesuffix(TENANCY_SUFFIX).rsplit(".", 1)[-1]
        return tenant + TENANCY_SUFFIX
    return host


def is_dotcom(host: str) -> bool:
    """True for github.com and its ``*.ghe.com`` tenants: the hosts GH_TOKEN is meant for."""
    normal = normalize_host(host)
    return normal == "github.com" or normal.endswith(TENANCY_SUFFIX)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: the only hosts plain HTTP may carry a token to."""
    host = host.lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def api_base_for(host: str, configured: str) -> str:
    """The REST base URL: configured, api.github.com for github.com, api.TENANT.ghe.com for a
    ghe.com tenant, else GitHub Enterprise Server's https://HOST/api/v3."""
    if configured:
        return configured.strip().rstrip("/")
    normal = normalize_host(host)
    if normal == "github.com":
        return "https://api.github.com"
    if is_dotcom(normal):
        return f"https://api.{normal}"
    return f"https://{host}/api/v3"


def api_host(base_url: str) -> str:
    """The host requests to ``base_url`` go to, after refusing a base URL that could leak the
    token: not https (plain http only to a loopback address), credentials in it, or no host."""
    where = "[tracker] base_url in dslp.toml"
    try:
        parsed = urlparse(base_url)
        host = parsed.hostname or ""
        parsed.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise TrackerError(f"{where} is not a valid URL; give one like https://HOST/api/v3") from None
    if parsed.scheme not in ("https", "http") or not re.fullmatch(r"[a-z0-9._:-]+", host):
        raise TrackerError(f"{where} must be an https:// URL with a host name, like https://HOST/api/v3")
    if parsed.username is not None or parsed.password is not None:
        raise TrackerError(f"{where} must not hold a user name or password; the token comes from the environment")
    if parsed.scheme == "http" and not is_loopback(host):
        raise TrackerError(
            f"{where} is plain http:// to {host}, which would send your token unencrypted; use https://"
            " (plain http is only for a loopback address such as 127.0.0.1 or localhost)"
        )
    return host


def gh_host(environ: Mapping[str, str] | None = None) -> str:
    """The host named by ``GH_HOST`` (gh's override; a port or scheme in it is dropped), ""
    when unset: the person's way to choose a host the remote does not name."""
    environ = os.environ if environ is None else environ
    value = environ.get("GH_HOST", "").strip()
    if not value:
        return ""
    try:
        host = urlparse(value if "://" in value else "//" + value).hostname or ""
    except ValueError:
        host = ""
    if not re.fullmatch(r"[a-z0-9._:-]+", host):
        raise TrackerError(f"GH_HOST={one_line(value)!r} is not a host name; set it to one such as ghe.example.com")
    return host


@dataclass(frozen=True)
class ChosenHosts:
    """The hosts the person chose for this repository, by gh's rule: the host of the git
    remote (chosen by cloning or ``git remote add``; ``.git/config`` is never committed) and
    ``GH_HOST``. A committed ``dslp.toml`` may refine the API path, never pick the host."""

    remote: str  # the remote's name, for messages
    remote_host: str  # "" when the remote's URL names no host (a path) or there is no remote
    env_host: str  # GH_HOST's host, "" when unset

    @property
    def default(self) -> str:
        """Where requests go when ``dslp.toml`` names no base URL: the remote's host, else
        GH_HOST's, else github.com (gh's default)."""
        return self.remote_host or self.env_host or "github.com"

    def allows(self, host: str) -> bool:
        """Whether ``host`` (an API host) gets the token of a host the person chose."""
        chosen = {normalize_host(h) for h in (self.remote_host, self.env_host) if h} or {"github.com"}
        return normalize_host(host) in chosen

    def check(self, host: str) -> None:
        """Refuse, before any token is read or request made, an API host the person did not choose."""
        if self.allows(host):
            return
        target = normalize_host(host)
        remote = (
            f"the remote {self.remote!r} names {one_line(normalize_host(self.remote_host))}"
            if self.remote_host
            else f"the remote {self.remote!r} names no host"
        )
        env = f"GH_HOST is {self.env_host}" if self.env_host else "GH_HOST is not set"
        fallback = "" if self.remote_host or self.env_host else " (so the host is github.com)"
        raise TrackerError(
            f"[tracker] base_url in dslp.toml would send your token to {host}, but {remote} and {env}{fallback}; "
            f"a repository's config does not choose where your token goes: set GH_HOST={target} if you mean it"
        )


def token_variables(host: str) -> tuple[str, str]:
    """The environment variables whose token may be sent to ``host``, by gh's rule."""
    return DOTCOM_VARIABLES if is_dotcom(host) else ENTERPRISE_VARIABLES


def checked_token(value: str, source: str) -> str:
    """``value`` without surrounding whitespace, refused (naming ``source``, never the value)
    unless it is visible ASCII only: a newline or space inside would corrupt the request."""
    token = value.strip()
    if not _TOKEN_CHARACTERS.fullmatch(token):
        raise AuthError(
            f"the token from {source} holds a space, a control or a non-ASCII character; "
            "a token is one word of printable ASCII: set it again"
        )
    return token


def find_token(host: str = "github.com", environ: Mapping[str, str] | None = None) -> str:
    """The token for requests to ``host``: its two variables in gh's order, else
    ``gh auth token --hostname HOST``; else an error naming what to set for this host."""
    environ = os.environ if environ is None else environ
    normal = normalize_host(host)
    variables = token_variables(normal)
    for name in variables:
        if environ.get(name, "").strip():
            return checked_token(environ[name], name)
    token = _token_from_gh(normal, environ)
    if token:
        return checked_token(token, f"`gh auth token --hostname {normal}`")
    unused = [
        name for name in (*DOTCOM_VARIABLES, *ENTERPRISE_VARIABLES) if name not in variables and environ.get(name)
    ]
    note = f" ({' and '.join(unused)} {'is' if len(unused) == 1 else 'are'} not sent to {normal})" if unused else ""
    raise AuthError(
        f"No GitHub token for {normal}: set {variables[0]} (or {variables[1]}), or run `{_login(normal)}`{note}. "
        "The token is read from there each time and never written anywhere."
    )


def _token_from_gh(host: str, environ: Mapping[str, str]) -> str:
    """What ``gh auth token`` says for ``host``, or "" when gh is absent or has none."""
    gh = shutil.which("gh", path=environ.get("PATH", ""))
    if not gh:
        return ""
    try:
        done = subprocess.run(
            [gh, "auth", "token", f"--hostname={host}"],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _login(host: str) -> str:
    return "gh auth login" + ("" if host == "github.com" else f" --hostname {host}")


def token_hint(host: str) -> str:
    """Where the token for ``host`` comes from, for a 401 message."""
    first, second = token_variables(host)
    return f"{first} / {second} or `{_login(normalize_host(host))}`"


# --- the tracker ------------------------------------------------------------------------------


def _stamp(value: str | None) -> float:
    if not value:
        return 0.0
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _user_login(user: object) -> str:
    """The login of a payload's ``user`` (None for a deleted account: "ghost" on GitHub's web)."""
    return str(user.get("login") or "") if isinstance(user, dict) else ""


def _number_from_url(url: str | None) -> int | None:
    match = re.search(r"/issues/(\d+)$", url or "")
    return int(match.group(1)) if match else None


class GitHubTracker:
    """Issues, labels, sub-issues, comments and pull requests of one GitHub repository."""

    def __init__(
        self,
        full_name: str,
        token: str,
        base_url: str,
        kind_labels: dict[str, Kind],
        cache_file: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        from github import Auth, Github  # heavy: only when GitHub is the chosen tracker

        if not re.fullmatch(r"[\w.-]+/[\w.-]+", full_name):
            raise TrackerError(f"[tracker] repo must look like owner/name, not {full_name!r}")
        host = api_host(base_url)  # refuses plain http to anything but loopback
        self.full_name = full_name
        self.name = f"GitHub {full_name}"
        self.base_url = base_url
        self._token = token = checked_token(token, "the token given")
        self._token_hint = token_hint(host)
        self._kind_labels = {name.lower(): kind for name, kind in kind_labels.items()}
        self._clock = clock
        self._gh = Github(
            base_url=base_url, auth=Auth.Token(token), retry=None, lazy=True, per_page=PER_PAGE, **CLIENT_OPTIONS
        )
        self._requester = self._gh.requester
        self._repo = self._gh.get_repo(full_name)
        self.rate = RateInfo()
        self._cache_file = cache_file
        self._pages: dict[str, dict[str, Any]] = {}
        self._sets: dict[str, dict[str, Any]] = {}
        self._load_cache()

    # --- errors ---------------------------------------------------------------------------

    def _safe(self, text: str) -> str:
        """``text`` with the token taken out, also as repr or JSON would quote it."""
        for form in {self._token, repr(self._token)[1:-1], json.dumps(self._token)[1:-1]}:
            text = text.replace(form, "***")
        return text

    def _error(self, error: Exception) -> TrackerError:
        """Map a PyGithub or network exception to a TrackerError worded for a person."""
        from github import GithubException

        if isinstance(error, TrackerError):
            return error
        if isinstance(error, GithubException):
            return self._http_error(
                error.status, error.data if isinstance(error.data, dict) else {}, error.headers or {}
            )
        return NetworkError(self._safe(f"cannot reach GitHub at {self.base_url}: {type(error).__name__}: {error}"))

    def _http_error(self, status: int, data: dict[str, Any], headers: dict[str, Any]) -> TrackerError:
        message = str(data.get("message") or "")
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        self._note_rate(headers)
        if status == 429 or (status == 403 and ("rate limit" in message.lower() or headers.get("retry-after"))):
            if headers.get("retry-after"):
                reset_at = self._clock() + float(headers["retry-after"])
            elif headers.get("x-ratelimit-reset"):
                reset_at = float(headers["x-ratelimit-reset"])
            else:
                reset_at = self._clock() + 60
            wait = max(0, int(reset_at - self._clock()))
            return RateLimited(
                self._safe(f"GitHub rate limit reached ({message or status}); retry in {wait}s"), reset_at
            )
        if status == 401:
            return AuthError(f"GitHub rejected the token (401 Bad credentials): check {self._token_hint}")
        if status == 403:
            return AuthError(
                self._safe(f"GitHub refused access (403): {message or 'forbidden'}; the token may lack the repo scope")
            )
        if status == 404:
            return NotFoundError(
                f"not found on GitHub (404): {self.full_name} or the issue does not exist, or the token cannot see it"
            )
        if status == 422:
            details = []
            for item in data.get("errors") or []:
                if isinstance(item, dict):
                    details.append(
                        item.get("message") or " ".join(str(item.get(k, "")) for k in ("field", "code")).strip()
                    )
                else:
                    details.append(str(item))
            text = "; ".join(filter(None, [message, *details])) or "validation failed"
            return ValidationFailed(self._safe(f"GitHub refused it (422): {text}"))
        if status >= 500:
            return NetworkError(
                self._safe(f"GitHub is having trouble ({status}): {message or 'server error'}; try again")
            )
        return TrackerError(self._safe(f"GitHub answered {status}: {message}"))

    def _note_rate(self, headers: dict[str, Any]) -> None:
        lower = {k.lower(): v for k, v in headers.items()}
        try:
            if "x-ratelimit-remaining" in lower:
                self.rate = RateInfo(
                    int(lower.get("x-ratelimit-limit", -1)),
                    int(lower["x-ratelimit-remaining"]),
                    float(lower.get("x-ratelimit-reset", 0)),
                )
        except ValueError:
            pass

    def _call(self, fn: Callable[[], Any]) -> Any:
        """Run one PyGithub write; map its failures; remember the rate limit it reported."""
        try:
            result = fn()
        except Exception as error:  # PyGithub, requests and urllib3 raise many kinds
            raise self._error(error) from None
        remaining, limit = self._requester.rate_limiting
        if remaining >= 0:
            self.rate = RateInfo(limit, remaining, float(self._requester.rate_limiting_resettime))
        return result

    # --- conditional, paginated reads -----------------------------------------------------

    def _get(self, url: str, params: dict[str, Any] | None, etag: str | None) -> tuple[int, dict[str, Any], Any]:
        """One GET (with ``If-None-Match`` when we have an ETag); 5xx retried with backoff."""
        headers = {"If-None-Match": etag} if etag else {}
        for attempt in range(GET_ATTEMPTS):
            try:
                status, response_headers, body = self._requester.requestJson("GET", url, params, headers)
            except Exception as error:
                raise self._error(error) from None
            response_headers = {k.lower(): v for k, v in response_headers.items()}
            self._note_rate(response_headers)
            if status >= 500 and attempt + 1 < GET_ATTEMPTS:
                time.sleep(min(BACKOFF_CAP, 0.25 * 2**attempt))
                continue
            data = json.loads(body) if body and status != 304 else None
            if status >= 400:
                raise self._http_error(status, data if isinstance(data, dict) else {}, response_headers)
            return status, response_headers, data
        raise NetworkError("GitHub kept failing")  # pragma: no cover - the loop always returns

    def _page(self, url: str, query: dict[str, Any] | None, extract: Callable[[dict], dict]) -> dict[str, Any]:
        """One page of a list, asked for conditionally; a 304 gives back the cached page."""
        key = url + ("?" + "&".join(f"{k}={v}" for k, v in sorted(query.items())) if query else "")
        cached = self._pages.get(key)
        status, headers, data = self._get(url, query, cached["etag"] if cached else None)
        if status == 304 and cached:
            return cached
        page = {
            "etag": headers.get("etag"),
            "next": _next_link(headers.get("link", "")),
            "items": [extract(item) for item in (data or [])],
        }
        if page["etag"]:
            self._pages[key] = page
        return page

    def _all_pages(self, path: str, params: dict[str, Any], extract: Callable[[dict], dict]) -> list[dict]:
        """Every item of a paginated list (following ``Link: rel="next"``), pages conditional."""
        items: list[dict] = []
        url: str | None = path
        query: dict[str, Any] | None = params
        seen: set[str] = set()
        while url and url not in seen:
            seen.add(url)
            page = self._page(url, query, extract)
            items.extend(page["items"])
            url, query = page["next"], None
        return items

    def _synced(self, name: str, path: str, extract: Callable[[dict], dict]) -> list[dict]:
        """A whole list kept in step cheaply: read in full once, then only what changed.

        The list is read most recently updated first. After the first full read, a refresh
        asks for page 1 only (conditionally: unchanged means 304, free) and goes on to the
        next page only while every item on the page changed since the last refresh. A full
        read is repeated every :data:`FULL_EVERY` seconds to notice deleted issues.
        """
        params = {"state": "all", "per_page": PER_PAGE, "sort": "updated", "direction": "desc"}
        state = self._sets.get(name)
        if state is None or self._clock() - state.get("full_at", 0) > FULL_EVERY:
            items = {str(item["number"]): item for item in self._all_pages(path, params, extract)}
            state = {"items": items, "full_at": self._clock()}
        else:
            watermark = state["watermark"]
            url: str | None = path
            query: dict[str, Any] | None = params
            while url:
                page = self._page(url, query, extract)
                known = state["items"]
                changed = [item for item in page["items"] if known.get(str(item["number"])) != item]
                for item in changed:
                    known[str(item["number"])] = item
                # Items come newest first: a page holding anything unchanged (or older than the
                # last refresh) is where the changes end.
                unchanged = len(changed) < len(page["items"])
                if not page["items"] or unchanged or (page["items"][-1]["updated_at"] or "") < watermark:
                    break
                url, query = page["next"], None
        state["watermark"] = max((item["updated_at"] or "" for item in state["items"].values()), default="")
        self._sets[name] = state
        return sorted(state["items"].values(), key=lambda item: item["number"])

    def _load_cache(self) -> None:
        """Page ETags and the lists kept in step, from the last run (none: start afresh)."""
        self._pages, self._sets = {}, {}
        if not self._cache_file:
            return
        try:
            data = json.loads(self._cache_file.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("format") == CACHE_FORMAT:
                self._pages, self._sets = data["pages"], data["sets"]
        except (OSError, ValueError, KeyError):
            pass

    def _save_cache(self) -> None:
        if not self._cache_file:
            return
        from dslp_tui.cache import write_private

        with contextlib.suppress(OSError):  # a cache that cannot be written only costs requests
            write_private(
                self._cache_file, json.dumps({"format": CACHE_FORMAT, "pages": self._pages, "sets": self._sets})
            )

    # --- Tracker: reading -----------------------------------------------------------------

    def _kind_of(self, labels: list[str]) -> Kind | None:
        for label in labels:
            kind = self._kind_labels.get(label.lower())
            if kind:
                return kind
        return None

    @staticmethod
    def _extract_issue(item: dict) -> dict:
        return {
            "number": item["number"],
            "id": item["id"],
            "title": item.get("title") or "",
            "body": item.get("body") or "",
            "state": item.get("state") or "open",
            "labels": [label["name"] if isinstance(label, dict) else str(label) for label in item.get("labels") or []],
            "assignees": [a.get("login", "") for a in item.get("assignees") or [] if isinstance(a, dict)],
            "created_at": item.get("created_at"),
            "updated_at": item.get("updated_at"),
            "closed_at": item.get("closed_at"),
            "parent": _number_from_url(item.get("parent_issue_url")),
            "comments": item.get("comments") if isinstance(item.get("comments"), int) else 0,
            "pull": "pull_request" in item,
            "url": item.get("html_url") or "",
        }

    def _issue(self, raw: dict) -> Issue:
        return Issue(
            number=raw["number"],
            title=raw["title"],
            kind=self._kind_of(raw["labels"]),
            state="closed" if raw["state"] == "closed" else "open",
            body=raw["body"],
            labels=tuple(raw["labels"]),
            parent=raw["parent"],
            created_at=_stamp(raw["created_at"]),
            updated_at=_stamp(raw["updated_at"]),
            closed_at=_stamp(raw["closed_at"]) or None,
            url=raw["url"],
            assignees=tuple(raw.get("assignees") or ()),
            comments=raw.get("comments") or 0,
        )

    def list_issues(self) -> list[Issue]:
        """Every issue carrying a DSLP kind label, open and closed (pull requests left out)."""
        raw = self._synced("issues", f"/repos/{self.full_name}/issues", self._extract_issue)
        issues = [self._issue(item) for item in raw if not item["pull"]]
        self._save_cache()
        return [issue for issue in issues if issue.kind is not None]

    def get_issue(self, number: int) -> Issue:
        status, _, data = self._get(f"/repos/{self.full_name}/issues/{number}", None, None)
        if data.get("pull_request"):
            raise NotFoundError(f"#{number} is a pull request, not an issue")
        return self._issue(self._extract_issue(data))

    def comments(self, number: int) -> list[Comment]:
        def extract(item: dict) -> dict:
            return {
                "id": item["id"],
                "body": item.get("body") or "",
                "created_at": item.get("created_at"),
                "author": _user_login(item.get("user")),
            }

        raw = self._all_pages(f"/repos/{self.full_name}/issues/{number}/comments", {"per_page": PER_PAGE}, extract)
        return [Comment(c["id"], number, c["body"], _stamp(c["created_at"]), c.get("author", "")) for c in raw]

    def pull_requests(self) -> list[PullRequest]:
        def extract(item: dict) -> dict:
            if item.get("merged_at"):
                state = "merged"
            elif item.get("state") == "closed":
                state = "closed"
            else:
                state = "draft" if item.get("draft") else "open"
            return {
                "number": item["number"],
                "head": (item.get("head") or {}).get("ref", ""),
                "base": (item.get("base") or {}).get("ref", ""),
                "state": state,
                "url": item.get("html_url") or "",
                "updated_at": item.get("updated_at"),
            }

        raw = self._synced("pulls", f"/repos/{self.full_name}/pulls", extract)
        self._save_cache()
        fields = ("number", "head", "base", "state", "url")
        return [PullRequest(**{k: item[k] for k in fields}) for item in raw]

    # --- Tracker: writing -----------------------------------------------------------------

    def _lazy_issue(self, number: int):
        return self._repo.get_issue(number)

    def create_issue(self, draft: IssueDraft, *, labels: tuple[str, ...], body: str) -> Issue:
        """File the issue with its kind label; a child also becomes a sub-issue of its Ask."""
        created = self._call(lambda: self._repo.create_issue(title=draft.title, body=body, labels=list(labels)))
        raw = self._extract_issue(created.raw_data)
        if draft.parent is not None and template(draft.template).kind is not Kind.ASK:
            try:
                self._add_sub_issue(draft.parent, raw["id"])
                raw["parent"] = draft.parent
            except TrackerError as error:
                # The issue exists and names its Ask in the body; say the sub-issue link failed.
                raise PartiallyFiled(
                    f"#{raw['number']} was created and references #{draft.parent}, but linking it as a "
                    f"sub-issue failed: {error}",
                    raw["number"],
                ) from None
        return self._issue(raw)

    def _add_sub_issue(self, parent: int, child_id: int) -> None:
        issue = self._lazy_issue(parent)
        self._call(lambda: issue.add_sub_issue(child_id))

    def link_sub_issue(self, parent: int, number: int) -> None:
        """Make ``number`` a sub-issue of ``parent`` (retrying a link that failed at creation)."""
        _, _, data = self._get(f"/repos/{self.full_name}/issues/{number}", None, None)
        if _number_from_url(data.get("parent_issue_url")) == parent:
            return  # the earlier attempt did link it after all
        self._add_sub_issue(parent, data["id"])

    def append_to_section(self, number: int, section: str, line: str) -> Issue:
        """Add ``line`` to a section of the body without overwriting someone else's edit.

        GitHub has no conditional update of an issue (no ``If-Match`` on PATCH), so this
        reads the body, edits it, reads it again just before writing and starts over if it
        changed meanwhile; after writing it reads once more and starts over if another
        writer's PATCH replaced ours. That narrows the race, it cannot close it: a write
        landing between the last read and the PATCH is still lost. The board flags an Ask
        whose body misses a child its links know about, so such a loss is seen.
        """
        for _ in range(APPEND_ATTEMPTS):
            before = self.get_issue(number)
            body = add_to_section(before.body, section, line)
            if body == before.body:
                return before
            if self.get_issue(number).body != before.body:
                continue  # changed underneath: edit the newer body
            after = self.update_issue(number, body=body)
            if line.strip() in self.get_issue(number).body:
                return after
        raise TrackerError(f"#{number} kept changing while {line.strip()!r} was added to it; try again")

    def update_issue(
        self,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        state: str | None = None,
        parent: int | None = None,
    ) -> Issue:
        """PATCH what changed; a new ``parent`` makes the issue that Ask's sub-issue instead."""
        url = f"/repos/{self.full_name}/issues/{number}"
        if parent is not None:
            _, _, current = self._get(url, None, None)
            move = {"sub_issue_id": current["id"], "replace_parent": True}
            parent_url = f"/repos/{self.full_name}/issues/{parent}/sub_issues"
            self._call(lambda: self._requester.requestJsonAndCheck("POST", parent_url, input=move))
        changes: dict[str, Any] = {
            k: v for k, v in (("title", title), ("body", body), ("state", state)) if v is not None
        }
        if not changes:
            return self.get_issue(number)
        _, data = self._call(lambda: self._requester.requestJsonAndCheck("PATCH", url, input=changes))
        return self._issue(self._extract_issue(data))

    def set_labels(self, number: int, add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> Issue:
        issue = self._lazy_issue(number)
        if add:
            self._call(lambda: issue.add_to_labels(*add))
        for name in remove:
            with contextlib.suppress(NotFoundError):  # already gone: the wanted state holds
                self._call(partial(issue.remove_from_labels, name))
        return self.get_issue(number)

    def comment(self, number: int, body: str) -> Comment:
        issue = self._lazy_issue(number)
        created = self._call(lambda: issue.create_comment(body))
        data = created.raw_data
        return Comment(
            created.id, number, created.body or "", _stamp(data.get("created_at")), _user_login(data.get("user"))
        )

    # --- pull requests --------------------------------------------------------------------

    def open_pull(self, *, head: str, base: str, title: str, body: str, draft: bool = True) -> PullRequest:
        pull = self._call(lambda: self._repo.create_pull(title=title, body=body, head=head, base=base, draft=draft))
        return PullRequest(pull.number, head, base, "draft" if draft else "open", pull.html_url or "")

    def close_pull(self, number: int) -> None:
        """Close without merging (explore work, failed experiments)."""
        pull = self._repo.get_pull(number)
        self._call(lambda: pull.edit(state="closed"))

    def retarget_pull(self, number: int, base: str) -> None:
        pull = self._repo.get_pull(number)
        self._call(lambda: pull.edit(base=base))

    def merge_pull(self, number: int, message: str = "") -> None:
        pull = self._repo.get_pull(number)
        self._call(lambda: pull.merge(commit_message=message) if message else pull.merge())

    # --- labels ---------------------------------------------------------------------------

    def ensure_labels(self, specs: list[LabelSpec], dry_run: bool = False) -> list[str]:
        """Create missing labels and correct colour/description; idempotent. Returns the changes."""
        existing = {
            item["name"].lower(): item
            for item in self._all_pages(
                f"/repos/{self.full_name}/labels",
                {"per_page": PER_PAGE},
                lambda raw: {
                    "name": raw["name"],
                    "color": raw.get("color", ""),
                    "description": raw.get("description") or "",
                },
            )
        }
        changes = []
        for spec in specs:
            have = existing.get(spec.name.lower())
            if have is None:
                changes.append(f"create label {spec.name!r} (#{spec.color})")
                if not dry_run:
                    self._call(partial(self._repo.create_label, spec.name, spec.color, spec.description))
            elif have["color"].lower() != spec.color.lower() or have["description"] != spec.description:
                changes.append(f"update label {spec.name!r} (#{spec.color}, description)")
                if not dry_run:
                    label = self._repo.get_label(have["name"])
                    self._call(partial(label.edit, spec.name, spec.color, spec.description))
        return changes


def _next_link(header: str) -> str | None:
    for part in header.split(","):
        match = re.search(r'<([^>]+)>\s*;\s*rel="next"', part)
        if match:
            return match.group(1)
    return None
