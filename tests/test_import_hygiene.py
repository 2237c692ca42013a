"""Textual stays out of the core, and nothing heavy is imported on the way to the first frame."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "dslp_tui"
WIRING = {"app.py"}  # the one core module allowed to import Textual


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_modules_do_not_import_textual() -> None:
    offenders = [
        str(path.relative_to(CORE))
        for path in sorted(CORE.rglob("*.py"))
        if path.relative_to(CORE).as_posix() not in WIRING and "textual" in _imports(path)
    ]
    assert offenders == []
    assert "textual" in _imports(CORE / "app.py"), "the check must see Textual where it is"


def test_core_runs_without_textual_installed() -> None:
    """Importing every core module with Textual made unimportable proves the rule at run time."""
    code = (
        "import sys; sys.modules['textual'] = None\n"
        "import dslp_tui.present, dslp_tui.board, dslp_tui.report, dslp_tui.cli, dslp_tui.config, dslp_tui.demo\n"
        "import dslp_tui.drafts\n"
        "import dslp_tui.process, dslp_tui.workspace, dslp_tui.sources.git, dslp_tui.sources.local\n"
        "import dslp_tui.rollup, dslp_tui.runlink, dslp_tui.runs, dslp_tui.sources.mlflow\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_starting_the_app_imports_nothing_heavy(tmp_path: Path) -> None:
    """Build the app and paint its first frame; PyGithub, MLflow, azure and GitPython stay out,
    and so do the workspace and the key flows (they wait for the worker that opens the repository)."""
    code = f"""
import asyncio, sys
from pathlib import Path
from dslp_tui.app import DslpApp

class FirstFrame(DslpApp):
    def refresh_board(self):  # stop before the worker that opens the repository
        return None

async def main():
    app = FirstFrame(Path({str(tmp_path)!r}))
    async with app.run_test() as pilot:
        await pilot.pause()
    heavy = [m for m in ("github", "mlflow", "azure", "azure.ai.ml", "git", "sqlalchemy") if m in sys.modules]
    # Needed only once the repository is opened, or a key needs a flow: after the first frame.
    heavy += [m for m in ("dslp_tui.workspace", "dslp_tui.screens.flows", "dslp_tui.sources.git") if m in sys.modules]
    print(" ".join(heavy) or "none")

asyncio.run(main())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "none"


def test_mlflow_is_imported_only_when_runs_are_read() -> None:
    """The CLI, the workspace and the MLflow source module load without MLflow or its store's SQLAlchemy."""
    code = (
        "import sys\n"
        "import dslp_tui.cli, dslp_tui.workspace, dslp_tui.rollup, dslp_tui.sources.mlflow\n"
        "print(' '.join(m for m in ('mlflow', 'sqlalchemy', 'alembic') if m in sys.modules) or 'none')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "none"


def test_a_first_start_paints_the_issues_before_gitpython_is_imported(git_repo: Path, git) -> None:
    """No board cache, local tracker: the issues are painted with GitPython still out of the
    process (its import is ~200 ms); it comes in after, and the branch states fill in."""
    from dslp_tui.model import IssueDraft
    from dslp_tui.workspace import Workspace

    ws = Workspace.open(git_repo)
    ask = ws.create_issue(IssueDraft(template="ask", title="Reduce churn"))
    git(git_repo, "branch", ws.branch_for(ask))
    code = f"""
import asyncio, sys
from pathlib import Path
from dslp_tui.app import DslpApp
from dslp_tui.screens.board import BoardScreen

seen = []
show_board = BoardScreen.show_board
def spy(self, board, **kwargs):
    if not seen:
        seen.append(("git" in sys.modules, self.app.cached_at is not None))
    show_board(self, board, **kwargs)
BoardScreen.show_board = spy

async def main():
    app = DslpApp(Path({str(git_repo)!r}))
    async with app.run_test() as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app.snapshot is not None and app.snapshot.branches:
                break
        print(seen[0][0], seen[0][1], [b.name for b in app.snapshot.branches], app.last_error)

asyncio.run(main())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    git_at_first_board, cached, branches, error = done.stdout.strip().splitlines()[-1].split(" ", 3)
    assert cached == "False", "a first start has no board cache"
    assert git_at_first_board == "False", "GitPython was imported before the first board was painted"
    assert branches == repr([ws.branch_for(ask)]) and error == "None", "the branch states never filled in"
