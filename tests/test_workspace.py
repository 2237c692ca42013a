"""Workspace: filing issues by the process's rules, drafts that survive failures, starting work."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from dslp_tui.config import ConfigError
from dslp_tui.model import IssueDraft
from dslp_tui.process import ASK_REFERENCE, BASED_ON_EXPERIMENT, Kind, parse_reference, parse_sections, template
from dslp_tui.sources.git import NotAGitRepository
from dslp_tui.tracker import PartiallyFiled, TrackerError
from dslp_tui.workspace import NeedsConfirmation, ValidationError, Workspace


@pytest.fixture
def ws(repo_with_remote: Path) -> Workspace:
    return Workspace.open(repo_with_remote)


def new(ws: Workspace, template_id: str, title: str, parent: int | None = None, **kwargs) -> int:
    return ws.create_issue(IssueDraft(template=template_id, title=title, parent=parent, **kwargs)).number


@pytest.fixture
def ask(ws: Workspace) -> int:
    return new(ws, "ask", "Reduce customer churn")


def lines(text: str) -> list[str]:
    """The non-blank lines of ``text`` (how many blank lines separate them is layout)."""
    return [line for line in text.splitlines() if line.strip()]


def heads(git, repo: Path, prefix: str = "") -> list[str]:
    return git(repo, "for-each-ref", "--format=%(refname:short)", f"refs/heads/{prefix}").split()


# --- opening ----------------------------------------------------------------------------------


def test_open_finds_the_repository_and_keeps_its_data_in_git(repo_with_remote):
    ws = Workspace.open(repo_with_remote / ".git" / "..")
    assert ws.root == repo_with_remote
    assert ws.name == "repo"
    assert ws.tracker.name == "local"
    assert ws.drafts.directory == repo_with_remote / ".git" / "dslp" / "drafts"
    new(ws, "ask", "A")
    assert (repo_with_remote / ".git" / "dslp" / "tracker.db").is_file()


def test_open_a_plain_directory(tmp_path):
    with pytest.raises(NotAGitRepository):
        Workspace.open(tmp_path)


def test_open_with_a_bad_dslp_toml(git_repo):
    (git_repo / "dslp.toml").write_text("[keys]\nquit = 1\n")
    with pytest.raises(ConfigError, match=r"dslp\.toml:2: keys\.quit"):
        Workspace.open(git_repo)


def test_load_reads_issues_branches_and_the_repository(ws, ask, git, repo_with_remote):
    ws.start_work(ask)
    snapshot = ws.load()
    assert [i.number for i in snapshot.issues] == [ask]
    assert [b.name for b in snapshot.branches] == ["1-reduce-customer-churn"]
    assert snapshot.repo is not None
    assert (snapshot.repo.current_branch, snapshot.repo.base, snapshot.repo.remote) == (
        "1-reduce-customer-churn",
        "main",
        "origin",
    )


# --- filing issues ----------------------------------------------------------------------------


def test_an_ask_is_filed_from_its_template(ws):
    issue = ws.create_issue(
        IssueDraft(template="ask", title="  Reduce   churn ", sections={"Solution Architecture": "Batch."})
    )
    assert issue.number == 1
    assert issue.kind is Kind.ASK
    assert issue.title == "Reduce churn"
    assert issue.labels == ("Ask",)
    assert issue.parent is None
    sections = parse_sections(issue.body)
    assert list(sections) == [s.heading for s in template("ask").sections]
    assert sections["Solution Architecture"] == "Batch."
    assert parse_reference(issue.body) is None


@pytest.mark.parametrize(
    ("template_id", "title", "final_title", "kind", "label"),
    [
        ("data", "CRM", "Get CRM Dataset", Kind.DATA, "Data"),
        ("data-creation", "churn features", "Create churn features Dataset", Kind.DATA, "Data"),
        ("explore", "Churn by tenure", "Churn by tenure", Kind.EXPLORE, "Explore"),
        ("experiment", "Gradient boosting", "Gradient boosting", Kind.EXPERIMENT, "Experiment"),
        ("model", "churn", "Implement churn model", Kind.MODEL, "Model"),
    ],
)
def test_children_carry_their_ask_reference(ws, ask, template_id, title, final_title, kind, label):
    issue = ws.create_issue(IssueDraft(template=template_id, title=title, parent=ask))
    assert (issue.title, issue.kind, issue.labels, issue.parent) == (final_title, kind, (label,), ask)
    assert parse_reference(issue.body, ASK_REFERENCE) == ask
    assert f"{ASK_REFERENCE}: #{ask}" in issue.body.splitlines()
    headings = [s.heading for s in template(template_id).sections]
    assert list(parse_sections(issue.body)) == headings


def test_the_ask_reference_opens_the_description(ws, ask):
    issue = ws.create_issue(
        IssueDraft(template="experiment", title="GBM", parent=ask, sections={"Description": "Try boosting."})
    )
    assert lines(parse_sections(issue.body)["Description"]) == [f"Ask Reference: #{ask}", "Try boosting."]


def test_a_model_carries_based_on_experiment(ws, ask):
    experiment = new(ws, "experiment", "Gradient boosting", ask)
    model = ws.create_issue(
        IssueDraft(template="model", title="churn", parent=ask, based_on=experiment, sections={"Description": "Daily."})
    )
    assert model.title == "Implement churn model"
    assert parse_reference(model.body, BASED_ON_EXPERIMENT) == experiment
    assert lines(parse_sections(model.body)["Description"]) == [
        f"Ask Reference: #{ask}",
        f"Based on Experiment: #{experiment}",
        "Daily.",
    ]


@pytest.mark.parametrize(
    ("template_id", "section"),
    [
        ("data", "Data Requirements"),
        ("data-creation", "Data Requirements"),
        ("explore", "Understanding and Exploration"),
        ("experiment", "Approaches and Experiments"),
    ],
)
def test_the_ask_lists_each_child_in_the_right_section(ws, ask, template_id, section):
    before = parse_sections(ws.tracker.get_issue(ask).body)
    child = ws.create_issue(IssueDraft(template=template_id, title="Thing", parent=ask))
    after = parse_sections(ws.tracker.get_issue(ask).body)
    line = f"- #{child.number} {child.title}"
    assert after[section].splitlines()[-1] == line
    for heading, text in after.items():
        if heading != section:
            assert text == before[heading], heading  # nothing else in the Ask changed
            assert line not in text


def test_the_ask_lists_children_in_order_and_only_its_own(ws, ask):
    other = new(ws, "ask", "Forecast demand")
    first = new(ws, "experiment", "First", ask)
    second = new(ws, "experiment", "Second", ask)
    elsewhere = new(ws, "experiment", "Elsewhere", other)
    listed = parse_sections(ws.tracker.get_issue(ask).body)["Approaches and Experiments"]
    assert [line for line in listed.splitlines() if line.startswith("- #")] == [
        f"- #{first} First",
        f"- #{second} Second",
    ]
    assert f"- #{elsewhere} Elsewhere" in ws.tracker.get_issue(other).body


FILER = """
import sys, time
from pathlib import Path
from dslp_tui.model import IssueDraft
from dslp_tui.workspace import Workspace

