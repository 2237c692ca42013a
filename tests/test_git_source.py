"""GitSource on real repositories: branch states, ahead/behind, and starting work safely."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from dslp_tui.config import Config
from dslp_tui.sources.git import GitError, GitSource, LazyGit, NotAGitRepository, find_repo_paths

PREFIXES = Config().prefixes
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def snapshot(repo: Path, base: str = "", remote: str = "origin"):
    state, branches = GitSource(repo).snapshot(PREFIXES, base, remote)
    return state, {b.name: b for b in branches}


def branch_off(git, repo: Path, name: str, *commits: str, start: str = "main") -> str:
    git(repo, "checkout", "-q", "-b", name, start)
    for message in commits:
        git.commit(repo, message)
    git(repo, "checkout", "-q", "main")
    return git.sha(repo, name)


# --- opening ----------------------------------------------------------------------------------


def test_a_plain_directory_is_not_a_git_repository(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(NotAGitRepository, match="not inside a git repository") as info:
        GitSource(plain)
    assert "dslp-tui demo" in str(info.value)
    assert str(plain) in str(info.value)


def test_a_missing_directory_is_not_a_git_repository(tmp_path):
    with pytest.raises(NotAGitRepository):
        GitSource(tmp_path / "nowhere")


def test_a_bare_repository_is_refused(origin):
    with pytest.raises(NotAGitRepository, match="bare"):
        GitSource(origin)


# --- finding the repository without GitPython ---------------------------------------------------


def _as_gitpython_sees_it(path: Path) -> tuple[Path, Path, Path]:
    source = GitSource(path)
    return Path(source.repo.working_tree_dir).resolve(), Path(source.repo.git_dir).resolve(), source.common_dir


def _found(path: Path) -> tuple[Path, Path, Path]:
    paths = find_repo_paths(path)
    assert paths is not None, f"nothing found at {path}"
    return paths.root, paths.git_dir, paths.common_dir


def test_the_repository_is_found_from_a_subdirectory_as_gitpython_finds_it(git_repo):
    sub = git_repo / "src" / "pkg"
    sub.mkdir(parents=True)
    assert _found(sub) == _as_gitpython_sees_it(sub) == (git_repo, git_repo / ".git", git_repo / ".git")


def test_a_linked_worktree_is_found_with_its_common_dir(git_repo, git, tmp_path):
    """A worktree's ``.git`` is a file (``gitdir: ...``); the tracker lives in the common dir."""
    linked = tmp_path / "linked"
    git(git_repo, "worktree", "add", "-q", "-b", "side", str(linked))
    (linked / "deep").mkdir()
    found = _found(linked / "deep")
    assert found == _as_gitpython_sees_it(linked / "deep")
    assert found[0] == linked and found[2] == git_repo / ".git"


def test_a_submodule_is_found_with_its_own_git_dir(git_repo, git, tmp_path):
    library = git.init(tmp_path / "library")
    git.commit(library, "Library")
    git(git_repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "lib")
    found = _found(git_repo / "lib")
    assert found == _as_gitpython_sees_it(git_repo / "lib")
    assert found[0] == git_repo / "lib" and found[2] == git_repo / ".git" / "modules" / "lib"


def test_layouts_it_does_not_read_are_left_to_gitpython(tmp_path, git_repo, git):
    broken = tmp_path / "broken"
    (broken / ".git").mkdir(parents=True)
    assert find_repo_paths(broken) is None  # no HEAD: GitPython decides (and says "not a repository")
    git(git_repo, "config", "core.worktree", str(tmp_path))
    assert find_repo_paths(git_repo) is None
    with pytest.raises(NotAGitRepository, match="not inside a git repository"):
        LazyGit.open(broken)


def test_lazy_git_reads_the_remote_url_without_gitpython(repo_with_remote, origin):
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from dslp_tui.sources.git import LazyGit\n"
        f"git = LazyGit.open(Path({str(repo_with_remote)!r}))\n"
        "print(git.remote_url('origin'), git.remote_url('nope'), git.common_dir, 'git' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(origin), "None", str(repo_with_remote / ".git"), "False"]
    lazy = LazyGit.open(repo_with_remote)
    assert lazy.remote_url("origin") == lazy.get().remote_url("origin") == str(origin)


