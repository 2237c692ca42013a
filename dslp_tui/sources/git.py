"""Branches through GitPython: what state every DSLP branch is in, and starting a new one.

The listing costs a fixed handful of git processes whatever the number of branches:
``for-each-ref`` gives tips, upstreams and their ahead/behind; one ``merge-base --octopus``
and one ``rev-list`` give ahead/behind against the collaboration branch for every branch at
once (see :func:`_ahead_behind`); one ``status`` tells whether the tree is dirty. Nothing here
forces, resets or deletes.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path

from dslp_tui.errors import EXIT_USAGE, DslpError
from dslp_tui.model import Branch, RepoState
from dslp_tui.process import issue_number_from_branch


class GitError(DslpError):
    """A git problem worded for a person: what happened and what to do."""


class NotAGitRepository(GitError):
    exit_status = EXIT_USAGE


class GitNotInstalled(GitError):
    """No ``git`` to run: nothing in a repository can be read without it."""

    exit_status = EXIT_USAGE

    def __init__(self) -> None:
        super().__init__(
            "git is not installed or not on PATH: dslp-tui reads branches and history with git; "
            "install git (or add it to PATH) and run again"
        )


def _run_git(args: list[str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``git ARGS`` in ``cwd``, never prompting; GitNotInstalled when there is no git to run."""
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except FileNotFoundError as error:
        if error.filename == "git":
            raise GitNotInstalled() from None
        raise


@dataclass
class StartResult:
    """What :meth:`GitSource.start_branch` did, step by step, for the person to read."""

    branch: str
    created: bool = False
    checked_out: bool = False
    pushed: bool = False
    notes: list[str] = field(default_factory=list)


_SEP = "\x1f"
_FULL_SHA = re.compile(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}")
_REF_FORMAT = _SEP.join(
    ("%(refname)", "%(objectname)", "%(upstream)", "%(upstream:track,nobracket)", "%(committerdate:unix)", "%(HEAD)")
)


@dataclass(frozen=True)
class RepoPaths:
    """Where a repository's working tree and git directories are, read without GitPython."""

    root: Path  # the working tree
    git_dir: Path  # this worktree's git directory
    common_dir: Path  # shared by every worktree: the tracker, drafts and journals live under it


_GITDIR_LINE = re.compile(r"gitdir:\s*(.+)")
_BARE = re.compile(r"^\s*bare\s*=\s*true\s*$", re.IGNORECASE | re.MULTILINE)
_WORKTREE = re.compile(r"^\s*worktree\s*=\s*(.*?)\s*$", re.IGNORECASE | re.MULTILINE)


def find_repo_paths(path: Path) -> RepoPaths | None:
    """The repository at or above ``path`` by reading files only (no GitPython, no git process).

    Understands a ``.git`` directory and a ``.git`` file (``gitdir: ...``: a linked worktree
    or a submodule) with its ``commondir``. None when nothing is found or the layout is one
    this does not read (a broken ``.git``, ``core.worktree``, ``core.bare``): then GitPython
    decides, with its own error message.
    """
    try:
        start = path.resolve()
        for candidate in (start, *start.parents):
            dotgit = candidate / ".git"
            if dotgit.is_dir():
                return _checked(candidate, dotgit)
            if dotgit.is_file():
                match = _GITDIR_LINE.match(dotgit.read_text(encoding="utf-8", errors="replace").strip())
                return _checked(candidate, (candidate / match.group(1).strip()).resolve()) if match else None
    except OSError:
        return None
    return None


def _checked(root: Path, git_dir: Path) -> RepoPaths | None:
    """``root`` and its git directory, if they look like a plain non-bare repository."""
    if not (git_dir / "HEAD").is_file():
        return None
    common = git_dir
    if (git_dir / "commondir").is_file():
        common = (git_dir / (git_dir / "commondir").read_text(encoding="utf-8").strip()).resolve()
    config = common / "config"
    if not (common / "objects").is_dir() or not config.is_file():
        return None
    text = config.read_text(encoding="utf-8", errors="replace")
    worktrees = _WORKTREE.findall(text)  # a submodule's names its own directory; anything else: GitPython
    if _BARE.search(text) or any((git_dir / tree).resolve() != root for tree in worktrees):
        return None
    return RepoPaths(root, git_dir.resolve(), common.resolve())


