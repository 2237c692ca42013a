"""``dslp-tui init``: set a repository up for DSLP work, idempotently.

Writes ``dslp.toml`` (tomli-w), creates or corrects the DSLP labels on the tracker, and
writes a GitHub issue template per kind. Each step is planned first and only done when it
changes something, so a second run reports nothing to do; ``--dry-run`` stops at the plan.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import tomli_w

from dslp_tui.config import CONFIG_NAME, Config, ConfigError, parse_config
from dslp_tui.process import LABELS, TEMPLATES, Kind, Template
from dslp_tui.text import one_line
from dslp_tui.tracker import LabelSetup

TEMPLATE_DIR = Path(".github") / "ISSUE_TEMPLATE"

_ABOUT = {
    "ask": "The business question: the anchor every other issue links to.",
    "data": "Load a dataset from an existing source.",
    "data-creation": "Build a new dataset (one issue per version).",
    "explore": "A timeboxed exploration with a goal; share findings as a TL;DR.",
    "experiment": "One distinct approach to the Ask.",
    "model": "Turn a successful experiment into deployable code.",
}


def issue_template(tpl: Template, config: Config) -> str:
    """A GitHub issue template (Markdown with front matter) for one DSLP template."""
    title = tpl.title_pattern.replace("{name}", "[name]") if tpl.title_pattern else ""
    lines = [
        "---",
        f"name: {tpl.name}",
        f"about: {_ABOUT[tpl.id]}",
        f"title: {_yaml_string(title)}",
        f"labels: {_yaml_string(one_line(config.label(tpl.kind.key)))}",
        "---",
        "",
    ]
    for section in tpl.sections:
        guidance = " ".join(part for part in section.guidance.split(". ") if "added for you" not in part)
        lines += [f"## {section.heading}", "", f"<!-- {guidance.rstrip('.')}. -->"]
        if section.heading == "Description" and tpl.kind is not Kind.ASK:
            lines.append("Ask Reference: #")
            if tpl.kind is Kind.MODEL:
                lines.append("Based on Experiment: #")
        if section.starter:
            lines += ["", section.starter.rstrip("\n")]
        lines.append("")
    return "\n".join(lines)


def _yaml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def plan_config(root: Path, tracker: str, repo: str) -> tuple[str | None, str]:
    """The new ``dslp.toml`` text (None: unchanged) and a description of the change."""
    path = root / CONFIG_NAME
    if repo != one_line(repo):
        raise ConfigError(f"the GitHub repository {repo!r} contains control characters: give it as owner/name")
    wanted = {"kind": tracker, **({"repo": repo} if repo else {})}
    if not path.exists():
        return tomli_w.dumps({"tracker": wanted}), f"write {CONFIG_NAME} with [tracker] kind = {tracker!r}"
    text = path.read_text(encoding="utf-8")
    parse_config(text, path)  # refuse to rewrite a file that is wrong: say what is wrong first
    data = tomllib.loads(text)
    current = data.get("tracker", {})
    if all(current.get(k, "" if k == "repo" else "local") == v for k, v in wanted.items()):
        return None, f"{CONFIG_NAME} already selects the {tracker} tracker"
    data["tracker"] = {**current, **wanted}
    return tomli_w.dumps(data), f"update [tracker] in {CONFIG_NAME} (comments in the file are not kept)"


def run_init(workspace_root: Path, config: Config, tracker_kind: str, repo: str, tracker, dry_run: bool) -> list[str]:
    """Do (or with ``dry_run`` only describe) every init step; returns one line per step."""
    report: list[str] = []
    text, what = plan_config(workspace_root, tracker_kind, repo)
    if text is None:
        report.append(f"ok: {what}")
    else:
        report.append(f"{'would ' if dry_run else ''}{what}")
        if not dry_run:
            (workspace_root / CONFIG_NAME).write_text(text, encoding="utf-8")

    if isinstance(tracker, LabelSetup):
        specs = [replace(spec, name=one_line(config.label(spec.key))) for spec in LABELS]
        changes = tracker.ensure_labels(specs, dry_run=dry_run)
        report += [f"{'would ' if dry_run else ''}{change}" for change in changes] or ["ok: labels are up to date"]
    else:
        report.append("ok: the local tracker needs no labels set up")

    for tpl in TEMPLATES:
        path = workspace_root / TEMPLATE_DIR / f"{tpl.id}.md"
        content = issue_template(tpl, config)
        if path.exists() and path.read_text(encoding="utf-8") == content:
            continue
        report.append(f"{'would ' if dry_run else ''}write {path.relative_to(workspace_root)}")
        if not dry_run:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
    if not any(line.startswith(("would write .github", "write .github")) for line in report):
        report.append("ok: issue templates are up to date")
    return report
