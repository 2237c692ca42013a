"""``E`` then ``ctrl+o`` in a real terminal (tmux): the board hands the terminal to $EDITOR and takes it back."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_terminal import LOADED, _demo_copy_source, _script, keys, project, start, tmux, wait_for, wait_until_quit

__all__ = ["_demo_copy_source", "project", "tmux"]  # the fixtures this module uses, by name

pytestmark = pytest.mark.tmux

EDITOR = """\
import sys
print("EDITOR RUNNING: press enter", flush=True)
sys.stdin.readline()  # the terminal is the editor's: a line is read in cooked mode
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
open(path, "w", encoding="utf-8").write(text.replace("## Assumptions", "## Assumptions\\n\\nFrom a real editor."))
"""


def body_of(project: Path, number: int) -> str:
    done = subprocess.run(
        [_script(), "--repo", str(project), "show", str(number), "--json"], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)["body"]


def test_ctrl_o_hands_the_terminal_to_the_editor(tmux, project: Path, tmp_path: Path) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(EDITOR)
    start(tmux, f"--repo {project}", EDITOR=f"'{sys.executable} {editor}'", VISUAL="")
    wait_for(tmux, "#6 Logistic regression baseline")
    wait_for(tmux, "stale", gone=True)
    keys(tmux, *"jjjjjjj")  # the Ask, Data, #2, #3, Explore, #4, Experiment, then #5
    wait_for(tmux, "#5 Experiment")
    keys(tmux, "E")
    wait_for(tmux, "Edit #5 Experiment")
    keys(tmux, "C-o")
    screen = wait_for(tmux, "EDITOR RUNNING: press enter")
    assert "Edit #5" not in screen  # the board stepped aside
    keys(tmux, "Enter")
    wait_for(tmux, "Edit #5 Experiment")  # back in the form, the editor's text in it
    keys(tmux, "C-s")
    deadline = time.monotonic() + LOADED
    while "From a real editor." not in body_of(project, 5):
        assert time.monotonic() < deadline, "the edit was never saved"
        time.sleep(0.1)
    wait_for(tmux, "Edit #5", gone=True)
    keys(tmux, "q")
    wait_until_quit(tmux)
