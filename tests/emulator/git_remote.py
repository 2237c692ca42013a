"""The git remote behind the emulated repository: a bare repository (``origin``) that pull requests
read their branches, shas and diff stats from, and that merges really write to, as GitHub does."""

from __future__ import annotations

import os
import subprocess

from .state import State, _ApiError, _Issue, _Pull

_GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}


class GitRemote(State):
    """Reads and writes ``origin`` with real git (nothing when there is no origin)."""

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