def test_opening_a_subdirectory_finds_the_root(git_repo):
    sub = git_repo / "src" / "pkg"
    sub.mkdir(parents=True)
    source = GitSource(sub)
    assert source.root == git_repo
    assert source.common_dir == git_repo / ".git"


def test_a_worktree_shares_the_common_dir(git_repo, git, tmp_path):
    git(git_repo, "worktree", "add", "-q", "-b", "experiment/3-wt", str(tmp_path / "wt"))
    source = GitSource(tmp_path / "wt")
    assert source.root == tmp_path / "wt"
    assert source.common_dir.resolve() == git_repo / ".git"
    state, branches = snapshot(tmp_path / "wt")
    assert state.current_branch == "experiment/3-wt"
    assert branches["experiment/3-wt"].current


# --- listing ----------------------------------------------------------------------------------


def test_only_dslp_branches_are_listed_and_base_is_not(repo_with_remote, git):
    for name in ("wip", "feature/12-x", "experiment/notanumber", "release-1", "42-readme", "data/3-crm"):
        git(repo_with_remote, "branch", name)
    state, branches = snapshot(repo_with_remote)
    assert sorted(branches) == ["42-readme", "data/3-crm"]
    assert (branches["42-readme"].issue, branches["42-readme"].kind_key) == (42, None)
    assert (branches["data/3-crm"].issue, branches["data/3-crm"].kind_key) == (3, "data")
    assert state.base == "main"
    assert state.remote == "origin"


def test_branches_are_sorted_by_issue_then_name(git_repo, git):
    for name in ("model/10-a", "experiment/2-b", "data/2-a", "1-ask"):
        git(git_repo, "branch", name)
    _, branches = GitSource(git_repo).snapshot(PREFIXES, "", "origin")
    assert [b.name for b in branches] == ["1-ask", "data/2-a", "experiment/2-b", "model/10-a"]


def test_local_only_branch(repo_with_remote, git):
    branch_off(git, repo_with_remote, "experiment/2-local", "local work")
    _, branches = snapshot(repo_with_remote)
    branch = branches["experiment/2-local"]
    assert (branch.local, branch.remote) == (True, False)
    assert branch.upstream is None
    assert (branch.issue, branch.kind_key) == (2, "experiment")
    assert (branch.ahead_base, branch.behind_base, branch.merged) == (1, 0, False)


def test_remote_only_branch(repo_with_remote, git):
    branch_off(git, repo_with_remote, "data/3-remote", "pushed work", "more pushed work")
    git(repo_with_remote, "push", "-q", "origin", "data/3-remote")
    git(repo_with_remote, "branch", "-q", "-D", "data/3-remote")
    git.commit(repo_with_remote, "main moves on")
    _, branches = snapshot(repo_with_remote)
    branch = branches["data/3-remote"]
    assert (branch.local, branch.remote, branch.current) == (False, True, False)
    assert branch.upstream is None
    assert (branch.ahead_base, branch.behind_base) == (2, 1)
    assert (branch.ahead_base, branch.behind_base) == git.ahead_behind(repo_with_remote, "main", "origin/data/3-remote")


def test_a_branch_from_a_teammate_arrives_by_fetch(repo_with_remote, origin, git, tmp_path):
    mate = tmp_path / "mate"
    git(tmp_path, "clone", "-q", str(origin), str(mate))
    git(mate, "config", "commit.gpgsign", "false")
    git(mate, "checkout", "-q", "-b", "explore/5-mates")
    git.commit(mate, "teammate's exploration")
    git(mate, "push", "-q", "origin", "explore/5-mates")
    assert "explore/5-mates" not in snapshot(repo_with_remote)[1]
    git(repo_with_remote, "fetch", "-q", "origin")
    branch = snapshot(repo_with_remote)[1]["explore/5-mates"]
    assert (branch.local, branch.remote, branch.ahead_base) == (False, True, 1)


