"""Issues, their labels, the repository's labels, comments and sub-issues: the state API tests set
them up with, and the operations that answer GitHub's issue endpoints."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from typing import Any

from .state import (
    DEFAULT_LABEL_COLOR,
    State,
    _ApiError,
    _Comment,
    _custom,
    _invalid,
    _iso,
    _Issue,
    _Label,
    _not_found,
    _parse_time,
    _Reply,
)


class Issues(State):
    """GitHub's issue, label, comment and sub-issue endpoints."""

    # ------------------------------------------------------------------ state API for tests

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

    # ------------------------------------------------------------------ rendering

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