class LazyGit:
    """A repository's :class:`GitSource`, built on first use.

    GitPython takes about 200 ms to import; the tracker needs only the repository's paths,
    so a board opens and paints its issues before GitPython is imported. Thread-safe: the
    workers that need git share one source.
    """

    def __init__(self, paths: RepoPaths, source: GitSource | None = None) -> None:
        self.root = paths.root
        self.common_dir = paths.common_dir
        self._source = source
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path) -> LazyGit:
        """The repository at or above ``path``; raises NotAGitRepository (GitPython then decides)."""
        paths = find_repo_paths(path)
        if paths is not None:
            return cls(paths)
        return cls.of(GitSource(path))  # not a layout read above: GitPython's answer, or its error

    @classmethod
    def of(cls, source: GitSource) -> LazyGit:
        """An already open source."""
        return cls(RepoPaths(source.root, Path(source.repo.git_dir), source.common_dir), source)

    @property
    def is_open(self) -> bool:
        """Whether GitPython has been imported and the source built."""
        return self._source is not None

    def get(self) -> GitSource:
        with self._lock:
            if self._source is None:
                self._source = GitSource(self.root)
            return self._source

    def user_name(self) -> str:
        return self.get().user_name()

    def remote_url(self, remote: str) -> str | None:
        """The remote's (first) URL by one ``git remote get-url`` (no GitPython); None: no such remote."""
        if self._source is not None:
            return self._source.remote_url(remote)
        done = _run_git(["remote", "get-url", "--all", remote], self.root)
        urls = done.stdout.splitlines() if done.returncode == 0 else []
        return urls[0] if urls else None