def test_local_and_remote_branch_is_one_entry(repo_with_remote, git):
    git(repo_with_remote, "checkout", "-q", "-b", "model/8-both")
    git.commit(repo_with_remote, "model work")
    git(repo_with_remote, "push", "-q", "-u", "origin", "model/8-both")
    state, branches = snapshot(repo_with_remote)
    assert list(branches) == ["model/8-both"]
    branch = branches["model/8-both"]
    assert (branch.local, branch.remote, branch.current) == (True, True, True)
    assert branch.upstream == "origin/model/8-both"
    assert (branch.ahead_upstream, branch.behind_upstream, branch.upstream_gone) == (0, 0, False)
    assert state.current_branch == "model/8-both"


def test_ahead_and_behind_upstream(repo_with_remote, origin, git, tmp_path):
    git(repo_with_remote, "checkout", "-q", "-b", "experiment/5-up")
    git.commit(repo_with_remote, "shared")
    git(repo_with_remote, "push", "-q", "-u", "origin", "experiment/5-up")
    mate = tmp_path / "mate"
    git(tmp_path, "clone", "-q", "-b", "experiment/5-up", str(origin), str(mate))
    git.commit(mate, "teammate adds one")
    git(mate, "push", "-q", "origin", "experiment/5-up")
    git.commit(repo_with_remote, "mine one")
    git.commit(repo_with_remote, "mine two")
    git(repo_with_remote, "fetch", "-q", "origin")
    branch = snapshot(repo_with_remote)[1]["experiment/5-up"]
    assert (branch.ahead_upstream, branch.behind_upstream) == (2, 1)
    assert (branch.ahead_upstream, branch.behind_upstream) == git.ahead_behind(
        repo_with_remote, "origin/experiment/5-up", "experiment/5-up"
    )
    assert branch.ahead_base == 3  # base counts use the local tip


def test_upstream_gone(repo_with_remote, git):
    git(repo_with_remote, "checkout", "-q", "-b", "explore/4-gone")
    git.commit(repo_with_remote, "explored")
    git(repo_with_remote, "push", "-q", "-u", "origin", "explore/4-gone")
    git(repo_with_remote, "push", "-q", "origin", "--delete", "explore/4-gone")
    branch = snapshot(repo_with_remote)[1]["explore/4-gone"]
    assert (branch.local, branch.remote, branch.upstream_gone) == (True, False, True)
    assert branch.upstream == "origin/explore/4-gone"


def test_last_commit_is_the_newest_tip_date(repo_with_remote, git, monkeypatch):
    git(repo_with_remote, "checkout", "-q", "-b", "data/6-dates")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "@1700000000 +0000")
    git.commit(repo_with_remote, "older")
    git(repo_with_remote, "push", "-q", "-u", "origin", "data/6-dates")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "@1800000000 +0000")
    git.commit(repo_with_remote, "newer, not pushed")
    assert snapshot(repo_with_remote)[1]["data/6-dates"].last_commit == 1800000000.0


def test_a_remote_that_is_not_the_configured_one_is_ignored(repo_with_remote, git):
    git(repo_with_remote, "checkout", "-q", "-b", "experiment/2-x")
    git.commit(repo_with_remote, "x")
    git(repo_with_remote, "push", "-q", "-u", "origin", "experiment/2-x")
    state, branches = snapshot(repo_with_remote, remote="upstream")
    assert state.remote is None
    assert branches["experiment/2-x"].remote is False  # origin/... is not "upstream"


# --- ahead/behind the collaboration branch ----------------------------------------------------


def assert_counts_match_git(repo: Path, git, base: str = "main") -> int:
    _, branches = snapshot(repo, base)
    assert branches, "nothing to compare"
    for name, branch in branches.items():
        ref = name if branch.local else f"origin/{name}"
        expected = git.ahead_behind(repo, base, ref)
        assert (branch.ahead_base, branch.behind_base) == expected, name
        ancestor = subprocess.run(
            ["git", "merge-base", "--is-ancestor", ref, base], cwd=repo, capture_output=True, check=False
        )
        assert branch.merged == (ancestor.returncode == 0), name
    return len(branches)


