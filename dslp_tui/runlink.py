"""Which issue a run belongs to, with no setup: its tags name it, or its branch, or its commit.

Pure: the source reads tags into :class:`~dslp_tui.model.Run` fields, git answers which DSLP
branches contain a commit, and this decides. In order (the first that answers wins):

1. an explicit ``dslp.issue`` tag (``"12"`` or ``"#12"``): the person said so;
2. the branch MLflow recorded (``mlflow.source.git.branch``), read by the DSLP branch rules,
   so runs from branches deleted since still count;
3. the commit (``mlflow.source.git.commit``), when no branch was recorded (a detached HEAD, an
   older client): the DSLP branches that contain it, if they all belong to one issue.

A run that none of these places stays on the list, unlinked (``issue`` None), and is counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace

from dslp_tui.model import Run
from dslp_tui.process import issue_number_from_branch

ISSUE_TAG = "dslp.issue"
BRANCH_TAG = "mlflow.source.git.branch"
COMMIT_TAG = "mlflow.source.git.commit"

_ISSUE = re.compile(r"\s*#?(\d{1,10})\s*")


def issue_from_tag(value: str | None) -> int | None:
    """``dslp.issue``'s value as an issue number; anything else is ignored (not an error)."""
    found = _ISSUE.fullmatch(value or "")
    number = int(found.group(1)) if found else 0
    return number if 0 < number < 2**31 else None


def commits_to_place(runs: Iterable[Run], prefixes: dict[str, str]) -> set[str]:
    """The commits git must be asked about: runs with no issue tag and no DSLP branch."""
    return {
        run.commit
        for run in runs
        if run.issue is None and run.commit and not (run.branch and issue_number_from_branch(run.branch, prefixes))
    }


def link_runs(
    runs: Iterable[Run], prefixes: dict[str, str], containing: Mapping[str, Iterable[str]] | None = None
) -> tuple[Run, ...]:
    """Every run with ``issue`` set where it can be; ``containing`` maps a commit to DSLP branches."""
    containing = containing or {}
    linked = []
    for run in runs:
        if run.issue is not None:
            linked.append(run)
            continue
        parsed = issue_number_from_branch(run.branch, prefixes) if run.branch else None
        if parsed:
            linked.append(replace(run, issue=parsed[1]))
            continue
        linked.append(_by_commit(run, prefixes, containing.get(run.commit, ()) if run.commit else ()))
    return tuple(linked)


def _by_commit(run: Run, prefixes: dict[str, str], branches: Iterable[str]) -> Run:
    """The one issue whose branches contain the run's commit; two issues' branches: unlinked."""
    owners: dict[int, str] = {}
    for name in sorted(branches):
        parsed = issue_number_from_branch(name, prefixes)
        if parsed:
            owners.setdefault(parsed[1], name)
    if len(owners) != 1:
        return run
    (issue, branch), *_ = owners.items()
    return replace(run, issue=issue, branch=run.branch or branch)
