"""Pull requests: the state API tests set them up with, and the operations that answer GitHub's
pull request endpoints (merges write to the git remote)."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from typing import Any

from .git_remote import GitRemote
from .state import _ApiError, _custom, _fake_sha, _invalid, _iso, _Issue, _node_id, _Pull, _Reply

_CLOSING = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d+)\b", re.IGNORECASE)


class Pulls(GitRemote):
    """GitHub's pull request endpoints, on the same issue numbers as issues."""

    # ------------------------------------------------------------------ state API for tests

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

    @property
    def pulls(self) -> dict[int, dict[str, Any]]:
        with self._lock:
            self._branch_cache = None
            return {n: self._pull_json(i, full=True) for n, i in sorted(self._issues.items()) if i.pull}

    # ------------------------------------------------------------------ rendering

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

    # ------------------------------------------------------------------ operations

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