def test_ahead_behind_with_merges_and_criss_cross_history(repo_with_remote, git):
    repo = repo_with_remote
    git.commit(repo, "main 1")
    # data/2: merged into main with a merge commit.
    branch_off(git, repo, "data/2-merged", "load crm", "test crm")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge data/2", "data/2-merged")
    # explore/4: fast-forwarded into main, so it sits on main's history.
    branch_off(git, repo, "explore/4-ff", "explore tenure")
    git(repo, "merge", "-q", "--ff-only", "explore/4-ff")
    # experiment/5: criss-cross merges with main.
    git(repo, "checkout", "-q", "-b", "experiment/5-cross")
    git.commit(repo, "cross f1")
    f1 = git.sha(repo, "HEAD")
    git(repo, "checkout", "-q", "main")
    git.commit(repo, "cross m1")
    m1 = git.sha(repo, "HEAD")
    git(repo, "checkout", "-q", "experiment/5-cross")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge m1 into experiment", m1)
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge f1 into main", f1)
    git(repo, "checkout", "-q", "experiment/5-cross")
    git.commit(repo, "cross f3")
    git(repo, "checkout", "-q", "main")
    git.commit(repo, "cross m3")
    bases = git(repo, "merge-base", "--all", "main", "experiment/5-cross").split()
    assert len(bases) == 2  # really criss-cross
    # model/8: branched from an old main, never committed to (behind only, merged).
    git(repo, "branch", "model/8-stale", f"{m1}~1")
    # 6-feature: merged main into itself, then more work; pushed and one more local commit.
    branch_off(git, repo, "6-feature", "feature a")
    git(repo, "checkout", "-q", "6-feature")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge main into feature", "main")
    git.commit(repo, "feature b")
    git(repo, "push", "-q", "-u", "origin", "6-feature")
    git.commit(repo, "feature c local")
    git(repo, "checkout", "-q", "main")
    # experiment/7 only on the remote, forked from the criss-cross branch.
    branch_off(git, repo, "experiment/7-remote", "remote work", start="experiment/5-cross")
    git(repo, "push", "-q", "origin", "experiment/7-remote")
    git(repo, "branch", "-q", "-D", "experiment/7-remote")
    # experiment/9: an unrelated history.
    git(repo, "checkout", "-q", "--orphan", "experiment/9-orphan")
    git(repo, "rm", "-rq", "--cached", ".")
    git.commit(repo, "orphan root", {"orphan.txt": "x\n"})
    git.commit(repo, "orphan second")
    git(repo, "checkout", "-q", "-f", "main")
    # data/10 and 11-dup at the same commit.
    branch_off(git, repo, "data/10-same", "same tip")
    git(repo, "branch", "11-dup", "data/10-same")

    assert assert_counts_match_git(repo, git) == 9
    _, branches = snapshot(repo)
    assert branches["data/2-merged"].merged and branches["data/2-merged"].ahead_base == 0
    assert branches["model/8-stale"].merged and branches["model/8-stale"].behind_base > 0
    assert branches["model/8-stale"].empty  # never committed to: empty, not merged work
    assert not branches["data/2-merged"].empty
    assert not branches["experiment/5-cross"].empty
    assert not branches["experiment/5-cross"].merged
    assert branches["experiment/9-orphan"].ahead_base == 2
    assert branches["11-dup"].ahead_base == branches["data/10-same"].ahead_base == 1


def test_ahead_behind_against_a_base_only_on_the_remote(repo_with_remote, git):
    repo = repo_with_remote
    branch_off(git, repo, "experiment/2-x", "exp work")
    git(repo, "checkout", "-q", "-b", "development")
    git.commit(repo, "dev work")
    git(repo, "push", "-q", "origin", "development")
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "-q", "-D", "development")
    branch = snapshot(repo, "development")[1]["experiment/2-x"]
    assert (branch.ahead_base, branch.behind_base) == git.ahead_behind(repo, "origin/development", "experiment/2-x")
    assert (branch.ahead_base, branch.behind_base) == (1, 1)


