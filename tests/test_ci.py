""".ci/run: the README's test command verbatim, and on a bare machine it installs what is missing and
stops at the first broken step. Run against stub commands in a copy, so nothing is installed here."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CI = ROOT / ".ci" / "run"


def readme_test_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"Install and run the tests:\s*```sh\n(.+)\n```", readme)
    assert found, "README.md lost its 'Install and run the tests' block"
    return found.group(1).strip()


def test_ci_runs_exactly_the_readme_test_command() -> None:
    lines = [line.strip() for line in CI.read_text(encoding="utf-8").splitlines()]
    assert readme_test_command() in lines


# Stubs: each logs its command line to $LOG. apt-get "installs" by writing a stub (or, for
# python3-venv, the marker the python3 stub reads for `import ensurepip`).
STUB = '#!/bin/sh\necho "{name} $*" >> "$LOG"\n{body}\n'
STUBS = {
    "id": "echo 0",
    "git": "exit 0",
    "tmux": "exit 0",
    "ensurepip": "exit 0",  # a marker: the python3 stub's `import ensurepip` works
    "apt-get": (
        'case "$1" in install) for p in "$@"; do case "$p" in\n'
        '  git|tmux) printf \'#!/bin/sh\\necho "%s $*" >> "$LOG"\\n\' "$p" > "$BIN/$p"; chmod +x "$BIN/$p";;\n'
        '  python3-venv) : > "$BIN/ensurepip";;\n'
        "esac; done;; esac"
    ),
    "python3": (
        'if [ "$1" = -c ]; then [ -e "$BIN/ensurepip" ]; exit; fi\n'
        'if [ "$1 $2" = "-m venv" ]; then mkdir -p .venv/bin\n'
        "  for tool in pip python ruff; do\n"
        '    printf \'#!/bin/sh\\necho "%s $*" >> "$LOG"\\n[ -z "$FAIL_%s" ]\\n\' "$tool" "$tool" > ".venv/bin/$tool"\n'
        '    chmod +x ".venv/bin/$tool"; done; fi'
    ),
}


def run_ci(tmp_path: Path, present: tuple[str, ...], **env: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """.ci/run in a copy of the project, on a PATH of stubs (``present``) and the shell's basics."""
    project = tmp_path / "project"
    (project / ".ci").mkdir(parents=True)
    shutil.copy2(CI, project / ".ci" / "run")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("bash", "dirname", "mkdir", "chmod"):
        (bin_dir / name).symlink_to(shutil.which(name) or f"/usr/bin/{name}")
    for name in present:
        (bin_dir / name).write_text(STUB.format(name=name, body=STUBS[name]))
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "log"
    log.touch()
    done = subprocess.run(
        [str(bin_dir / "bash"), str(project / ".ci" / "run")],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={"PATH": str(bin_dir), "LOG": str(log), "BIN": str(bin_dir), "HOME": str(tmp_path), **env},
        check=False,
        timeout=60,
    )
    return done, log.read_text().splitlines()


def test_a_bare_machine_gets_git_venv_and_tmux_from_one_apt_update(tmp_path: Path) -> None:
    done, log = run_ci(tmp_path, ("id", "python3", "apt-get"))
    assert done.returncode == 0, done.stderr
    apt = [line for line in log if line.startswith("apt-get")]
    assert [line.split()[1] for line in apt] == ["update", "install", "install", "install"]
    assert [line.split()[-1] for line in apt[1:]] == ["git", "python3-venv", "tmux"]
    steps = [line.removeprefix("ci: ") for line in done.stdout.splitlines() if line.startswith("ci: ")]
    assert steps[0] == "check git, the venv module and tmux" and steps[-1] == "passed"
    tools = [line for line in log if line.split()[0] in ("python3", "pip", "python", "ruff") and " -c " not in line]
    assert tools == [
        "python3 -m venv .venv",
        "pip install -e .[test]",
        "python -m pytest",
        "ruff check .",
        "ruff format --check .",
        "python .ci/typecheck.py",
    ]


@pytest.mark.parametrize(
    ("broken", "message", "never_run"),
    [
        ("pip", "the README's test command failed", ("python -m pytest", "ruff")),
        ("python", "the README's test command failed", ("ruff",)),
        ("ruff", "ruff check found problems", ("ruff format",)),
    ],
)
def test_the_first_broken_step_stops_the_run_with_its_message(
    tmp_path: Path, broken: str, message: str, never_run: tuple[str, ...]
) -> None:
    present = ("id", "python3", "ensurepip", "apt-get", "git", "tmux")
    done, log = run_ci(tmp_path, present, **{f"FAIL_{broken}": "1"})
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith(f"ci: FAILED: {message}")
    assert [line for line in log if line.startswith((*never_run, "apt-get"))] == []


def test_without_apt_get_a_missing_venv_module_is_named(tmp_path: Path) -> None:
    done, log = run_ci(tmp_path, ("id", "python3", "git", "tmux"))
    assert done.returncode == 1
    assert "ci: FAILED: the venv module (ensurepip) is missing and there is no apt-get" in done.stderr
    assert not any(line.startswith(("python3 -m", "pip", "ruff")) for line in log)
