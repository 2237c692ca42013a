"""The ``dslp-tui`` command line through ``main([...])``: status, new, branch, demo and errors."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from dslp_tui import __version__
from dslp_tui.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        status = main(list(argv))
    except SystemExit as exit:  # argparse's usage errors
        status = exit.code
    out, err = capsys.readouterr()
    return status, out, err


def one_line(err: str) -> str:
    """The single ``dslp-tui...`` line every failure prints to stderr."""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("dslp-tui")
    return lines[0]


def new(capsys, repo: Path, *argv: str) -> int:
    status, out, err = run(capsys, "--repo", str(repo), "new", *argv)
    assert status == 0, err
    return int(out.strip())


def status_json(capsys, repo: Path, *extra: str) -> dict:
    status, out, err = run(capsys, "--repo", str(repo), "status", "--json", *extra)
    assert status == 0, err
    return json.loads(out)


# --- where it can run -------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["status"], ["status", "--json"], ["new", "ask", "x"], ["branch", "1"]])
def test_outside_a_git_repository(capsys, tmp_path, command):
    status, out, err = run(capsys, "--repo", str(tmp_path), *command)
    assert status == 2
    assert out == ""
    assert err.startswith("dslp-tui: ")
    assert "not inside a git repository" in err
    assert "dslp-tui demo" in err
    assert str(tmp_path) in err


def test_a_bad_dslp_toml_names_the_file_the_line_and_the_key(capsys, git_repo):
    (git_repo / "dslp.toml").write_text('[board]\nascii = false\n\n[keys]\nquit = "q"\nqiut = "x"\n')
    for command in (["status"], ["new", "ask", "x"], ["branch", "1"]):
        status, out, err = run(capsys, "--repo", str(git_repo), *command)
        assert status == 2
        assert out == ""
        assert f"{git_repo / 'dslp.toml'}:6:" in err
        assert "keys.qiut" in err


def test_a_toml_syntax_error_names_the_file_and_the_line(capsys, git_repo):
    (git_repo / "dslp.toml").write_text("[branches]\npush = \n")
    status, _, err = run(capsys, "--repo", str(git_repo), "status")
    assert status == 2
    assert f"{git_repo / 'dslp.toml'}:2:" in err
    assert "push" in err


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_an_unknown_kind_is_a_usage_error(capsys, git_repo):
    with pytest.raises(SystemExit) as info:
        main(["--repo", str(git_repo), "new", "bug", "x"])
    assert info.value.code == 2


def test_repo_defaults_to_the_current_directory(capsys, git_repo, monkeypatch):
    (git_repo / "sub").mkdir()
    monkeypatch.chdir(git_repo / "sub")
    status, out, _ = run(capsys, "new", "ask", "From a subdirectory")
    assert (status, out) == (0, "1\n")


# --- status -----------------------------------------------------------------------------------


def test_status_of_a_repository_without_issues(capsys, git_repo):
    status, out, _ = run(capsys, "--repo", str(git_repo), "status")
    assert status == 0
    assert out.splitlines()[0] == "repo · on main · base main"
    assert "No DSLP issues yet" in out


def test_status_mentions_uncommitted_changes(capsys, git_repo):
    (git_repo / "README.md").write_text("edited\n")
    _, out, _ = run(capsys, "--repo", str(git_repo), "status")
    assert out.splitlines()[0] == "repo · on main · base main, uncommitted changes"


def test_status_json_structure(capsys, git_repo):
    ask = new(capsys, git_repo, "ask", "Reduce churn")
    experiment = new(capsys, git_repo, "experiment", "GBM", "--ask", str(ask))
    loose = new(capsys, git_repo, "ask", "Other")
    data = json.loads(json.dumps(status_json(capsys, git_repo)))
    assert set(data) == {"repository", "warnings", "asks", "unlinked", "runs"}
    # No MLflow store yet: no runs, and reading did not create one.
    assert data["runs"] == {
        "source": f"MLflow sqlite:///{git_repo / 'mlflow.db'}",
        "total": 0,
        "unlinked": 0,
        "error": None,
    }
    assert not (git_repo / "mlflow.db").exists()
    assert data["warnings"] == []
    assert data["repository"] == {
        "root": str(git_repo),
        "tracker": "local",
        "base": "main",
        "current_branch": "main",
        "dirty": False,
    }
    assert [a["number"] for a in data["asks"]] == [ask, loose]
    first = data["asks"][0]
    assert set(first) == {
        "number",
        "kind",
        "title",
        "state",
        "status",
        "labels",
        "branch",
        "branches",
        "pulls",
        "assignees",
        "runs",
        "children",
        "missing_in_body",
        "comment_count",
    }
    assert first["runs"] == {
        "count": 0,
        "metric": None,
        "direction": "max",
        "threshold": None,
        "best": None,
        "value": None,
        "meets": None,
    }
    assert first["missing_in_body"] == [] and first["comment_count"] == 0
    assert first["pulls"] == [] and first["assignees"] == []  # the local tracker has neither
    assert (first["kind"], first["title"], first["state"], first["status"], first["labels"]) == (
        "Ask",
        "Reduce churn",
        "open",
        None,
        ["Ask"],
    )
    assert [c["number"] for c in first["children"]] == [experiment]
    child = first["children"][0]
    assert (child["kind"], child["branch"], child["branches"]) == ("Experiment", None, [])
    assert "children" not in child
    assert data["unlinked"] == []


def test_status_flags_an_ask_whose_body_misses_a_child(capsys, git_repo):
    from dslp_tui.sources.local import LocalTracker

    ask = new(capsys, git_repo, "ask", "Reduce churn")
    first = new(capsys, git_repo, "experiment", "GBM", "--ask", str(ask))
    second = new(capsys, git_repo, "data", "CRM", "--ask", str(ask))
    tracker = LocalTracker.for_git_dir(git_repo / ".git")
    body = tracker.get_issue(ask).body
    tracker.update_issue(ask, body="\n".join(line for line in body.splitlines() if f"#{first} " not in line))
    assert status_json(capsys, git_repo)["asks"][0]["missing_in_body"] == [first]
    _, out, _ = run(capsys, "--repo", str(git_repo), "status")
    assert f"  warning: #{first} linked here but not listed in this Ask's body" in out.splitlines()
    assert second  # still listed


def test_status_prints_the_board_warnings(capsys, git_repo, git):
    git(git_repo, "branch", "experiment/12-gbm")
    data = status_json(capsys, git_repo)
    assert len(data["warnings"]) == 1 and "up to #12: it looks reset" in data["warnings"][0]
    _, out, _ = run(capsys, "--repo", str(git_repo), "status")
    assert "warning: the tracker has no issues, but branches carry issue numbers up to #12" in out


def test_status_json_branch_fields(capsys, repo_with_remote):
    ask = new(capsys, repo_with_remote, "ask", "Reduce churn")
    experiment = new(capsys, repo_with_remote, "experiment", "GBM", "--ask", str(ask))
    assert run(capsys, "--repo", str(repo_with_remote), "branch", str(experiment))[0] == 0
    data = status_json(capsys, repo_with_remote)
    assert data["repository"]["current_branch"] == "experiment/2-gbm"
    child = data["asks"][0]["children"][0]
    assert child["branches"] == ["experiment/2-gbm"]
    assert child["branch"] == {
        "name": "experiment/2-gbm",
        "kind": "experiment",
        "local": True,
        "remote": True,
        "upstream": "origin/experiment/2-gbm",
        "upstream_gone": False,
        "ahead_upstream": 0,
        "behind_upstream": 0,
        "ahead_base": 0,
        "behind_base": 0,
        "merged": True,
        "empty": True,  # created from main, no commits of its own yet
        "last_commit": child["branch"]["last_commit"],
        "current": True,
    }
    assert child["branch"]["last_commit"] > 0


def test_status_text_and_open_only(capsys, git_repo):
    ask = new(capsys, git_repo, "ask", "Reduce churn")
    new(capsys, git_repo, "experiment", "GBM", "--ask", str(ask))
    closed = new(capsys, git_repo, "data", "CRM", "--ask", str(ask))
    from dslp_tui.workspace import Workspace

    Workspace.open(git_repo).tracker.update_issue(closed, state="closed")
    _, out, _ = run(capsys, "--repo", str(git_repo), "--ascii", "status")
    lines = out.splitlines()
    assert lines[1].startswith("#1 Ask Reduce churn")
    assert lines[1].endswith("1 open")
    assert "  Data" in lines and "  Experiment" in lines
    crm = next(line for line in lines if "Get CRM Dataset" in line)
    assert crm.startswith("    #3 ") and "v closed" in crm
    assert any(line.startswith("    #2 GBM") and "o open" in line for line in lines)
    _, out, _ = run(capsys, "--repo", str(git_repo), "status", "--open")
    assert "Get CRM Dataset" not in out
    assert "GBM" in out
    numbers = [c["number"] for a in status_json(capsys, git_repo, "--open")["asks"] for c in a["children"]]
    assert numbers == [2]


# --- new --------------------------------------------------------------------------------------


def test_new_prints_the_number_and_files_the_template(capsys, git_repo):
    assert new(capsys, git_repo, "ask", "Reduce churn") == 1
    assert new(capsys, git_repo, "data", "CRM", "--ask", "1") == 2
    assert new(capsys, git_repo, "experiment", "GBM", "--ask", "1") == 3
    assert new(capsys, git_repo, "model", "churn", "--ask", "1", "--based-on", "3") == 4
    from dslp_tui.process import BASED_ON_EXPERIMENT, parse_reference
    from dslp_tui.workspace import Workspace

    tracker = Workspace.open(git_repo).tracker
    assert tracker.get_issue(2).title == "Get CRM Dataset"
    model = tracker.get_issue(4)
    assert model.title == "Implement churn model"
    assert parse_reference(model.body) == 1
    assert parse_reference(model.body, BASED_ON_EXPERIMENT) == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["experiment", "GBM"], "ask: a Experiment issue belongs to an Ask"),
        (["ask", "   "], "title: a title is required"),
        (["model", "churn", "--ask", "1", "--based-on", "1"], "based on: #1 is not an Experiment issue"),
    ],
)
def test_new_refuses_what_the_process_does_not_allow(capsys, git_repo, argv, message):
    new(capsys, git_repo, "ask", "Reduce churn")
    status, out, err = run(capsys, "--repo", str(git_repo), "new", *argv)
    assert status == 2
    assert out == ""
    assert message in err
    assert status_json(capsys, git_repo)["asks"][0]["children"] == []


def test_new_with_a_body_file(capsys, git_repo, tmp_path):
    new(capsys, git_repo, "ask", "Reduce churn")
    body = tmp_path / "body.md"
    body.write_text("## Description\n\nBoosted trees.\n\n## Metrics\n\nr2 ≥ 0.7\n", encoding="utf-8")
    number = new(capsys, git_repo, "experiment", "GBM", "--ask", "1", "--body-file", str(body))
    from dslp_tui.process import parse_sections
    from dslp_tui.workspace import Workspace

    sections = parse_sections(Workspace.open(git_repo).tracker.get_issue(number).body)
    assert sections["Metrics"] == "r2 ≥ 0.7"
    assert "Boosted trees." in sections["Description"]
    assert "Ask Reference: #1" in sections["Description"]


def test_new_with_plain_text_on_stdin_fills_the_first_section(capsys, git_repo, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Why do customers leave?\n"))
    number = new(capsys, git_repo, "ask", "Reduce churn", "--body-file", "-")
    from dslp_tui.process import parse_sections
    from dslp_tui.workspace import Workspace

    body = Workspace.open(git_repo).tracker.get_issue(number).body
    assert parse_sections(body)["Problem Statement"] == "Why do customers leave?"


def test_new_with_a_body_file_puts_sub_headings_on_their_own_lines(capsys, git_repo, tmp_path):
    body = tmp_path / "body.md"
    body.write_text("## Problem Statement\n\nFraud costs 2%### Desired Outcome\nBelow 1%", encoding="utf-8")
    number = new(capsys, git_repo, "ask", "Cut fraud", "--body-file", str(body))
    from dslp_tui.workspace import Workspace

    lines = Workspace.open(git_repo).tracker.get_issue(number).body.split("\n")
    assert "Fraud costs 2%" in lines and "### Desired Outcome" in lines and "## Problem Statement" in lines


def test_new_with_a_body_file_that_has_foreign_sections(capsys, git_repo, tmp_path):
    body = tmp_path / "body.md"
    body.write_text("## Problem Statement\n\nx\n\n## Budget\n\ny\n")
    status, out, err = run(capsys, "--repo", str(git_repo), "new", "ask", "A", "--body-file", str(body))
    assert status == 2
    assert "'Budget' is not a section of the Ask template" in err
    assert "Problem Statement" in err


# --- branch -----------------------------------------------------------------------------------


def test_branch_creates_checks_out_and_pushes(capsys, repo_with_remote, git, origin):
    new(capsys, repo_with_remote, "ask", "Reduce churn")
    new(capsys, repo_with_remote, "data", "CRM", "--ask", "1")
    status, out, err = run(capsys, "--repo", str(repo_with_remote), "branch", "2")
    assert status == 0, err
    assert "created data/2-get-crm-dataset from main" in out
    assert "checked out data/2-get-crm-dataset" in out
    assert "pushed data/2-get-crm-dataset to origin" in out
    assert git.current(repo_with_remote) == "data/2-get-crm-dataset"
    assert git.sha(origin, "refs/heads/data/2-get-crm-dataset")
    status, out, _ = run(capsys, "--repo", str(repo_with_remote), "branch", "2")
    assert status == 0
    assert "already exists" in out


def test_branch_without_checkout(capsys, git_repo, git):
    new(capsys, git_repo, "ask", "Reduce churn")
    status, out, _ = run(capsys, "--repo", str(git_repo), "branch", "1", "--no-checkout")
    assert status == 0
    assert "checked out" not in out
    assert "no remote 'origin'" in out
    assert git.current(git_repo) == "main"
    assert git.sha(git_repo, "1-reduce-churn")


def test_branch_failures_exit_1(capsys, git_repo, git):
    status, out, err = run(capsys, "--repo", str(git_repo), "branch", "7")
    assert (status, out) == (1, "")
    assert "issue #7 does not exist" in err
    new(capsys, git_repo, "ask", "Reduce churn")
    (git_repo / "README.md").write_text("edited\n")
    head = git.sha(git_repo, "HEAD")
    status, _, err = run(capsys, "--repo", str(git_repo), "branch", "1")
    assert status == 1
    line = one_line(err)
    assert "uncommitted changes" in line and "stash" in line and "--no-checkout" in line
    assert git.current(git_repo) == "main"
    assert git(git_repo, "branch", "--list", "1-reduce-churn") == ""
    status, out, err = run(capsys, "--repo", str(git_repo), "branch", "1", "--no-checkout")  # what it names works
    assert status == 0, err
    assert "created 1-reduce-churn from main" in out
    assert (git.current(git_repo), git.sha(git_repo, "HEAD")) == ("main", head)
    assert (git_repo / "README.md").read_text() == "edited\n"


def test_state_closing_an_ask_with_open_children_needs_with_open_children(capsys, git_repo):
    ask = new(capsys, git_repo, "ask", "Reduce churn")
    data = new(capsys, git_repo, "data", "CRM", "--ask", str(ask))
    model = new(capsys, git_repo, "model", "churn", "--ask", str(ask))
    status, out, err = run(capsys, "--repo", str(git_repo), "state", str(ask), "closed")
    assert (status, out) == (1, "")
    line = one_line(err)
    assert f"Ask #{ask} has 2 open children (#{data}, #{model})" in line and "--with-open-children" in line
    assert status_json(capsys, git_repo)["asks"][0]["state"] == "open"
    status, out, err = run(capsys, "--repo", str(git_repo), "state", str(ask), "closed", "--with-open-children")
    assert (status, out) == (0, f"#{ask} closed\n"), err
    assert status_json(capsys, git_repo)["asks"][0]["state"] == "closed"
    assert run(capsys, "--repo", str(git_repo), "state", str(ask), "open")[:2] == (0, f"#{ask} open\n")
    assert run(capsys, "--repo", str(git_repo), "state", str(data), "closed")[:2] == (0, f"#{data} closed\n")
    status, _, err = run(capsys, "--repo", str(git_repo), "state", "99", "closed")
    assert status == 1 and "issue #99 does not exist" in one_line(err)


# --- demo -------------------------------------------------------------------------------------

DEMO_ISSUES = {
    # number: (kind, state, status, branch name or None)
    1: ("Ask", "open", None, None),
    2: ("Data", "closed", None, "data/2-get-crm-dataset"),
    3: ("Data", "open", None, "data/3-create-churn-features-dataset"),
    4: ("Explore", "closed", None, "explore/4-churn-by-tenure"),
    5: ("Experiment", "open", "succeeded", "experiment/5-gradient-boosting-baseline"),
    6: ("Experiment", "closed", "failed", "experiment/6-logistic-regression-baseline"),
    7: ("Experiment", "open", None, "experiment/7-deep-tabular-network"),
    8: ("Model", "open", None, "model/8-implement-churn-model"),
    9: ("Ask", "open", None, None),
    10: ("Explore", "open", None, None),
    11: ("Experiment", "open", "on_hold", None),
    12: ("Data", "open", None, None),
}


def test_demo_creates_a_repository_whose_status_shows_the_whole_process(capsys, tmp_path, git):
    path = tmp_path / "churn-model"
    status, out, err = run(capsys, "demo", "--no-open", "--path", str(path))
    assert status == 0, err
    assert out.strip() == f"demo project: {path}"
    data = status_json(capsys, path)
    assert data["repository"]["base"] == "main"
    assert data["repository"]["current_branch"] == "main"
    assert data["repository"]["dirty"] is False
    assert [a["number"] for a in data["asks"]] == [1, 9]
    assert [c["number"] for c in data["asks"][0]["children"]] == [2, 3, 4, 5, 6, 7, 8]
    assert [c["number"] for c in data["asks"][1]["children"]] == [10, 11]
    assert [c["number"] for c in data["unlinked"]] == [12]
    rows = {r["number"]: r for a in data["asks"] for r in [a, *a["children"]]} | {
        r["number"]: r for r in data["unlinked"]
    }
    assert set(rows) == set(DEMO_ISSUES)
    for number, (kind, state, status_key, branch) in DEMO_ISSUES.items():
        row = rows[number]
        assert (row["kind"], row["state"], row["status"]) == (kind, state, status_key), number
        assert (row["branch"]["name"] if row["branch"] else None) == branch, number
    branches = {r["branch"]["name"]: r["branch"] for r in rows.values() if r["branch"]}
    assert branches["data/2-get-crm-dataset"]["merged"] is True
    assert branches["experiment/7-deep-tabular-network"]["remote"] is False  # local only
    assert branches["data/3-create-churn-features-dataset"]["ahead_upstream"] == 1
    for name, facts in branches.items():
        assert (facts["ahead_base"], facts["behind_base"]) == git.ahead_behind(path, "main", name), name


def test_demo_text_status(capsys, demo):
    status, out, _ = run(capsys, "--repo", str(demo), "status")
    assert status == 0
    assert "#1 Ask Reduce customer churn" in out
    assert "Not linked to an Ask" in out
    assert any("Gradient boosting baseline" in line and "succeeded" in line for line in out.splitlines())
    assert any("Get CRM Dataset" in line and "merged" in line for line in out.splitlines())


def test_demo_reuses_an_existing_demo_and_refuses_other_directories(capsys, tmp_path):
    path = tmp_path / "churn-model"
    assert run(capsys, "demo", "--no-open", "--path", str(path))[0] == 0
    status, out, _ = run(capsys, "demo", "--no-open", "--path", str(path))
    assert (status, out.strip()) == (0, f"demo project: {path}")
    assert len(status_json(capsys, path)["asks"]) == 2  # not created twice
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine\n")
    status, out, err = run(capsys, "demo", "--no-open", "--path", str(busy))
    assert status == 2
    assert "not empty" in err
    assert sorted(p.name for p in busy.iterdir()) == ["notes.txt"]


# --- every failure is one line and an exit status -----------------------------------------------

HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    "argv",
    [
        ["new", "experiment", "GBM", "--ask", HUGE],
        ["new", "model", "churn", "--ask", "1", "--based-on", HUGE],
        ["branch", HUGE],
        ["branch", "2147483648"],
        ["branch", "0"],
        ["branch", "-3"],
        ["branch", "seven"],
    ],
)
def test_a_malformed_issue_number_is_a_usage_error(capsys, git_repo, argv):
    new(capsys, git_repo, "ask", "Reduce churn")
    status, out, err = run(capsys, "--repo", str(git_repo), *argv)
    assert (status, out) == (2, "")
    assert f"{argv[-1]} is not an issue number" in one_line(err)


def test_the_largest_issue_number_is_accepted_and_does_not_exist(capsys, git_repo):
    status, _, err = run(capsys, "--repo", str(git_repo), "branch", "2147483647")
    assert status == 1
    assert "issue #2147483647 does not exist" in one_line(err)


def test_other_usage_errors_are_one_line(capsys, git_repo):
    status, _, err = run(capsys, "--repo", str(git_repo), "new", "bug", "x")
    assert status == 2
    assert "invalid choice: 'bug'" in one_line(err)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["new", "experiment", "GBM", "--ask", "9"], "ask: issue #9 does not exist"),
        (["new", "model", "churn", "--ask", "1", "--based-on", "9"], "based on: issue #9 does not exist"),
        (["branch", "9"], "issue #9 does not exist"),
    ],
)
def test_a_missing_issue_is_a_failed_operation_everywhere(capsys, git_repo, argv, message):
    new(capsys, git_repo, "ask", "Reduce churn")
    status, out, err = run(capsys, "--repo", str(git_repo), *argv)
    assert (status, out) == (1, "")
    assert message in one_line(err)


def test_repo_that_does_not_exist_even_inside_a_repository(capsys, git_repo):
    missing = git_repo / "no" / "such"
    status, out, err = run(capsys, "--repo", str(missing), "status")
    assert (status, out) == (2, "")
    assert f"--repo {missing}: no such directory" in one_line(err)


def test_repo_that_is_a_file(capsys, git_repo):
    status, out, err = run(capsys, "--repo", str(git_repo / "README.md"), "status")
    assert (status, out) == (2, "")
    assert "README.md: not a directory" in one_line(err)


# --- --body-file ------------------------------------------------------------------------------


def test_body_file_larger_than_the_cap(capsys, git_repo, tmp_path):
    big = tmp_path / "big.md"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    status, out, err = run(capsys, "--repo", str(git_repo), "new", "ask", "A", "--body-file", str(big))
    assert (status, out) == (2, "")
    assert f"--body-file {big}: larger than 1 MiB" in one_line(err)
    assert status_json(capsys, git_repo)["asks"] == []


def test_body_file_of_exactly_the_cap_is_read(capsys, git_repo, tmp_path):
    body = tmp_path / "body.md"
    body.write_bytes(b"x" * (1024 * 1024))
    assert new(capsys, git_repo, "ask", "A", "--body-file", str(body)) == 1


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_body_file_that_never_ends(capsys, git_repo):
    status, _, err = run(capsys, "--repo", str(git_repo), "new", "ask", "A", "--body-file", "/dev/zero")
    assert status == 2
    assert "--body-file /dev/zero: larger than 1 MiB" in one_line(err)


def test_body_on_stdin_larger_than_the_cap(capsys, git_repo, monkeypatch):
    class Stdin(io.StringIO):
        buffer = io.BytesIO(b"y" * (2 * 1024 * 1024))

    monkeypatch.setattr("sys.stdin", Stdin())
    status, _, err = run(capsys, "--repo", str(git_repo), "new", "ask", "A", "--body-file", "-")
    assert status == 2
    assert "--body-file -: larger than 1 MiB" in one_line(err)


def test_body_file_that_is_not_utf8(capsys, git_repo, tmp_path):
    latin = tmp_path / "latin.md"
    latin.write_bytes("## Problem Statement\n\ncaf\u00e9\n".encode("latin-1"))
    status, _, err = run(capsys, "--repo", str(git_repo), "new", "ask", "A", "--body-file", str(latin))
    assert status == 2
    assert f"--body-file {latin}: not UTF-8 text" in one_line(err)


def test_body_file_that_is_a_directory(capsys, git_repo, tmp_path):
    status, _, err = run(capsys, "--repo", str(git_repo), "new", "ask", "A", "--body-file", str(tmp_path))
    assert status == 2
    assert f"--body-file {tmp_path}: is a directory" in one_line(err)


def test_body_file_that_is_missing_is_one_line(capsys, git_repo, tmp_path):
    missing = tmp_path / "nope.md"
    status, _, err = run(capsys, "--repo", str(git_repo), "new", "ask", "A", "--body-file", str(missing))
    assert status == 2
    assert f"--body-file {missing}: no such file" in one_line(err)


# --- demo --path ------------------------------------------------------------------------------


def test_demo_path_that_is_a_file(capsys, tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("mine\n")
    status, out, err = run(capsys, "demo", "--no-open", "--path", str(target))
    assert (status, out) == (2, "")
    assert f"{target} is a file" in one_line(err)
    assert target.read_text() == "mine\n"


def test_demo_path_under_a_file(capsys, tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("mine\n")
    status, out, err = run(capsys, "demo", "--no-open", "--path", str(target / "demo"))
    assert (status, out) == (2, "")
    assert f"{target} is a file" in one_line(err)


def test_demo_path_in_a_directory_that_is_not_empty_is_one_line(capsys, tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    status, _, err = run(capsys, "demo", "--no-open", "--path", str(tmp_path / "busy"))
    assert status == 2
    assert "is not empty" in one_line(err)


def _unwritable_place(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
        return locked / "demo"
    if not Path("/sys/kernel").is_dir():  # root writes anywhere but in sysfs
        pytest.skip("needs a place even root cannot write")
    return Path("/sys/dslp-demo")


def test_demo_path_in_an_unwritable_place(capsys, tmp_path):
    target = _unwritable_place(tmp_path)
    status, out, err = run(capsys, "demo", "--no-open", "--path", str(target))
    assert (status, out) == (2, "")
    assert f"cannot create the demo at {target}" in one_line(err)
    assert not target.exists()


# --- branch: closed issues and bisects ask first -----------------------------------------------


def test_branch_on_a_closed_issue_needs_allow_closed(capsys, git_repo, git):
    new(capsys, git_repo, "ask", "Reduce churn")
    from dslp_tui.workspace import Workspace

    Workspace.open(git_repo).tracker.update_issue(1, state="closed")
    status, out, err = run(capsys, "--repo", str(git_repo), "branch", "1")
    assert (status, out) == (1, "")
    line = one_line(err)
    assert "issue #1 is closed" in line and "--allow-closed" in line
    assert git.current(git_repo) == "main"
    status, out, err = run(capsys, "--repo", str(git_repo), "branch", "1", "--allow-closed")
    assert status == 0, err
    assert git.current(git_repo) == "1-reduce-churn"


def test_branch_during_a_bisect_needs_during_bisect(capsys, git_repo, git):
    new(capsys, git_repo, "ask", "Reduce churn")
    first = git.sha(git_repo, "HEAD")
    git.commit(git_repo, "second")
    git(git_repo, "bisect", "start", "HEAD", first)
    status, out, err = run(capsys, "--repo", str(git_repo), "branch", "1")
    assert (status, out) == (1, "")
    line = one_line(err)
    assert "bisect is in progress" in line and "--during-bisect" in line
    assert git(git_repo, "branch", "--list", "1-reduce-churn") == ""
    status, _, err = run(capsys, "--repo", str(git_repo), "branch", "1", "--during-bisect")
    assert status == 0, err
    assert git.current(git_repo) == "1-reduce-churn"


# --- what the CLI prints is cleaned of terminal escapes -----------------------------------------

C1_BRANCH = "tr\u009b31munk"  # a C1 CSI: git allows it in a branch name, a terminal acts on it


def _no_controls(text: str) -> bool:
    return not any(ord(c) < 32 and c not in "\n" or 0x7F <= ord(c) <= 0x9F for c in text)


def test_status_and_branch_output_are_cleaned(capsys, tmp_path, git):
    repo = git.init(tmp_path / "re\x1b]0;pwned\x07po")
    git.commit(repo, "Initial commit")
    git(repo, "checkout", "-q", "-b", C1_BRANCH)
    new(capsys, repo, "ask", "Reduce churn")
    status, out, _ = run(capsys, "--repo", str(repo), "status")
    assert status == 0
    assert _no_controls(out)
    assert out.splitlines()[0] == "repo · on trunk · base main"
    git(repo, "branch", f"1-{C1_BRANCH}", "main")  # the issue's branch, named by someone else
    status, out, _ = run(capsys, "--repo", str(repo), "branch", "1", "--no-checkout")
    assert status == 0
    assert "1-trunk already exists" in out
    assert _no_controls(out)


def test_status_json_escapes_c1_controls_and_keeps_the_data(capsys, git_repo, git):
    git(git_repo, "checkout", "-q", "-b", C1_BRANCH)
    status, out, _ = run(capsys, "--repo", str(git_repo), "status", "--json")
    assert status == 0
    assert _no_controls(out)
    assert json.loads(out)["repository"]["current_branch"] == C1_BRANCH


def test_errors_are_cleaned_and_one_line(capsys, tmp_path):
    missing = tmp_path / "x\x1b[2Jy\nz"
    status, _, err = run(capsys, "--repo", str(missing), "status")
    assert status == 2
    assert _no_controls(one_line(err))


def test_demo_project_line_is_cleaned(capsys, tmp_path):
    status, out, err = run(capsys, "demo", "--no-open", "--path", str(tmp_path / "d\x1b[31memo"))
    assert status == 0, err
    assert out == f"demo project: {tmp_path}/demo\n"


# --- ASCII output: --ascii, TERM=linux, a locale that is not UTF-8 -------------------------------

UNICODE_TITLE = "Ünïcode “churn” — 数据 ★ … \x1b[31mred\u009b31m"


def _ascii_commands(demo: Path, capsys) -> tuple[int, list[list[str]]]:
    """Every printing command on the demo, with a Unicode and hostile title on the board (that
    issue's number, the commands)."""
    from dslp_tui.workspace import Workspace

    number = new(capsys, demo, "experiment", UNICODE_TITLE, "--ask", "1")
    Workspace.open(demo).tracker.comment(number, "TL;DR: “it works” — mostly ✓")
    return number, [
        ["status"],
        ["status", "--json"],
        ["status", "--open"],
        ["show", "1"],
        ["show", str(number)],
        ["show", str(number), "--json"],
        ["runs", "1"],
        ["runs", "5"],
        ["runs", "5", "--json"],
        ["promote", "5", "--dry-run"],
        ["fail", str(number), "--dry-run", "--tldr", "“no” — ✗"],
        ["close", "10", "--dry-run"],
        ["close", str(number), "--dry-run"],  # refused: not an exploration (its title in the error)
        ["show", "999"],
        ["show", "№1…"],  # a usage error quoting the argument
        ["new", "experiment", UNICODE_TITLE, "--ask", "999"],
        ["--help"],
        ["status", "--help"],
    ]


@pytest.mark.parametrize("how", ["--ascii", "TERM=linux", "LANG=C"])
def test_ascii_output_is_ascii_only_on_stdout_and_stderr(capsys, demo, monkeypatch, how):
    number, commands = _ascii_commands(demo, capsys)
    flags = ["--ascii"] if how == "--ascii" else []
    if how != "--ascii":
        name, _, value = how.partition("=")
        monkeypatch.delenv("LC_ALL", raising=False)
        monkeypatch.delenv("LC_CTYPE", raising=False)
        monkeypatch.setenv(name, value)
    for command in commands:
        status, out, err = run(capsys, *flags, "--repo", str(demo), *command)
        assert out or err, command
        shown = (out + err).encode()
        assert all(byte < 127 for byte in shown), (command, [c for c in out + err if ord(c) >= 127][:5])
    data = json.loads(run(capsys, *flags, "--repo", str(demo), "show", str(number), "--json")[1])
    assert data["title"].startswith("Ünïcode “churn”")  # JSON keeps the data, escaped


def test_without_ascii_the_cli_prints_unicode(capsys, demo):
    status, out, _ = run(capsys, "--repo", str(demo), "status")
    assert status == 0 and "·" in out and "★" in out


# --- last resorts: unexpected errors and a closed stdout ---------------------------------------


def test_an_unexpected_error_is_one_line_and_logged_privately(capsys, git_repo, monkeypatch, tmp_path):
    state = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))

    def boom(*_):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr("dslp_tui.cli._status", boom)
    status, out, err = run(capsys, "--repo", str(git_repo), "status")
    assert (status, out) == (1, "")
    log = state / "dslp-tui" / "errors.log"
    line = one_line(err)
    assert "internal error: RuntimeError: boom second line" in line
    assert str(log) in line and "please report" in line
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    text = log.read_text()
    assert "Traceback" in text and "RuntimeError: boom" in text