def test_no_base_anywhere_leaves_base_counts_at_zero(git_repo, git):
    branch_off(git, git_repo, "experiment/2-x", "exp work")
    branch = snapshot(git_repo, "does-not-exist")[1]["experiment/2-x"]
    assert (branch.ahead_base, branch.behind_base, branch.merged) == (0, 0, False)


def random_history(repo: Path, git, seed: int, steps: int = 90) -> dict[str, str]:
    """Commits made with ``commit-tree`` (fast): commits, merges and forks between 10 branches."""
    rng = random.Random(seed)
    tips = {"main": git.sha(repo, "main")}
    names = [f"experiment/{n}-b{n}" if n % 3 else f"data/{n}-b{n}" for n in range(1, 10)]

    def commit(*parents: str) -> str:
        args = [arg for parent in dict.fromkeys(parents) for arg in ("-p", parent)]
        return git(repo, "commit-tree", EMPTY_TREE, *args, "-m", f"seed {seed} step {len(counter)}").strip()

    counter: list[int] = []
    for _ in range(steps):
        counter.append(1)
        roll = rng.random()
        unborn = [n for n in names if n not in tips]
        if unborn and roll < 0.15:
            tips[unborn[0]] = tips[rng.choice(list(tips))]
        elif roll < 0.35 and len(tips) > 1:
            target, other = rng.sample(list(tips), 2)
            tips[target] = commit(tips[target], tips[other])
        else:
            target = rng.choice(list(tips))
            tips[target] = commit(tips[target])
    updates = "".join(f"update refs/heads/{name} {sha}\n" for name, sha in tips.items())
    subprocess.run(["git", "update-ref", "--stdin"], cwd=repo, input=updates, text=True, check=True)
    return tips


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ahead_behind_matches_git_on_random_histories(git_repo, git, seed):
    random_history(git_repo, git, seed)
    assert assert_counts_match_git(git_repo, git) >= 5


# --- the repository as a whole ----------------------------------------------------------------


def test_current_branch_and_detached_head(git_repo, git):
    git(git_repo, "checkout", "-q", "-b", "explore/4-here")
    state, branches = snapshot(git_repo)
    assert state.current_branch == "explore/4-here"
    assert branches["explore/4-here"].current
    git(git_repo, "checkout", "-q", "--detach", "HEAD")
    state, branches = snapshot(git_repo)
    assert state.current_branch is None
    assert not branches["explore/4-here"].current


def test_dirty_tree(git_repo, git):
    source = GitSource(git_repo)
    assert source.is_dirty() is False
    (git_repo / "untracked.txt").write_text("new\n")
    assert source.is_dirty() is False  # untracked files do not block a checkout
    (git_repo / "README.md").write_text("changed\n")
    assert source.is_dirty() is True
    assert snapshot(git_repo)[0].dirty is True
    git(git_repo, "add", "README.md")
    assert source.is_dirty() is True  # staged counts too
    git(git_repo, "commit", "-q", "-m", "commit it")
    assert source.is_dirty() is False


def test_no_remote(git_repo, git):
    branch_off(git, git_repo, "experiment/2-x", "exp")
    state, branches = snapshot(git_repo)
    assert state.remote is None
    assert state.base == "main"
    assert state.dirty is False
    assert (branches["experiment/2-x"].local, branches["experiment/2-x"].remote) == (True, False)
    assert GitSource(git_repo).remote_exists("origin") is False


def test_an_empty_repository(tmp_path, git):
    repo = git.init(tmp_path / "empty")
    state, branches = snapshot(repo)
    assert branches == {}
    assert state.current_branch == "main"  # unborn, but checked out: not a detached HEAD
    with pytest.raises(GitError, match="no commits yet; make a first commit on 'main'"):
        GitSource(repo).start_branch("experiment/1-x", "main")


