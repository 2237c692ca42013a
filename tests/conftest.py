"""Shared fixtures: isolated git identity, temporary repositories, a remote, the demo.

Every test runs with ``HOME`` and ``XDG_CONFIG_HOME`` in a temporary directory and
``GIT_CONFIG_NOSYSTEM=1``, so no global or system git config can change what git does, and
with a fixed author/committer so commits never depend on the machine. Nothing touches the
network: "remotes" are bare repositories on local paths.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

AUTHOR_NAME = "Tess Tester"
AUTHOR_EMAIL = "tess@example.com"


@pytest.fixture(autouse=True)
def _isolated_git_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))  # the board cache
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    monkeypatch.setenv("GIT_AUTHOR_NAME", AUTHOR_NAME)
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", AUTHOR_EMAIL)
    monkeypatch.setenv("GIT_COMMITTER_NAME", AUTHOR_NAME)
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", AUTHOR_EMAIL)
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _runs_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app reads runs in this process (a thread), as before the runs process existed.

    The default, a child process per load (``runs_process.py``), imports MLflow afresh each
    time: seconds per app test on a busy machine. ``test_runs_process.py`` sets
    ``app.runs_in_child = True`` and tests that path on real stores. Textual is not imported
    here: only a test module that imported the app gets it patched.
    """
    import sys

    app = sys.modules.get("dslp_tui.app")
    if app is not None:
        monkeypatch.setattr(app.DslpApp, "runs_in_child", False)


@pytest.fixture(autouse=True)
def _no_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's GitHub tokens or GH_HOST; each sets the ones it means to use."""
    for name in ("GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN", "GH_HOST"):
        monkeypatch.delenv(name, raising=False)


class Git:
    """Runs real git in a directory; the helper every git-backed test and fixture uses."""

    def __call__(self, cwd: Path, *args: str, check: bool = True) -> str:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False, env=os.environ)
        if check and done.returncode:
            raise AssertionError(f"git {' '.join(args)} failed in {cwd}: {done.stderr.strip()}")
        return done.stdout

    def init(self, path: Path, *, branch: str = "main") -> Path:
        path.mkdir(parents=True, exist_ok=True)
        self(path, "init", "-q", "-b", branch)
        self(path, "config", "commit.gpgsign", "false")
        return path

    def commit(self, cwd: Path, message: str, files: dict[str, str] | None = None) -> str:
        """Commit ``files`` (name → content; default: one file named after the message)."""
        files = files if files is not None else {_file_for(message): message + "\n"}
        for name, content in files.items():
            target = cwd / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        if files:
            self(cwd, "add", "--", *files)
        self(cwd, "commit", "-q", "--allow-empty", "-m", message)
        return self.sha(cwd, "HEAD")

    def sha(self, cwd: Path, rev: str) -> str:
        return self(cwd, "rev-parse", "--verify", "-q", rev).strip()

    def current(self, cwd: Path) -> str:
        return self(cwd, "symbolic-ref", "--short", "HEAD").strip()

    def ahead_behind(self, cwd: Path, base: str, branch: str) -> tuple[int, int]:
        """``git rev-list --left-right --count base...branch`` as (ahead, behind) of ``branch``."""
        left, right = self(cwd, "rev-list", "--left-right", "--count", f"{base}...{branch}").split()
        return int(right), int(left)


def _file_for(message: str) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in message.lower()).strip("-") or "file"
    return f"{safe[:40]}.txt"


@pytest.fixture
def git() -> Git:
    return Git()


@pytest.fixture
def git_repo(tmp_path: Path, git: Git) -> Path:
    """A fresh repository at ``tmp_path/repo`` with one commit on ``main`` and no remote."""
    repo = git.init(tmp_path / "repo")
    git.commit(repo, "Initial commit", {"README.md": "# project\n"})
    return repo


@pytest.fixture
def origin(tmp_path: Path, git: Git) -> Path:
    """An empty bare repository at ``tmp_path/origin.git``."""
    path = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(path))
    return path


@pytest.fixture
def repo_with_remote(git_repo: Path, origin: Path, git: Git) -> Path:
    """``git_repo`` with the bare ``origin`` as its remote and ``main`` pushed with upstream."""
    git(git_repo, "remote", "add", "origin", str(origin))
    git(git_repo, "push", "-q", "-u", "origin", "main")
    return git_repo


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ``dslp-tui demo`` per session (building it, MLflow store included, takes seconds)."""
    from dslp_tui.demo import create_demo

    home = tmp_path_factory.mktemp("demo-home")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in (("HOME", home), ("XDG_CONFIG_HOME", home / ".config"), ("XDG_CACHE_HOME", home / ".cache")):
            patch.setenv(name, str(value))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        patch.delenv("GIT_CONFIG_GLOBAL", raising=False)
        patch.delenv("MLFLOW_TRACKING_URI", raising=False)
        return create_demo(tmp_path_factory.mktemp("demo-template") / "churn-model")


@pytest.fixture
def demo(tmp_path: Path, _demo_template: Path, git: Git) -> Path:
    """The ``dslp-tui demo`` project (fixed dates and content), a fresh copy at ``tmp_path/churn-model``.

    A copy of the session's demo with its remote pointed at its own bare origin, so what one
    test pushes never reaches another.
    """
    root = tmp_path / "churn-model"
    shutil.copytree(_demo_template, root, symlinks=True)
    git(root, "remote", "set-url", "origin", str(root / ".git" / "dslp-demo-origin.git"))
    return root