repo, tag, go, ask, count = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
ws = Workspace.open(repo)
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
for i in range(count):
    ws.create_issue(IssueDraft(template="experiment", title=f"{tag}-{i}", parent=ask))
"""


def test_children_filed_at_once_by_two_processes_are_all_listed_in_their_ask(ws, ask, tmp_path):
    go = tmp_path / "go"
    per_process = 50
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", FILER, str(ws.root), tag, str(go), str(ask), str(per_process)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("left", "right")
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
        go.touch()
        errors = [worker.communicate(timeout=120)[1] for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    assert [worker.returncode for worker in workers] == [0, 0], errors
    children = [i for i in ws.tracker.list_issues() if i.parent == ask]
    assert len(children) == 2 * per_process
    listed = ws.tracker.get_issue(ask).body
    missing = [c.number for c in children if f"- #{c.number} {c.title}" not in listed]
    assert missing == []


def test_a_child_filed_between_reading_and_writing_the_ask_stays_listed(ws, ask, repo_with_remote, monkeypatch):
    # The interleaving that lost children, made certain: whenever this workspace reads the
    # Ask after filing its child, another one (a second process would) files and lists its own.
    other = Workspace.open(repo_with_remote)
    read, create = ws.tracker.get_issue, ws.tracker.create_issue
    filed: list = []

    def create_then_note(*args, **kwargs):
        filed.append(create(*args, **kwargs))
        return filed[-1]

    def read_then_someone_files(number: int):
        issue = read(number)
        if number == ask and filed:
            filed.append(other.create_issue(IssueDraft(template="experiment", title="Other", parent=ask)))
        return issue

    monkeypatch.setattr(ws.tracker, "create_issue", create_then_note)
    monkeypatch.setattr(ws.tracker, "get_issue", read_then_someone_files)
    ws.create_issue(IssueDraft(template="experiment", title="Mine", parent=ask))
    body = read(ask).body
    assert [line for line in body.splitlines() if line.startswith("- #")] == [
        f"- #{issue.number} {issue.title}" for issue in filed
    ]


def test_a_child_whose_listing_failed_is_linked_on_the_next_try_not_filed_twice(ws, ask):
    db = sqlite3.connect(ws.tracker.path)
    with db:  # a real SQLite refusal of the Ask's update, as a full disk or a lock would be
        db.execute(
            f"CREATE TRIGGER ask_locked BEFORE UPDATE OF body ON issues WHEN OLD.number = {ask}"
            " BEGIN SELECT RAISE(ABORT, 'the Ask is locked'); END"
        )
    draft = IssueDraft(template="explore", title="Tenure", parent=ask, draft_id="form")
    with pytest.raises(PartiallyFiled, match=r"^#2 was created, but listing it in Ask #1 failed: .*locked") as info:
        ws.create_issue(draft)
    assert info.value.number == 2
    kept = ws.drafts.load("explore", ask)
    assert (kept.filed_as, kept.draft_id, kept.title) == (2, "form", "Tenure")

    with pytest.raises(PartiallyFiled, match=r"^#2 .*failed"):
        ws.create_issue(kept)  # still refused: still one issue, draft still kept
    assert ws.drafts.load("explore", ask).filed_as == 2

    with db:
        db.execute("DROP TRIGGER ask_locked")
    db.close()
    issue = ws.create_issue(kept)
    assert issue.number == 2
    assert [i.number for i in ws.tracker.list_issues()] == [ask, 2]  # no duplicate
    assert "- #2 Tenure" in ws.tracker.get_issue(ask).body
    assert ws.drafts.load("explore", ask) is None


# --- validation and drafts --------------------------------------------------------------------


def typed(draft: IssueDraft | None) -> IssueDraft | None:
    """What a person typed: the draft without its identity."""
    return replace(draft, draft_id="") if draft else None


def assert_refused(ws: Workspace, draft: IssueDraft, message: str) -> None:
    draft = replace(draft, draft_id="form")  # one form, submitted again and again
    before = ws.tracker.list_issues()
    with pytest.raises(ValidationError, match=message):
        ws.create_issue(draft)
    assert ws.tracker.list_issues() == before  # nothing filed, nothing changed
    assert typed(ws.drafts.load(draft.template, draft.parent)) == typed(draft)  # everything typed is kept


def test_a_title_is_required(ws):
    assert_refused(ws, IssueDraft(template="ask", title="", sections={"See Also": "notes"}), r"^title: .*required")
    assert_refused(ws, IssueDraft(template="ask", title=" \t "), r"^title: ")


def test_a_title_must_not_be_huge(ws):
    assert_refused(ws, IssueDraft(template="ask", title="x" * 300), r"^title: .*256")


def test_a_child_needs_an_ask(ws):
    draft = IssueDraft(template="experiment", title="GBM", sections={"Metrics": "r2"})
    assert_refused(ws, draft, r"^ask: a Experiment issue belongs to an Ask")


def test_the_ask_must_exist(ws):
    assert_refused(ws, IssueDraft(template="data", title="CRM", parent=42), r"^ask: issue #42 does not exist")


def test_the_parent_must_be_an_ask(ws, ask):
    experiment = new(ws, "experiment", "GBM", ask)
    draft = IssueDraft(template="explore", title="Why GBM wins", parent=experiment)
    assert_refused(ws, draft, rf"^ask: #{experiment} is not an Ask issue")


def test_based_on_must_be_an_experiment(ws, ask):
    explore = new(ws, "explore", "Tenure", ask)
    draft = IssueDraft(template="model", title="churn", parent=ask, based_on=explore)
    assert_refused(ws, draft, rf"^based on: #{explore} is not an Experiment issue")
    assert_refused(ws, IssueDraft(template="model", title="churn", parent=ask, based_on=77), r"^based on: issue #77")


def test_only_a_model_is_based_on_an_experiment(ws, ask):
    experiment = new(ws, "experiment", "GBM", ask)
    draft = IssueDraft(template="experiment", title="GBM 2", parent=ask, based_on=experiment)
    assert_refused(ws, draft, r"^based on: only a Model")


def test_a_failed_save_keeps_the_draft_with_its_final_title(ws, ask, monkeypatch):
    def broken(*args, **kwargs):
        raise TrackerError("disk full")

    monkeypatch.setattr(ws.tracker, "create_issue", broken)
    draft = IssueDraft(template="data", title="CRM", parent=ask, sections={"Source system": "Postgres"})
    with pytest.raises(TrackerError, match="disk full"):
        ws.create_issue(draft)
    kept = ws.drafts.load("data", ask)
    assert kept is not None
    assert kept.title == "Get CRM Dataset"
    assert kept.sections == {"Source system": "Postgres"}
    assert kept.parent == ask


def test_a_successful_save_discards_the_draft(ws, ask):
    ws.drafts.save(IssueDraft(template="explore", title="Ten", parent=ask, draft_id="form"))
    other = ws.drafts.save(IssueDraft(template="explore", title="For another Ask", parent=None))
    # The form resumed its draft (same identity) and the person finished it.
    draft = IssueDraft(template="explore", title="Tenure", parent=ask, sections={"Overview": "why"}, draft_id="form")
    issue = ws.create_issue(draft)
    assert issue.title == "Tenure"
    assert ws.drafts.load("explore", ask) is None
    assert other.exists()  # only this form's draft goes


def test_filing_another_draft_for_the_same_form_keeps_the_boards_draft(ws, ask):
    # The board's draft was kept with escape; `dslp-tui new explore --ask N` files its own.
    kept = ws.drafts.save(IssueDraft(template="explore", title="Half typed", parent=ask, draft_id="board"))
    ws.create_issue(IssueDraft(template="explore", title="From the CLI", parent=ask))
    assert kept.exists()
    assert ws.drafts.load("explore", ask).title == "Half typed"


def test_a_failed_cli_draft_goes_beside_the_boards_draft_not_over_it(ws, ask, monkeypatch):
    kept = ws.drafts.save(IssueDraft(template="data", title="Half typed", parent=ask, draft_id="board"))

    def broken(*args, **kwargs):
        raise TrackerError("disk full")

    monkeypatch.setattr(ws.tracker, "create_issue", broken)
    with pytest.raises(TrackerError):
        ws.create_issue(IssueDraft(template="data", title="CRM", parent=ask))
    assert ws.drafts.load("data", ask).title == "Half typed"
    beside = [p.name for p in ws.drafts.directory.glob("data-*.json") if p != kept]
    assert len(beside) == 1 and beside[0].startswith(f"data-{ask}-")


def test_a_refused_then_fixed_draft_is_filed_and_discarded(ws, ask):
    draft = IssueDraft(template="experiment", title="", parent=ask, sections={"Metrics": "r2 ≥ 0.7"})
    with pytest.raises(ValidationError):
        ws.create_issue(draft)
    resumed = ws.drafts.load("experiment", ask)
    assert typed(resumed) == draft
    issue = ws.create_issue(replace(resumed, title="GBM"))
    assert parse_sections(issue.body)["Metrics"] == "r2 ≥ 0.7"
    assert ws.drafts.load("experiment", ask) is None


# --- starting work ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template_id", "title", "expected"),
    [
        ("experiment", "Gradient boosting baseline", "experiment/2-gradient-boosting-baseline"),
        ("data", "CRM", "data/2-get-crm-dataset"),
        ("data-creation", "churn features", "data/2-create-churn-features-dataset"),
        ("explore", "Churn by tenure", "explore/2-churn-by-tenure"),
        ("model", "churn", "model/2-implement-churn-model"),
    ],
)
def test_start_work_names_the_branch_after_the_kind(
    ws, ask, git, repo_with_remote, origin, template_id, title, expected
):
    issue = ws.create_issue(IssueDraft(template=template_id, title=title, parent=ask))
    assert issue.number == 2
    result = ws.start_work(issue.number)
    assert result.branch == expected
    assert (result.created, result.checked_out, result.pushed) == (True, True, True)
    assert git.current(repo_with_remote) == expected
    assert git.sha(origin, f"refs/heads/{expected}") == git.sha(repo_with_remote, "main")


def test_start_work_on_an_ask_is_a_plain_branch(ws, ask, git, repo_with_remote):
    result = ws.start_work(ask)
    assert result.branch == f"{ask}-reduce-customer-churn"
    assert git.current(repo_with_remote) == result.branch


def test_start_work_reuses_the_issues_branch_even_after_a_rename(ws, ask, git, repo_with_remote):
    number = new(ws, "experiment", "Gradient boosting", ask)
    first = ws.start_work(number)
    tip = git.commit(repo_with_remote, "work")
    git(repo_with_remote, "checkout", "-q", "main")
    ws.tracker.update_issue(number, title="XGBoost instead")
    again = ws.start_work(number)
    assert again.branch == first.branch == f"experiment/{number}-gradient-boosting"
    assert again.created is False
    assert git.sha(repo_with_remote, first.branch) == tip
    assert heads(git, repo_with_remote, "experiment/") == [first.branch]


def test_start_work_without_checkout(ws, ask, git, repo_with_remote):
    result = ws.start_work(ask, checkout=False)
    assert (result.created, result.checked_out) == (True, False)
    assert git.current(repo_with_remote) == "main"


def test_start_work_on_a_missing_issue(ws):
    with pytest.raises(TrackerError, match="#5 does not exist"):
        ws.start_work(5)


def test_start_work_on_a_dirty_tree_offers_to_create_the_branch_without_checking_it_out(ws, ask, git, repo_with_remote):
    (repo_with_remote / "README.md").write_text("edited\n")
    head = git.sha(repo_with_remote, "HEAD")
    with pytest.raises(NeedsConfirmation, match="uncommitted changes.*stash.*without checking it out") as info:
        ws.start_work(ask)
    assert (info.value.answer, info.value.flag) == ({"checkout": False}, "--no-checkout")
    assert heads(git, repo_with_remote) == ["main"]  # nothing done before asking
    result = ws.start_work(ask, **info.value.answer)
    assert (result.created, result.checked_out) == (True, False)
    assert result.branch in heads(git, repo_with_remote)
    assert git.current(repo_with_remote) == "main" and git.sha(repo_with_remote, "HEAD") == head
    assert (repo_with_remote / "README.md").read_text() == "edited\n"


def test_closing_an_ask_with_open_children_asks_first(ws, ask):
    data = new(ws, "data", "CRM", parent=ask)
    explore = new(ws, "explore", "Tenure", parent=ask)
    done = new(ws, "experiment", "GBM", parent=ask)
    ws.set_state(done, "closed")  # a child closes without asking
    other = new(ws, "ask", "Another question")
    new(ws, "data", "Elsewhere", parent=other)  # another Ask's child is not counted
    with pytest.raises(NeedsConfirmation, match=rf"Ask #{ask} has 2 open children \(#{data}, #{explore}\)") as info:
        ws.set_state(ask, "closed")
    assert (info.value.answer, info.value.flag) == ({"with_open_children": True}, "--with-open-children")
    assert ws.tracker.get_issue(ask).state == "open"  # nothing done before asking
    assert ws.set_state(ask, "closed", **info.value.answer).state == "closed"
    assert ws.set_state(ask, "open").state == "open"  # reopening never asks
    ws.set_state(data, "closed")
    ws.set_state(explore, "closed")
    assert ws.set_state(ask, "closed").state == "closed"  # no open children: nothing to ask


def test_an_ask_with_many_open_children_names_the_first_few(ws, ask):
    children = [new(ws, "data", f"Set {n}", parent=ask) for n in range(8)]
    with pytest.raises(NeedsConfirmation) as info:
        ws.set_state(ask, "closed")
    shown = ", ".join(f"#{n}" for n in children[:6])
    assert f"8 open children ({shown} and 2 more)" in str(info.value)


def test_start_work_on_a_closed_issue_asks_first(ws, ask, git, repo_with_remote):
    ws.tracker.update_issue(ask, state="closed")
    with pytest.raises(NeedsConfirmation, match=f"issue #{ask} is closed") as info:
        ws.start_work(ask)
    assert info.value.option == "allow_closed"
    assert heads(git, repo_with_remote) == ["main"]  # nothing done before asking
    result = ws.start_work(ask, **{info.value.option: True})
    assert result.checked_out
    assert git.current(repo_with_remote) == result.branch


def test_start_work_during_a_bisect_asks_before_moving_head(ws, ask, git, repo_with_remote):
    first = git.sha(repo_with_remote, "HEAD")
    git.commit(repo_with_remote, "second")
    git(repo_with_remote, "bisect", "start", "HEAD", first)
    detached = git.sha(repo_with_remote, "HEAD")
    with pytest.raises(NeedsConfirmation, match="bisect is in progress") as info:
        ws.start_work(ask)
    assert info.value.option == "during_bisect"
    assert git.sha(repo_with_remote, "HEAD") == detached
    assert heads(git, repo_with_remote) == ["main"]
    assert ws.start_work(ask, checkout=False).created  # HEAD stays put: nothing to ask
    assert git.sha(repo_with_remote, "HEAD") == detached
    assert ws.start_work(ask, during_bisect=True).checked_out


def test_dslp_toml_prefixes_labels_and_push_are_respected(repo_with_remote, git, origin):
    (repo_with_remote / "dslp.toml").write_text(
        '[branches]\npush = false\n\n[branches.prefixes]\nexperiment = "exp/"\nfeature = "feature/"\n'
        '\n[labels]\nexperiment = "type: experiment"\n'
    )
    git(repo_with_remote, "add", "dslp.toml")
    git(repo_with_remote, "commit", "-q", "-m", "configure dslp-tui")
    ws = Workspace.open(repo_with_remote)
    ask = new(ws, "ask", "Reduce churn")
    experiment = ws.create_issue(IssueDraft(template="experiment", title="GBM", parent=ask))
    assert experiment.labels == ("type: experiment",)
    result = ws.start_work(experiment.number)
    assert result.branch == f"exp/{experiment.number}-gbm"
    assert result.pushed is False
    assert heads(git, origin) == ["main"]
    git(repo_with_remote, "checkout", "-q", "main")
    assert ws.start_work(ask).branch == f"feature/{ask}-reduce-churn"
    branches = {b.name: b for b in ws.load_branches()}
    assert branches[f"exp/{experiment.number}-gbm"].kind_key == "experiment"
    assert branches[f"feature/{ask}-reduce-churn"].issue == ask


def test_dslp_toml_collaboration_branch_is_the_start_point(repo_with_remote, git):
    git(repo_with_remote, "checkout", "-q", "-b", "development")
    dev = git.commit(repo_with_remote, "development work")
    git(repo_with_remote, "checkout", "-q", "main")
    (repo_with_remote / "dslp.toml").write_text('[branches]\ncollaboration = "development"\n')
    git(repo_with_remote, "add", "dslp.toml")
    git(repo_with_remote, "commit", "-q", "-m", "configure")
    ws = Workspace.open(repo_with_remote)
    ask = new(ws, "ask", "Reduce churn")
    result = ws.start_work(ask)
    assert git.sha(repo_with_remote, result.branch) == dev
    assert ws.load().repo.base == "development"


# --- where the tracker lives: a file in its place, a reset database, a read-only one ---------


def test_a_file_at_git_dslp_is_one_clear_error(repo_with_remote):
    (repo_with_remote / ".git" / "dslp").write_text("oops")
    with pytest.raises(TrackerError, match=r"\.git/dslp is a file, but dslp-tui keeps its tracker in a directory"):
        Workspace.open(repo_with_remote)


def test_a_truncated_tracker_does_not_reuse_the_numbers_branches_carry(repo_with_remote, git):
    git(repo_with_remote, "branch", "experiment/7-gbm")
    git(repo_with_remote, "push", "-q", "origin", "main:data/9-crm")  # only on the remote
    git(repo_with_remote, "fetch", "-q")
    dslp = repo_with_remote / ".git" / "dslp"
    dslp.mkdir()
    (dslp / "tracker.db").write_bytes(b"")
    ws = Workspace.open(repo_with_remote)
    assert new(ws, "ask", "Reduce churn") == 10
    assert new(ws, "experiment", "Next", 10) == 11


def drop_file_permission_override() -> None:
    """Root ignores permission bits; without CAP_DAC_OVERRIDE a root child is held to them."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_status_reads_a_read_only_tracker_and_new_says_it_cannot_write(ws, ask):
    cli = Path(sys.executable).parent / "dslp-tui"
    dslp = ws.tracker.path.parent
    (dslp / "drafts").mkdir(exist_ok=True)
    paths = [ws.tracker.path, dslp / "drafts", dslp]
    for path in paths:
        path.chmod(0o444 if path.is_file() else 0o555)
    try:

        def run(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [str(cli), "--repo", str(ws.root), *args],
                capture_output=True,
                text=True,
                timeout=60,
                preexec_fn=drop_file_permission_override,
            )

        status = run("status", "--json")
        filed = run("new", "experiment", "GBM", "--ask", str(ask))
    finally:
        for path in paths:
            path.chmod(0o644 if path.is_file() else 0o755)
    assert status.returncode == 0, status.stderr
    assert "Reduce customer churn" in status.stdout
    assert filed.returncode == 1, filed.stderr
    assert filed.stderr.count("\n") == 1  # one line, no traceback
    assert f"the tracker at {ws.tracker.path} is read-only (" in filed.stderr
    assert [i.number for i in ws.tracker.list_issues()] == [ask]


# --- comments ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "   ", "TL;DR:", "TL;DR:  \n\n", "tl;dr:", "TL;DR: -- ..."])
def test_an_empty_comment_is_refused(ws: Workspace, ask: int, body: str) -> None:
    with pytest.raises(ValidationError, match="^body: ") as caught:
        ws.comment(ask, body)
    assert caught.value.field == "body"
    assert ws.comments(ask) == []


def test_a_comment_is_signed_with_the_git_user_name(ws: Workspace, ask: int, git, repo_with_remote: Path) -> None:
    from conftest import AUTHOR_NAME

    git(repo_with_remote, "config", "user.name", AUTHOR_NAME)
    first = ws.comment(ask, "TL;DR: churn is seasonal")
    git(repo_with_remote, "config", "user.name", "Ann Other")
    ws.comment(ask, "a second thought")
    assert first.author == AUTHOR_NAME
    assert [(c.author, c.body) for c in ws.comments(ask)] == [
        (AUTHOR_NAME, "TL;DR: churn is seasonal"),
        ("Ann Other", "a second thought"),
    ]


def test_a_comment_with_no_git_user_name_has_no_author(ws: Workspace, ask: int) -> None:
    assert ws.comment(ask, "TL;DR: fine").author == ""