def test_a_fresh_git_init_on_master_is_on_master_and_collaborates_on_it(tmp_path, git):
    """``git init`` with no init.defaultBranch: HEAD is an unborn master. The board says so,
    and takes it as the collaboration branch, as it will once the first commit is made."""
    repo = git.init(tmp_path / "fresh", branch="master")
    state, _ = snapshot(repo)
    assert (state.current_branch, state.base) == ("master", "master")
    git.commit(repo, "first")
    state, _ = snapshot(repo)
    assert (state.current_branch, state.base) == ("master", "master")


# --- the collaboration branch -----------------------------------------------------------------


def test_base_branch_configured_wins(git_repo):
    assert GitSource(git_repo).base_branch("development", "origin") == "development"


def test_base_branch_prefers_main_over_master(git_repo, git):
    git(git_repo, "branch", "master")
    assert GitSource(git_repo).base_branch("", "origin") == "main"


def test_base_branch_falls_back_to_master(tmp_path, git):
    repo = git.init(tmp_path / "old", branch="master")
    git.commit(repo, "first")
    git(repo, "branch", "development")
    assert GitSource(repo).base_branch("", "origin") == "master"
    assert snapshot(repo)[0].base == "master"


def test_base_branch_falls_back_to_development(tmp_path, git):
    repo = git.init(tmp_path / "dev", branch="development")
    git.commit(repo, "first")
    assert GitSource(repo).base_branch("", "origin") == "development"


def test_base_branch_follows_the_remotes_default(tmp_path, git):
    upstream = git.init(tmp_path / "upstream", branch="trunk")
    git.commit(upstream, "first")
    git(upstream, "branch", "master")  # origin HEAD wins over the master fallback
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(upstream), str(clone))
    git(clone, "branch", "master", "origin/master")
    assert git(clone, "symbolic-ref", "--short", "refs/remotes/origin/HEAD").strip() == "origin/trunk"
    assert GitSource(clone).base_branch("", "origin") == "trunk"
    assert GitSource(clone).base_branch("", "elsewhere") == "master"


def test_base_branch_default_is_main(tmp_path, git):
    repo = git.init(tmp_path / "odd", branch="trunk")
    git.commit(repo, "first")
    assert GitSource(repo).base_branch("", "origin") == "main"


# --- starting work ----------------------------------------------------------------------------


def upstream_of(repo: Path, git, name: str) -> str:
    return git(repo, "rev-parse", "--abbrev-ref", f"{name}@{{upstream}}").strip()


def test_start_branch_creates_from_main_checks_out_and_pushes(repo_with_remote, origin, git):
    repo = repo_with_remote
    git(repo, "checkout", "-q", "-b", "elsewhere")
    git.commit(repo, "not on main")
    main = git.sha(repo, "main")
    result = GitSource(repo).start_branch("experiment/5-gbm", "main")
    assert (result.branch, result.created, result.checked_out, result.pushed) == ("experiment/5-gbm", True, True, True)
    assert git.current(repo) == "experiment/5-gbm"
    assert git.sha(repo, "experiment/5-gbm") == main  # from main, not from where we were
    assert upstream_of(repo, git, "experiment/5-gbm") == "origin/experiment/5-gbm"
    assert git.sha(origin, "refs/heads/experiment/5-gbm") == main
    assert any("created experiment/5-gbm from main" in note for note in result.notes)
    assert any("pushed" in note for note in result.notes)
    branch = snapshot(repo)[1]["experiment/5-gbm"]
    assert (branch.local, branch.remote, branch.current, branch.upstream) == (
        True,
        True,
        True,
        "origin/experiment/5-gbm",
    )


def test_start_branch_twice_reuses_and_never_resets(repo_with_remote, origin, git):
    repo = repo_with_remote
    source = GitSource(repo)
    source.start_branch("data/3-crm", "main")
    work = git.commit(repo, "work on the branch")
    git(repo, "checkout", "-q", "main")
    git.commit(repo, "main moves on")
    again = source.start_branch("data/3-crm", "main")
    assert (again.created, again.checked_out, again.pushed) == (False, True, False)
    assert any("already exists" in note for note in again.notes)
    assert git.current(repo) == "data/3-crm"
    assert git.sha(repo, "data/3-crm") == work  # kept, not reset to main
    assert git.sha(origin, "refs/heads/data/3-crm") != work  # and not force-pushed either
    third = source.start_branch("data/3-crm", "main")
    assert third.created is False and git.sha(repo, "data/3-crm") == work