class GitSource:
    def __init__(self, path: Path) -> None:
        try:
            import git  # GitPython is imported only when a repository is opened
        except ImportError as error:  # GitPython refuses to load when it finds no git to run
            if "git executable" in str(error):
                raise GitNotInstalled() from None
            raise

        try:
            self.repo = git.Repo(path, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise NotAGitRepository(
                f"{path} is not inside a git repository. Run dslp-tui in a repository "
                "(or pass --repo PATH), or try `dslp-tui demo` for a ready-made one."
            ) from None
        if self.repo.bare:
            raise NotAGitRepository(f"{path} is a bare repository; dslp-tui needs a working tree")
        self.root = Path(self.repo.working_tree_dir or path)
        self.common_dir = Path(self.repo.common_dir).resolve()
        self._git_error = git.GitCommandError
        self.repo.git.update_environment(GIT_TERMINAL_PROMPT="0")  # never prompt inside a TUI

    def _git(self, *args: str, stdin: str | None = None) -> str:
        """Run one git command; all git processes of this module go through here."""
        try:
            if stdin is None:
                return self.repo.git.execute(["git", *args], strip_newline_in_stdout=False)
            process = _run_git(list(args), self.root, stdin)
            if process.returncode:
                raise GitError(f"git {args[0]} failed: {process.stderr.strip()}")
            return process.stdout
        except self._git_error as error:
            raise GitError(f"git {args[0]} failed: {str(error.stderr).strip() or error}") from None

    # --- the repository as a whole ------------------------------------------------------------

    def user_name(self) -> str:
        """``git config user.name`` now (a local comment is signed with it); "" when unset."""
        try:
            return self._git("config", "user.name").strip()
        except GitError:
            return ""

    def remote_url(self, remote: str) -> str | None:
        for candidate in self.repo.remotes:
            if candidate.name == remote:
                urls = list(candidate.urls)
                return urls[0] if urls else None
        return None

    def remote_exists(self, remote: str) -> bool:
        return any(r.name == remote for r in self.repo.remotes)

    def base_branch(self, configured: str, remote: str) -> str:
        """The collaboration branch: configured, else ``main``, else the remote's default."""
        if configured:
            return configured
        heads = {h.name for h in self.repo.heads}
        if "main" in heads:
            return "main"
        try:
            ref = self.repo.git.symbolic_ref(f"refs/remotes/{remote}/HEAD", "--short")
            return ref.split("/", 1)[1]
        except self._git_error:
            pass
        for candidate in ("master", "development"):
            if candidate in heads:
                return candidate
        # A repository with no commits yet: the branch its first commit will make (what
        # ``git init`` named it), not a ``main`` that may never exist.
        return (self.head_branch() if not heads else None) or "main"

    def head_branch(self) -> str | None:
        """The branch checked out, one with no commits yet included; None on a detached HEAD."""
        try:
            return self._git("symbolic-ref", "-q", "--short", "HEAD").strip() or None
        except GitError:
            return None

    def is_dirty(self) -> bool:
        """Uncommitted changes to tracked files (untracked files do not block a checkout)."""
        return bool(self._git("status", "--porcelain", "--untracked-files=no").strip())

    def operation_in_progress(self) -> str | None:
        git_dir = Path(self.repo.git_dir)
        for marker, what in (
            ("MERGE_HEAD", "a merge"),
            ("rebase-merge", "a rebase"),
            ("rebase-apply", "a rebase"),
            ("CHERRY_PICK_HEAD", "a cherry-pick"),
        ):
            if (git_dir / marker).exists():
                return what
        return None

    def bisect_in_progress(self) -> bool:
        """``git bisect`` is under way in this worktree (git itself checks ``BISECT_LOG``).

        Checking out a branch then is allowed but moves the bisect's HEAD, so callers ask first.
        """
        return (Path(self.repo.git_dir) / "BISECT_LOG").exists()

    # --- branch states ------------------------------------------------------------------------

    def snapshot(self, prefixes: dict[str, str], configured_base: str, remote: str) -> tuple[RepoState, list[Branch]]:
        """The repository's state and every DSLP branch, local and remote-tracking."""
        base = self.base_branch(configured_base, remote)
        has_remote = self.remote_exists(remote)
        branches, current, tips, base_tip = self._refs(prefixes, base, remote if has_remote else None)
        if current is None:  # detached, or a branch with no commits yet (no ref to mark): which?
            current = self.head_branch()
        counts = _ahead_behind(self._git, base_tip, tips)
        branches = [
            replace(
                b,
                ahead_base=counts[b.name][0],
                behind_base=counts[b.name][1],
                merged=counts[b.name][0] == 0,
                empty=counts[b.name][0] == 0 and counts[b.name][2],
            )
            if b.name in counts
            else b
            for b in branches
        ]
        state = RepoState(
            current_branch=current, base=base, dirty=self.is_dirty(), remote=remote if has_remote else None
        )
        return state, sorted(branches, key=lambda b: (b.issue, b.name))

    def _refs(
        self, prefixes: dict[str, str], base: str, remote: str | None
    ) -> tuple[list[Branch], str | None, dict[str, str], str | None]:
        patterns = ["refs/heads"] + ([f"refs/remotes/{remote}"] if remote else [])
        output = self._git("for-each-ref", f"--format={_REF_FORMAT}", *patterns)
        found: dict[str, Branch] = {}
        tips: dict[str, str] = {}
        current: str | None = None
        base_local = base_remote = None
        for line in output.splitlines():
            refname, sha, upstream, track, date, head = line.split(_SEP)
            if refname.startswith("refs/heads/"):
                name, local = refname[len("refs/heads/") :], True
                if head == "*":
                    current = name
            else:
                name, local = refname[len(f"refs/remotes/{remote}/") :], False
                if name == "HEAD":
                    continue
            if name == base:
                if local:
                    base_local = sha
                else:
                    base_remote = sha
                continue
            owner = issue_number_from_branch(name, prefixes)
            if owner is None:
                continue
            branch = found.get(name) or Branch(name=name, issue=owner[1], kind_key=owner[0])
            last = float(date or 0)
            if local:
                ahead, behind, gone = _parse_track(track)
                branch = replace(
                    branch,
                    local=True,
                    upstream=upstream.removeprefix("refs/remotes/") or None,
                    upstream_gone=gone,
                    ahead_upstream=ahead,
                    behind_upstream=behind,
                    last_commit=max(branch.last_commit, last),
                    current=head == "*",
                )
                tips[name] = sha
            else:
                branch = replace(branch, remote=True, last_commit=max(branch.last_commit, last))
                tips.setdefault(name, sha)
            found[name] = branch
        return list(found.values()), current, tips, base_local or base_remote

    def branches_containing(
        self, commits: Collection[str], prefixes: dict[str, str], remote: str
    ) -> dict[str, set[str]]:
        """For each commit, the DSLP branches (local or on ``remote``) that contain it.

        Two git processes whatever the number of commits: ``for-each-ref`` for the tips, one
        ``rev-list --parents`` of every tip for the graph; containment is then walked here
        (a commit is in a branch when the branch's tip descends from it). Commits that are not
        full hashes, or not in the repository, are in no branch.
        """
        wanted = {c.lower() for c in commits if _FULL_SHA.fullmatch(c)}
        if not wanted:
            return {}
        patterns = ["refs/heads"] + ([f"refs/remotes/{remote}"] if self.remote_exists(remote) else [])
        names_at: dict[str, set[str]] = {}
        for line in self._git("for-each-ref", f"--format=%(refname){_SEP}%(objectname)", *patterns).splitlines():
            refname, _, sha = line.partition(_SEP)
            name = refname.removeprefix("refs/heads/").removeprefix(f"refs/remotes/{remote}/")
            if name != "HEAD" and issue_number_from_branch(name, prefixes):
                names_at.setdefault(sha, set()).add(name)
        if not names_at:
            return {}
        children: dict[str, list[str]] = {}
        for line in self._git("rev-list", "--parents", *sorted(names_at), "--").splitlines():
            sha, *parents = line.split()
            children.setdefault(sha, [])
            for parent in parents:
                children.setdefault(parent, []).append(sha)
        return {commit: _tips_above(commit, children, names_at) for commit in wanted if commit in children}

    # --- starting work ------------------------------------------------------------------------

    def start_branch(
        self, name: str, base: str, *, checkout: bool = True, push: bool = True, remote: str = "origin"
    ) -> StartResult:
        """Create ``name`` from the collaboration branch, check it out, push it with upstream.

        Idempotent: an existing branch is reused, never reset. Refuses to check out over
        uncommitted changes or in the middle of a merge or rebase; never forces a push.
        """
        result = StartResult(branch=name)
        if checkout:
            busy = self.operation_in_progress()
            if busy:
                raise GitError(f"{busy} is in progress; finish or abort it before starting {name}")
            if self.is_dirty():
                raise GitError(
                    f"You have uncommitted changes; {name} was not checked out. Commit them or "
                    "`git stash` them, then try again (or create the branch without checking it out)."
                )
        heads = {h.name for h in self.repo.heads}
        has_remote = self.remote_exists(remote)
        remote_refs = {r.remote_head for r in self.repo.remotes[remote].refs} if has_remote else set()
        if name in heads:
            result.notes.append(f"{name} already exists; using it as it is")
        elif name in remote_refs:
            self._git("branch", "--track", name, f"{remote}/{name}")
            result.created = True
            result.notes.append(f"created {name} tracking {remote}/{name}")
        else:
            if base in heads:
                start = base
            elif base in remote_refs:
                start = f"{remote}/{base}"
            elif not heads:
                raise GitError(
                    f"the repository has no commits yet; make a first commit on {base!r} "
                    "(git commit --allow-empty -m 'Start'), then try again"
                )
            else:
                raise GitError(
                    f"the collaboration branch {base!r} does not exist here; set [branches] "
                    "collaboration in dslp.toml or create it"
                )
            self._git("branch", "--no-track", name, start)
            result.created = True
            result.notes.append(f"created {name} from {start}")
        if checkout:
            self._git("checkout", name)
            result.checked_out = True
            result.notes.append(f"checked out {name}")
        if push and has_remote and name not in remote_refs:
            try:
                self._git("push", "--set-upstream", remote, f"refs/heads/{name}:refs/heads/{name}")
                result.pushed = True
                result.notes.append(f"pushed {name} to {remote} and set its upstream")
            except GitError as error:
                result.notes.append(f"not pushed (the branch is kept locally; push it later): {error}")
        elif push and not has_remote:
            result.notes.append(f"no remote {remote!r}: not pushed")
        return result


def _tips_above(commit: str, children: dict[str, list[str]], names_at: dict[str, set[str]]) -> set[str]:
    """The branch names whose tips descend from ``commit`` (or are it)."""
    seen, todo, names = {commit}, [commit], set()
    while todo:
        sha = todo.pop()
        names |= names_at.get(sha, set())
        for child in children.get(sha, ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return names


def _parse_track(track: str) -> tuple[int, int, bool]:
    """``ahead 2, behind 1`` / ``gone`` / ``""`` → (ahead, behind, upstream gone)."""
    if track == "gone":
        return 0, 0, True
    ahead = behind = 0
    for part in filter(None, (p.strip() for p in track.split(","))):
        word, _, count = part.partition(" ")
        if word == "ahead":
            ahead = int(count)
        elif word == "behind":
            behind = int(count)
    return ahead, behind, False


def _ahead_behind(git, base_tip: str | None, tips: dict[str, str]) -> dict[str, tuple[int, int, bool]]:
    """Ahead/behind the collaboration branch for every tip, in two git processes, and whether
    the tip lies on the collaboration branch's first-parent line.

    A tip on that line with nothing ahead was never committed to (an empty branch), unless it
    was merged by fast-forward, which git cannot tell apart; a merged branch's tip is a merge's
    second parent, off the line.

    Commits reachable from the tips' common ancestor are reachable from every tip, so they
    cancel out; only the commits above it are listed (``rev-list --topo-order``, children
    before parents). Each commit gets a bit mask of the tips that reach it, pushed from
    children to parents; commits sharing a mask are counted together.
    """
    if base_tip is None or not tips:
        return {}
    names = list(tips)
    all_tips = [tips[n] for n in names] + [base_tip]
    unique = list(dict.fromkeys(all_tips))
    try:
        bound = git("merge-base", "--octopus", *unique).split() if len(unique) > 1 else []
    except GitError:  # unrelated histories: no common ancestor, walk everything
        bound = []
    revs = "\n".join(unique + [f"^{b}" for b in bound]) + "\n"
    listing = git("rev-list", "--topo-order", "--parents", "--stdin", stdin=revs)
    base_bit = 1 << len(names)
    masks: dict[str, int] = {}
    for index, name in enumerate(names):
        masks[tips[name]] = masks.get(tips[name], 0) | (1 << index)
    masks[base_tip] = masks.get(base_tip, 0) | base_bit
    per_mask: Counter[int] = Counter()
    first_parent: dict[str, str | None] = {}
    for line in listing.splitlines():
        commit, *parents = line.split()
        first_parent[commit] = parents[0] if parents else None
        mask = masks.pop(commit, 0)
        per_mask[mask] += 1
        for parent in parents:
            masks[parent] = masks.get(parent, 0) | mask
    # behind(b) = base commits b does not reach = all base commits - base commits b reaches.
    ahead = [0] * len(names)
    reached_base = [0] * len(names)
    base_total = 0
    for mask, count in per_mask.items():
        in_base = bool(mask & base_bit)
        base_total += count if in_base else 0
        bits = mask & (base_bit - 1)
        while bits:  # only the tips that reach these commits: linear in what is there
            low = bits & -bits
            index = low.bit_length() - 1
            bits ^= low
            if in_base:
                reached_base[index] += count
            else:
                ahead[index] += count
    line = _first_parent_line(base_tip, first_parent)
    return {name: (ahead[i], base_total - reached_base[i], tips[name] in line) for i, name in enumerate(names)}


def _first_parent_line(tip: str, first_parent: dict[str, str | None]) -> set[str]:
    """``tip`` and its first parents down to the first commit not listed (the walk's bound)."""
    line: set[str] = set()
    commit: str | None = tip
    while commit is not None and commit not in line:
        line.add(commit)
        commit = first_parent.get(commit)
    return line


# --- the moves' git operations (promote): merge, push, delete, all checked, none forced ----------


class MergeConflict(GitError):
    """A merge that conflicts: nothing was changed; the message says how to resolve it by hand."""

    def __init__(self, message: str, files: list[str]) -> None:
        super().__init__(message)
        self.files = files


class MoveGit:
    """The git operations a move needs, on top of a :class:`GitSource`.

    Every operation either completes or leaves the working tree and every branch as they
    were: merges are computed with ``merge-tree`` and written with ``update-ref`` guarded by
    the old tip (or, for the checked-out branch, a real ``git merge`` aborted on conflict);
    pushes never force; a branch is deleted only when its tip is in the branch it was merged
    into, and only at that tip.
    """

    def __init__(self, source: GitSource, remote: str) -> None:
        self.source = source
        self.remote = remote
        self._git = source._git

    def sha(self, ref: str) -> str | None:
        try:
            return self._git("rev-parse", "--verify", "-q", f"{ref}^{{commit}}").strip() or None
        except GitError:
            return None

    def local_sha(self, branch: str) -> str | None:
        return self.sha(f"refs/heads/{branch}")

    def has_remote(self) -> bool:
        return self.source.remote_exists(self.remote)

    def remote_sha(self, branch: str) -> str | None:
        """The branch's tip on the remote itself (``ls-remote``), None when it has none."""
        if not self.has_remote():
            return None
        out = self._git("ls-remote", "--heads", self.remote, f"refs/heads/{branch}")
        for line in out.splitlines():
            sha, _, ref = line.partition("\t")
            if ref == f"refs/heads/{branch}":
                return sha
        return None

    def fetch(self, branch: str) -> str | None:
        """Fetch one branch into its remote-tracking ref; its remote tip (None: not there)."""
        if self.remote_sha(branch) is None:
            return None
        self._git("fetch", "-q", self.remote, f"+refs/heads/{branch}:refs/remotes/{self.remote}/{branch}")
        return self.sha(f"refs/remotes/{self.remote}/{branch}")

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        try:
            self._git("merge-base", "--is-ancestor", ancestor, descendant)
            return True
        except GitError:
            return False

    def current_branch(self) -> str | None:
        try:
            return self._git("symbolic-ref", "-q", "--short", "HEAD").strip() or None
        except GitError:
            return None

    def create_branch(self, name: str, start: str) -> None:
        """Create ``name`` at ``start`` (never moving an existing branch)."""
        self._git("branch", "--no-track", name, start)

    def push(self, branch: str) -> None:
        """Push ``branch`` to the remote; a non-fast-forward is refused by git, never forced."""
        self._git("push", "-q", self.remote, f"refs/heads/{branch}:refs/heads/{branch}")

    def update_from_remote(self, branch: str) -> None:
        """Fast-forward the local ``branch`` to the remote's tip (refused when it diverged)."""
        remote_tip = self.fetch(branch)
        local = self.local_sha(branch)
        if remote_tip is None or local == remote_tip:
            return
        if local is not None and not self.is_ancestor(local, remote_tip):
            raise GitError(
                f"{branch} has local commits that {self.remote}/{branch} lacks; push or merge them "
                "(git pull), then run the move again"
            )
        if self.current_branch() == branch:
            self._git("merge", "-q", "--ff-only", remote_tip)
        else:
            self._git("update-ref", f"refs/heads/{branch}", remote_tip, *([local] if local else []))

    def merge(self, target: str, source: str, message: str) -> str:
        """Merge ``source`` into the local branch ``target``; returns the new tip.

        Nothing to merge: the tip is unchanged. A conflict raises :class:`MergeConflict` and
        changes nothing. The checked-out branch is merged in the working tree (then aborted on
        conflict); any other branch without touching the working tree.
        """
        tip = self.local_sha(target)
        incoming = self.sha(source)
        if tip is None or incoming is None:
            raise GitError(f"cannot merge {source} into {target}: {target if tip is None else source} does not exist")
        if self.is_ancestor(incoming, tip):
            return tip
        if self.current_branch() == target:
            return self._merge_checked_out(target, source, message)
        if self._checked_out_elsewhere(target):
            raise GitError(
                f"{target} is checked out in another worktree; merge there (git merge {source}) or switch it away"
            )
        done = _run_git(["merge-tree", "--write-tree", "--name-only", "--no-messages", tip, incoming], self.source.root)
        if done.returncode == 1:
            files = [line for line in done.stdout.splitlines()[1:] if line.strip()]
            raise self._conflict(target, source, files)
        if done.returncode:
            raise GitError(f"git merge-tree failed: {done.stderr.strip()}")
        tree = done.stdout.splitlines()[0].strip()
        commit = self._git("commit-tree", tree, "-p", tip, "-p", incoming, "-m", message).strip()
        self._git("update-ref", "-m", f"dslp-tui: {message}", f"refs/heads/{target}", commit, tip)
        return commit

    def _merge_checked_out(self, target: str, source: str, message: str) -> str:
        try:
            self._git("merge", "--no-ff", "--no-edit", "-m", message, source)
        except GitError:
            files = [f for f in self._git("diff", "--name-only", "--diff-filter=U").splitlines() if f]
            if (Path(self.source.repo.git_dir) / "MERGE_HEAD").exists():
                self._git("merge", "--abort")
            raise self._conflict(target, source, files) from None
        return self.local_sha(target) or ""

    def _checked_out_elsewhere(self, branch: str) -> bool:
        listing = self._git("worktree", "list", "--porcelain")
        return f"branch refs/heads/{branch}" in listing.splitlines()

    @staticmethod
    def _conflict(target: str, source: str, files: list[str]) -> MergeConflict:
        shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
        return MergeConflict(
            f"merging {source} into {target} conflicts ({shown or 'see git status'}); nothing was changed. "
            f"Resolve it: git checkout {target} && git merge {source}, fix the files, git commit; "
            "then run the move again",
            files,
        )

    def delete_merged(self, branch: str, into: str) -> list[str]:
        """Delete ``branch`` locally and on the remote, each only if its tip is in ``into``.

        ``into`` is a ref (the model branch); refuses, changing nothing, when a tip is not in it.
        Returns what was deleted.
        """
        deleted: list[str] = []
        local = self.local_sha(branch)
        remote = self.remote_sha(branch)
        if remote is not None:
            self.fetch(branch)
        for where, tip in (("locally", local), (f"on {self.remote}", remote)):
            if tip is not None and not self.is_ancestor(tip, into):
                raise GitError(
                    f"{branch} {where} has commits that {into} lacks; it was not deleted. "
                    f"Merge them into {into}, then run the move again"
                )
        if local is not None:
            if self.current_branch() == branch:
                raise GitError(f"{branch} is checked out; switch to another branch, then run the move again")
            self._git("update-ref", "-d", f"refs/heads/{branch}", local)
            deleted.append(f"{branch} (local)")
        if remote is not None:
            self._git(
                "push", "-q", self.remote, f"--force-with-lease=refs/heads/{branch}:{remote}", f":refs/heads/{branch}"
            )
            deleted.append(f"{branch} ({self.remote})")
        return deleted