def test_a_closed_stdout_ends_quietly(git_repo, tmp_path):
    script = Path(sys.executable).parent / "dslp-tui"
    assert run_with_closed_stdout(script, "--repo", str(git_repo), "new", "ask", "A") == (141, b"")
    assert run_with_closed_stdout(script, "--repo", str(git_repo), "status") == (141, b"")


def run_with_closed_stdout(*argv) -> tuple[int, bytes]:
    """Run with stdout a pipe nobody reads (``dslp-tui status | head -0``): every write fails."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([str(a) for a in argv], stdout=write_end, stderr=subprocess.PIPE, timeout=60)
    finally:
        os.close(write_end)
    return done.returncode, done.stderr


def test_demo_without_git_on_the_path(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    status, out, err = run(capsys, "demo", "--no-open", "--path", str(tmp_path / "demo"))
    assert (status, out) == (2, "")
    assert f"cannot create the demo at {tmp_path / 'demo'}: no such file or directory (git)" in one_line(err)


# --- show and comment -------------------------------------------------------------------------


def test_show_prints_one_issue_in_full(capsys, git_repo, git):
    git(git_repo, "config", "user.name", "Tess Tester")
    ask = new(capsys, git_repo, "ask", "Reduce churn")
    experiment = new(capsys, git_repo, "experiment", "GBM", "--ask", str(ask))
    assert run(capsys, "--repo", str(git_repo), "comment", str(experiment), "TL;DR: r2 0.71")[0] == 0
    assert run(capsys, "--repo", str(git_repo), "comment", str(experiment), "second")[0] == 0
    status, out, err = run(capsys, "--repo", str(git_repo), "--ascii", "show", str(experiment))
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"#{experiment} Experiment - ")  # --ascii: every character ASCII
    assert lines[1].startswith("o open")
    assert f"Ask      #{ask} Reduce churn" in lines
    assert "Comments (2)" in lines
    first, second = lines.index("    TL;DR: r2 0.71"), lines.index("    second")
    assert first < second  # newest last
    assert lines[first - 1].startswith("  Tess Tester - ")
    assert f"Ask Reference: #{ask}" in lines  # the body
    _, ask_out, _ = run(capsys, "--repo", str(git_repo), "show", str(ask))
    assert any(line.strip().startswith(f"#{experiment} Experiment") for line in ask_out.splitlines())


def test_show_json_carries_body_children_branches_and_comments(capsys, git_repo, git):
    git(git_repo, "config", "user.name", "Tess Tester")
    ask = new(capsys, git_repo, "ask", "Reduce churn")
    experiment = new(capsys, git_repo, "experiment", "GBM", "--ask", str(ask))
    run(capsys, "--repo", str(git_repo), "comment", str(experiment), "TL;DR: r2 0.71")
    run(capsys, "--repo", str(git_repo), "branch", str(experiment), "--no-checkout")
    status, out, err = run(capsys, "--repo", str(git_repo), "show", str(experiment), "--json")
    assert status == 0, err
    data = json.loads(out)
    assert data["number"] == experiment and data["ask"] == ask
    assert f"Ask Reference: #{ask}" in data["body"]
    assert [b["name"] for b in data["branches"]] == [f"experiment/{experiment}-gbm"]
    assert data["comment_count"] == 1
    assert [(c["author"], c["body"]) for c in data["comments"]] == [("Tess Tester", "TL;DR: r2 0.71")]
    asked = json.loads(run(capsys, "--repo", str(git_repo), "show", str(ask), "--json")[1])
    assert [c["number"] for c in asked["children"]] == [experiment]
    assert asked["ask"] is None and asked["missing_in_body"] == []
    assert status_json(capsys, git_repo)["asks"][0]["children"][0]["comment_count"] == 1


def test_show_a_missing_issue_fails(capsys, git_repo):
    status, out, err = run(capsys, "--repo", str(git_repo), "show", "99")
    assert (status, out) == (1, "")
    assert one_line(err) == "dslp-tui: issue #99 does not exist"


@pytest.mark.parametrize("text", ["TL;DR:", "  TL;DR:   ", ""])
def test_an_empty_comment_is_refused(capsys, git_repo, text):
    ask = new(capsys, git_repo, "ask", "Reduce churn")
    status, _, err = run(capsys, "--repo", str(git_repo), "comment", str(ask), text)
    assert status == 2
    assert "body: the comment is empty" in one_line(err)
    assert status_json(capsys, git_repo)["asks"][0]["comment_count"] == 0


def test_comment_from_a_body_file(capsys, git_repo, tmp_path):
    ask = new(capsys, git_repo, "ask", "Reduce churn")
    note = tmp_path / "note.md"
    note.write_text("TL;DR: churn is seasonal\n\n- more in Q4\n")
    status, out, err = run(capsys, "--repo", str(git_repo), "comment", str(ask), "--body-file", str(note))
    assert (status, out.strip()) == (0, f"commented on #{ask}"), err
    assert run(capsys, "--repo", str(git_repo), "comment", "99", "TL;DR: x")[0] == 1
    assert run(capsys, "--repo", str(git_repo), "comment", str(ask))[0] == 2


def test_a_dry_run_says_when_the_move_would_be_refused(capsys, demo):
    """``--dry-run`` answers "what would happen": a move that would be refused says why (exit 1),
    as the board's preview does, instead of a plan and exit 0."""
    assert run(capsys, "--repo", str(demo), "state", "10", "closed")[0] == 0
    status, out, err = run(capsys, "--repo", str(demo), "close", "10", "--dry-run")
    assert "1. [    ] comment the TL;DR on #10" in out  # the plan is still printed
    assert status == 1 and "#10 is already closed; reopen it first" in err
    # A move that would run: no TL;DR given is not a refusal for a dry run.
    assert run(capsys, "--repo", str(demo), "state", "10", "open")[0] == 0
    status, out, err = run(capsys, "--repo", str(demo), "close", "10", "--dry-run")
    assert (status, err) == (0, "")


def test_a_promote_plan_names_the_model_issue_and_branch_it_will_use(capsys, demo):
    """The demo's #5 already has its Model (#8 'Implement churn model'): the plan names that
    issue, not the title a new one would get; without one, the branch the new issue will get
    is spelled out but for its number."""
    status, out, err = run(capsys, "--repo", str(demo), "promote", "5", "--dry-run")
    assert "[done] Model issue #8 'Implement churn model' under Ask #1" in out, out
    assert "Implement Gradient boosting baseline model" not in out
    status, out, err = run(capsys, "--repo", str(demo), "promote", "7", "--dry-run")
    assert "open Model issue 'Implement Deep tabular network model' under Ask #1" in out, out
    assert "create model/<new number>-implement-deep-tabular-network-model from main" in out, out