def test_start_branch_reuses_a_remote_only_branch_by_tracking_it(repo_with_remote, git):
    repo = repo_with_remote
    tip = branch_off(git, repo, "explore/4-mates", "teammate work")
    git(repo, "push", "-q", "origin", "explore/4-mates")
    git(repo, "branch", "-q", "-D", "explore/4-mates")
    result = GitSource(repo).start_branch("explore/4-mates", "main")
    assert (result.created, result.checked_out, result.pushed) == (True, True, False)
    assert any("tracking origin/explore/4-mates" in note for note in result.notes)
    assert git.sha(repo, "explore/4-mates") == tip
    assert upstream_of(repo, git, "explore/4-mates") == "origin/explore/4-mates"


def test_start_branch_without_checkout(repo_with_remote, origin, git):
    repo = repo_with_remote
    (repo / "README.md").write_text("uncommitted\n")  # allowed: nothing is checked out
    result = GitSource(repo).start_branch("model/8-churn", "main", checkout=False)
    assert (result.created, result.checked_out, result.pushed) == (True, False, True)
    assert git.current(repo) == "main"
    assert (repo / "README.md").read_text() == "uncommitted\n"
    assert git.sha(origin, "refs/heads/model/8-churn") == git.sha(repo, "main")


def test_start_branch_without_push(repo_with_remote, origin, git):
    result = GitSource(repo_with_remote).start_branch("experiment/5-x", "main", push=False)
    assert (result.created, result.checked_out, result.pushed) == (True, True, False)
    assert git(origin, "rev-parse", "--verify", "-q", "refs/heads/experiment/5-x", check=False) == ""


def test_start_branch_from_a_base_that_is_only_on_the_remote(repo_with_remote, git):
    repo = repo_with_remote
    git(repo, "checkout", "-q", "-b", "development")
    dev = git.commit(repo, "dev only")
    git(repo, "push", "-q", "origin", "development")
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "-q", "-D", "development")
    result = GitSource(repo).start_branch("data/3-x", "development")
    assert git.sha(repo, "data/3-x") == dev
    assert any("from origin/development" in note for note in result.notes)
    assert upstream_of(repo, git, "data/3-x") == "origin/data/3-x"  # its own upstream, not development


def test_start_branch_with_a_missing_base(repo_with_remote, git):
    with pytest.raises(GitError, match=r"'trunk' does not exist.*dslp\.toml"):
        GitSource(repo_with_remote).start_branch("data/3-x", "trunk")
    assert git(repo_with_remote, "branch", "--list", "data/3-x") == ""


def test_start_branch_refuses_a_dirty_tree(repo_with_remote, git):
    repo = repo_with_remote
    (repo / "README.md").write_text("half-done edit\n")
    with pytest.raises(GitError) as info:
        GitSource(repo).start_branch("experiment/5-x", "main")
    message = str(info.value)
    assert "uncommitted changes" in message
    assert "Commit" in message and "stash" in message
    assert git.current(repo) == "main"
    assert git(repo, "branch", "--list", "experiment/5-x") == ""
    assert (repo / "README.md").read_text() == "half-done edit\n"


def test_start_branch_refuses_during_a_merge(repo_with_remote, git):
    repo = repo_with_remote
    branch_off(git, repo, "6-conflict")
    git(repo, "checkout", "-q", "6-conflict")
    git.commit(repo, "theirs", {"README.md": "theirs\n"})
    git(repo, "checkout", "-q", "main")
    git.commit(repo, "ours", {"README.md": "ours\n"})
    git(repo, "merge", "6-conflict", check=False)
    assert (repo / ".git" / "MERGE_HEAD").exists()
    with pytest.raises(GitError, match="a merge is in progress"):
        GitSource(repo).start_branch("experiment/5-x", "main")
    assert git(repo, "branch", "--list", "experiment/5-x") == ""
    assert (repo / ".git" / "MERGE_HEAD").exists()  # nothing aborted behind our back


def bisecting(git, repo: Path) -> None:
    """Start a real ``git bisect`` between the first commit and a newer one."""
    first = git.sha(repo, "HEAD")
    git.commit(repo, "second")
    git.commit(repo, "third")
    git(repo, "bisect", "start", "HEAD", first)


def test_a_bisect_in_progress_is_detected(git_repo, git):
    source = GitSource(git_repo)
    assert source.bisect_in_progress() is False
    bisecting(git, git_repo)
    assert source.bisect_in_progress() is True
    git(git_repo, "bisect", "reset")
    assert source.bisect_in_progress() is False


def test_a_bisect_in_a_linked_worktree_is_detected_there_only(git_repo, git, tmp_path):
    other = tmp_path / "other"
    git(git_repo, "worktree", "add", "-q", str(other), "-b", "side")
    bisecting(git, other)
    assert GitSource(other).bisect_in_progress() is True
    assert GitSource(git_repo).bisect_in_progress() is False


def test_start_branch_without_a_remote(git_repo, git):
    result = GitSource(git_repo).start_branch("experiment/5-x", "main")
    assert (result.created, result.checked_out, result.pushed) == (True, True, False)
    assert any("no remote 'origin'" in note for note in result.notes)
    assert git.current(git_repo) == "experiment/5-x"


def test_a_failed_push_keeps_the_branch(repo_with_remote, git, tmp_path):
    repo = repo_with_remote
    git(repo, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    result = GitSource(repo).start_branch("experiment/5-x", "main")
    assert (result.created, result.checked_out, result.pushed) == (True, True, False)
    assert any(note.startswith("not pushed") for note in result.notes)
    assert git.current(repo) == "experiment/5-x"


# --- cost: a fixed number of git processes ----------------------------------------------------


def make_branches(repo: Path, git, count: int) -> None:
    base = git.sha(repo, "main")
    updates = []
    for n in range(1, count + 1):
        sha = git(repo, "commit-tree", EMPTY_TREE, "-p", base, "-m", f"branch {n}").strip()
        updates.append(f"create refs/heads/experiment/{n}-b {sha}\n")
    subprocess.run(["git", "update-ref", "--stdin"], cwd=repo, input="".join(updates), text=True, check=True)
    refspecs = [f"experiment/{n}-b" for n in range(1, count + 1, 2)]
    git(repo, "push", "-q", "origin", *refspecs)
    git.commit(repo, "main moves")


def count_git_processes(repo: Path, monkeypatch) -> tuple[int, int]:
    source = GitSource(repo)
    calls: list[list[str]] = []
    original = subprocess.Popen.__init__

    def counting(self, args, *rest, **kwargs):
        argv = [args] if isinstance(args, str | bytes | os.PathLike) else list(args)
        if str(argv[0]).endswith("git"):
            calls.append([str(a) for a in argv])
        original(self, args, *rest, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", counting)
    _, branches = source.snapshot(PREFIXES, "", "origin")
    monkeypatch.setattr(subprocess.Popen, "__init__", original)
    return len(calls), len(branches)


def test_listing_costs_the_same_number_of_git_processes_for_5_or_60_branches(tmp_path, git, monkeypatch):
    counts = {}
    for count in (5, 60):
        repo = git.init(tmp_path / f"r{count}")
        git.commit(repo, "first")
        origin = tmp_path / f"o{count}.git"
        git(tmp_path, "init", "-q", "--bare", str(origin))
        git(repo, "remote", "add", "origin", str(origin))
        git(repo, "push", "-q", "-u", "origin", "main")
        make_branches(repo, git, count)
        processes, listed = count_git_processes(repo, monkeypatch)
        assert listed == count
        counts[count] = processes
    assert counts[5] == counts[60]
    assert 1 <= counts[60] <= 4
