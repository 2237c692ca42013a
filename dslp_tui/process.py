"""The Data Science Lifecycle Process itself, as plain data and pure functions.

Kinds, labels, templates, branch names and the reference lines that tie issues together
follow ``PROCESS.md`` exactly; the guidance text under each heading is ours. No I/O here:
the trackers, the board and the CLI all read the process from this one place.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """The DSLP issue types; each is applied as a label of the same name."""

    ASK = "Ask"
    DATA = "Data"
    EXPLORE = "Explore"
    EXPERIMENT = "Experiment"
    MODEL = "Model"

    @property
    def key(self) -> str:
        """The lower-case id used in config, CLI arguments and branch prefixes."""
        return self.value.lower()


CHILD_KINDS: tuple[Kind, ...] = (Kind.DATA, Kind.EXPLORE, Kind.EXPERIMENT, Kind.MODEL)


class Status(StrEnum):
    """Outcome labels: at most one is meant to be on an issue at a time."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ON_HOLD = "on hold"
    BLOCKED = "blocked - need access"

    @property
    def key(self) -> str:
        return {"on hold": "on_hold", "blocked - need access": "blocked"}.get(self.value, self.value)


@dataclass(frozen=True)
class LabelSpec:
    """A label the process defines: its default name, colour (hex, no #) and description."""

    key: str
    name: str
    color: str
    description: str


# Colours are the process's suggested ones; descriptions follow the talk where it has them.
LABELS: tuple[LabelSpec, ...] = (
    LabelSpec("ask", "Ask", "c9ecff", "Define and scope problem and solution"),
    LabelSpec("data", "Data", "1c587c", "Get, transform, and validate data"),
    LabelSpec("explore", "Explore", "f0f29b", "Explore and document data to increase understanding"),
    LabelSpec("experiment", "Experiment", "8569c6", "Build features and train models"),
    LabelSpec("model", "Model", "0b4e82", "Turn a successful experiment into deployable code"),
    LabelSpec("deploy", "Deploy", "f79499", "Register, package, and deploy model"),
    LabelSpec("communicate", "Communicate", "f9f345", "Write reports and create dashboards"),
    LabelSpec("succeeded", "succeeded", "67d157", "Met its acceptance criteria"),
    LabelSpec("failed", "failed", "c2021c", "Did not meet its acceptance criteria; kept, not lost"),
    LabelSpec("on_hold", "on hold", "ffd04f", "Neither succeeded nor failed; deprioritised"),
    LabelSpec("blocked", "blocked - need access", "ed9a53", "Waiting for access to data, compute or an environment"),
)
LABEL_KEYS: tuple[str, ...] = tuple(spec.key for spec in LABELS)
STATUS_KEYS: tuple[str, ...] = ("succeeded", "failed", "on_hold", "blocked")


@dataclass(frozen=True)
class Section:
    """One ``##`` heading of a template, with our guidance and a starting text."""

    heading: str
    guidance: str
    starter: str = ""


@dataclass(frozen=True)
class Template:
    """An issue template: which kind it files, its title pattern and its sections in order."""

    id: str
    kind: Kind
    name: str
    sections: tuple[Section, ...]
    checklist: tuple[str, ...]
    title_pattern: str | None = None  # "{name}" is replaced; None: the title is free

    def title_for(self, text: str) -> str:
        """Apply the title pattern to ``text`` unless it already follows it.

        ``Get CRM Dataset`` stays as it is; ``CRM`` becomes ``Get CRM Dataset``.
        """
        text = " ".join(text.split())
        if not self.title_pattern or not text:
            return text
        before, after = self.title_pattern.split("{name}")
        if text.lower().startswith(before.lower()) and text.lower().endswith(after.lower()):
            return text
        return f"{before}{text}{after}"


def _checklist(items: tuple[str, ...]) -> str:
    return "\n".join(f"- [ ] {item}" for item in items)


_DATA_CHECKLIST = (
    "Make the data available in the environment",
    "Capture the schema (optional)",
    "Profile the data (optional)",
    "Register the data in the ML workspace (optional)",
    "Set up a simple test suite for data and functional tests",
)

_MODEL_STEPS = (
    "Parametrize the training code",
    "Define the API schema",
    "Profile performance",
    "Add tests",
    "Register the model",
    "Deploy",
    "Set up monitoring",
)

TEMPLATES: tuple[Template, ...] = (
    Template(
        id="ask",
        kind=Kind.ASK,
        name="Ask",
        sections=(
            Section(
                "Problem Statement",
                "The business question in plain words: what should change, and what is true today.",
                "### Desired Outcome\n\n### Current State\n",
            ),
            Section(
                "Success Criteria",
                "How we will know it worked: the impact, the metrics with their goals, the limits.",
                "### Impact\n\n### Metrics\n\n### Constraints\n",
            ),
            Section("Solution Architecture", "A high-level sketch of the solution and where it will run."),
            Section(
                "Data Requirements",
                "The data sources this Ask needs; link a Data issue for each dataset.",
                "### Datasets\n",
            ),
            Section(
                "Understanding and Exploration",
                "Links to Explore issues and what each one taught us.",
            ),
            Section(
                "Approaches and Experiments",
                "Links to Experiment issues, successful ones first.",
            ),
            Section(
                "See Also",
                "Background reading and related projects.",
                "### Background Info\n\n### Related Projects\n",
            ),
        ),
        checklist=(
            "Capture the problem statement",
            "Define qualitative goals",
            "Define metrics",
            "Define success criteria",
            "Identify required data sources",
            "Design a high-level solution architecture",
            "Link to related experiments and exploration",
        ),
    ),
    Template(
        id="data",
        kind=Kind.DATA,
        name="Data: acquisition",
        title_pattern="Get {name} Dataset",
        sections=(
            Section("Dataset Description", "What the dataset holds and what it will be used for."),
            Section("Source system", "Where the data lives today and how to reach it."),
            Section("Reference", "Links to documentation, owners or earlier loads."),
            Section("Known Issues", "Gaps, quality problems or access limits already known."),
        ),
        checklist=_DATA_CHECKLIST,
    ),
    Template(
        id="data-creation",
        kind=Kind.DATA,
        name="Data: creation",
        title_pattern="Create {name} Dataset",
        sections=(
            Section("Dataset Name", "The name (and version) the new dataset will be known by."),
            Section("Dataset Description", "What the dataset holds, at what grain, for which use."),
            Section("Parent Sources", "The datasets it is built from; link their Data issues."),
            Section("Reference", "Links to the pipeline, documentation or owners."),
            Section("Known Issues", "Gaps, biases or limits already known."),
        ),
        checklist=_DATA_CHECKLIST,
    ),
    Template(
        id="explore",
        kind=Kind.EXPLORE,
        name="Explore",
        sections=(
            Section(
                "Overview", "What prompted this exploration (an Ask, a Data issue or an Experiment) and its timebox."
            ),
            Section("Goals", "The questions to answer, as a checklist.", "- [ ] \n"),
            Section(
                "What was discovered",
                "Filled in as you go: one insight per heading, then a TL;DR.",
                "### Insight 1\n\n### Insight 2\n",
            ),
            Section("Next Steps", "What this exploration suggests: new Experiments, Data issues or questions."),
        ),
        checklist=(
            "Explore using notebooks",
            "Summarise findings",
            "Link to the Ask issue",
            "Open a PR to keep the work, then close it unmerged",
        ),
    ),
    Template(
        id="experiment",
        kind=Kind.EXPERIMENT,
        name="Experiment",
        sections=(
            Section(
                "Description",
                "The approach this experiment tries and its goal. The Ask Reference line is added for you.",
            ),
            Section("Metrics", "The metrics that decide success, with the values that would count as success."),
            Section("Assumptions", "What must hold for this approach to work."),
            Section(
                "Results",
                "Where the runs are logged, the pull request, then a TL;DR of the outcome.",
                "Experiment History: \n\nRelated PR: \n\nTL;DR: \n",
            ),
        ),
        checklist=(
            "Link to the Ask issue",
            "Test different approaches",
            "Write and run modelling code",
            "Log experiments",
            "Get peer feedback",
        ),
    ),
    Template(
        id="model",
        kind=Kind.MODEL,
        name="Model",
        title_pattern="Implement {name} model",
        sections=(
            Section(
                "Description",
                "What the model does in production. Ask Reference and Based on Experiment lines are added for you.",
            ),
            Section("Steps", "From experiment to production.", _checklist(_MODEL_STEPS) + "\n"),
        ),
        checklist=(
            "Link to the Ask issue",
            "Go from experiment to production",
            "Train and validate the model",
            "Log runs",
            "Register the model",
            "Add logging and tests",
        ),
    ),
)
TEMPLATES_BY_ID: dict[str, Template] = {t.id: t for t in TEMPLATES}


def template(template_id: str) -> Template:
    """Look a template up by id (``ask``, ``data``, ``data-creation``, ``explore``, ...)."""
    try:
        return TEMPLATES_BY_ID[template_id]
    except KeyError:
        known = ", ".join(TEMPLATES_BY_ID)
        raise ValueError(f"unknown issue type {template_id!r}; choose one of: {known}") from None


# --- References -----------------------------------------------------------------------------

ASK_REFERENCE = "Ask Reference"
BASED_ON_EXPERIMENT = "Based on Experiment"

_DECOR = r"[\s>*+_`~-]*"  # list bullets (-, *, +), quotes, bold/italic markers people put around labels


def _reference_re(name: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(w) for w in name.split())
    return re.compile(
        rf"^{_DECOR}{words}{_DECOR}:{_DECOR}"
        r"(?:\[\s*)?(?:#\s*(?P<hash>\d+)|(?:https?://\S+?/(?:issues|pull)/(?P<url>\d+)))",
        re.IGNORECASE | re.MULTILINE,
    )


_REFERENCE_RES = {name: _reference_re(name) for name in (ASK_REFERENCE, BASED_ON_EXPERIMENT)}


def parse_reference(body: str, name: str = ASK_REFERENCE) -> int | None:
    """The issue number on the first ``name: #N`` line of ``body``, in the forms people type.

    Accepts ``Ask Reference: #12``, ``**Ask Reference:** #12``, ``- ask reference : # 12``,
    ``Ask Reference: [#12](https://…/issues/12)`` and ``Ask Reference: https://…/issues/12``.
    """
    pattern = _REFERENCE_RES.get(name) or _reference_re(name)
    match = pattern.search(body or "")
    if not match:
        return None
    return int(match.group("hash") or match.group("url"))


def set_reference(body: str, name: str, number: int) -> str:
    """Return ``body`` with its ``name: #N`` line set to ``number``.

    An existing line is rewritten in place; otherwise the line goes first under the
    ``## Description`` heading, or at the very top when there is none.
    """
    line = f"{name}: #{number}"
    pattern = _REFERENCE_RES.get(name) or _reference_re(name)
    lines = (body or "").split("\n")
    for index, existing in enumerate(lines):
        if pattern.match(existing):
            lines[index] = line
            return "\n".join(lines)
    for index, existing in enumerate(lines):
        if existing.strip().lower() == "## description":
            lines.insert(index + 1, line)
            return "\n".join(lines)
    return "\n".join([line, *lines]) if body else line


_HEADING_LINE = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
_BLANK = object()  # a blank line that separates a heading split out of a line, if none is there


def sub_headings(tpl: Template) -> tuple[str, ...]:
    """The ``###`` lines of the template's starter texts (``### Desired Outcome``...), in order."""
    return tuple(
        line.strip() for section in tpl.sections for line in section.starter.split("\n") if _HEADING_LINE.match(line)
    )


def isolate_headings(text: str, headings: tuple[str, ...] | list[str]) -> str:
    """``text`` with every one of ``headings`` on a line of its own, whatever was typed around it.

    A form field prefilled with ``### Desired Outcome`` gets typed into at the wrong place
    (``Fraud costs 2%### Desired Outcome``); the heading is split out onto its own line, with a
    blank line between it and any text right before or after it (as Markdown linters ask).
    Everything else is left as it was typed.
    """
    names = sorted({h.strip() for h in headings if h.strip()}, key=len, reverse=True)
    if not names or not text:
        return text
    pattern = re.compile("(?<!#)(" + "|".join(re.escape(name) for name in names) + ")")
    out: list[object] = []
    for line in text.split("\n"):
        pieces = pattern.split(line)
        if len(pieces) == 1:
            out.append(line)
            continue
        for index, piece in enumerate(pieces):
            if index % 2:
                out.extend((_BLANK, piece, _BLANK))
            elif piece.strip():
                out.append(piece.rstrip() if index == 0 else piece.strip())
    return "\n".join(_resolve_blanks(out))


def _resolve_blanks(lines: list[object]) -> list[str]:
    """Turn each ``_BLANK`` into an empty line only between two lines with text."""
    result: list[str] = []
    for index, line in enumerate(lines):
        if line is not _BLANK:
            result.append(str(line))
            continue
        following = next((later for later in lines[index + 1 :] if later is not _BLANK), None)
        if result and result[-1].strip() and following is not None and str(following).strip():
            result.append("")
    return result


def writing_spot(starter: str) -> tuple[str, tuple[int, int]]:
    """Where a person's words go in a section's starter text: ``(text, (row, column))``.

    On the empty line under the first sub-heading (one is inserted when the starter has
    none); else at the end of the first line left open (``- [ ] ``, ``TL;DR: ``); else at
    the end. Never at the start of a heading, where typing would glue words to it.
    """
    lines = starter.split("\n")
    for row, line in enumerate(lines):
        if _HEADING_LINE.match(line):
            if row + 1 >= len(lines) or lines[row + 1].strip():
                lines.insert(row + 1, "")
            return "\n".join(lines), (row + 1, 0)
    for row, line in enumerate(lines):
        if line.strip() and line != line.rstrip():
            return starter, (row, len(line))
    return starter, (len(lines) - 1, len(lines[-1]))


def render_body(tpl: Template, sections: dict[str, str], refs: dict[str, int] | None = None) -> str:
    """The issue body for a template: every heading in order, then what was written under it.

    Every ``##`` heading and every ``###`` sub-heading of the starters is on a line of its
    own, whatever was typed. ``refs`` maps reference names (``Ask Reference``...) to issue
    numbers; they open the Description section, as the process asks.
    """
    headings = sub_headings(tpl)
    parts: list[str] = []
    for section in tpl.sections:
        given = sections.get(section.heading)
        text = isolate_headings(section.starter if given is None else given, headings).strip("\n")
        if section.heading == "Description" and refs:
            ref_lines = [f"{name}: #{number}" for name, number in refs.items()]
            text = "\n".join(ref_lines) + (f"\n\n{text}" if text.strip() else "")
        parts.append(f"## {section.heading}\n\n{text}".rstrip() + "\n")
    body = "\n".join(parts)
    if refs and not any(s.heading == "Description" for s in tpl.sections):
        for name, number in refs.items():
            body = set_reference(body, name, number)
    return body


def parse_sections(body: str) -> dict[str, str]:
    """Split a body at its ``##`` headings: heading → text under it (no sub-splitting)."""
    result: dict[str, str] = {}
    current: str | None = None
    buffer: list[str] = []
    for line in (body or "").split("\n"):
        if line.startswith("## ") and not line.startswith("###"):
            if current is not None:
                result[current] = "\n".join(buffer).strip("\n")
            current, buffer = line[3:].strip(), []
        elif current is not None:
            buffer.append(line)
    if current is not None:
        result[current] = "\n".join(buffer).strip("\n")
    return result


_MENTION = re.compile(r"(?<![\w&])#(\d+)\b")


def mentions(text: str) -> set[int]:
    """The issue numbers ``text`` names as ``#N`` (not ``&#39;`` entities or ``abc#1``)."""
    return {int(n) for n in _MENTION.findall(text or "")}


def edit_problem(kind: Kind | None, old_body: str, new_body: str) -> str | None:
    """Why ``new_body`` may not replace ``old_body`` on an issue of ``kind``, or None.

    An edit may change any words, but not what the board and the moves read from the body:
    the ``Ask Reference`` and ``Based on Experiment`` lines, the template's ``##`` headings
    the body had (the moves append under them), and the children an Ask lists in its
    sections. Only what the old body had is required, so an issue filed elsewhere, without
    the template, can still be edited.
    """
    for name in (ASK_REFERENCE, BASED_ON_EXPERIMENT):
        old = parse_reference(old_body, name)
        if old is not None and parse_reference(new_body, name) != old:
            return f"body: keep the line '{name}: #{old}'; the board links this issue by it"
    old_sections, new_sections = parse_sections(old_body), parse_sections(new_body)
    headings = [s.heading for t in TEMPLATES if t.kind is kind for s in t.sections]
    for heading in dict.fromkeys(headings):
        if heading in old_sections and heading not in new_sections:
            return f"body: keep the heading '## {heading}' (a section of the {kind} template); edit what is under it"
    if kind is Kind.ASK:
        for heading in ASK_SECTION_FOR.values():
            gone = mentions(old_sections.get(heading, "")) - mentions(new_sections.get(heading, ""))
            if gone:
                number = min(gone)
                return f"body: keep #{number} under '## {heading}'; the Ask lists its children there"
    return None


# --- Branch names ---------------------------------------------------------------------------

SLUG_MAX = 40


def slugify(title: str, max_length: int = SLUG_MAX) -> str:
    """An ASCII, lower-case, hyphenated slug of ``title`` that is always safe in a ref name.

    Accents are folded (``Prévision`` → ``prevision``); everything else that is not a letter
    or digit becomes a single hyphen; the result is cut at a word boundary when it can be.
    """
    folded = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[max_length // 2 :] else cut
        slug = slug.strip("-")
    return slug


def branch_name(number: int, title: str, prefix: str) -> str:
    """``prefix`` + ``N-slug`` (``experiment/42-gradient-boosting``), or ``N`` with no slug."""
    slug = slugify(title)
    return f"{prefix}{number}-{slug}" if slug else f"{prefix}{number}"


def issue_number_from_branch(name: str, prefixes: dict[str, str]) -> tuple[str | None, int] | None:
    """Which issue a branch belongs to: ``(kind key or None for feature work, number)``.

    ``prefixes`` maps kind keys to prefixes (``{"experiment": "experiment/", ...}``);
    a plain ``N-slug`` branch is feature work. Anything else is not a DSLP branch.
    """
    for key, prefix in sorted(prefixes.items(), key=lambda kv: -len(kv[1])):
        if prefix and name.startswith(prefix):
            number = _leading_number(name[len(prefix) :])
            return (key, number) if number is not None else None
    number = _leading_number(name)
    return (None, number) if number is not None else None


def _leading_number(rest: str) -> int | None:
    match = re.fullmatch(r"(\d+)(?:-.*)?", rest)
    return int(match.group(1)) if match else None


# Where a new child is listed in its Ask's body (the Ask "lists them in its sections").
ASK_SECTION_FOR: dict[Kind, str] = {
    Kind.DATA: "Data Requirements",
    Kind.EXPLORE: "Understanding and Exploration",
    Kind.EXPERIMENT: "Approaches and Experiments",
}


def add_to_section(body: str, heading: str, line: str) -> str:
    """Append ``line`` at the end of the ``## heading`` section (added if missing); idempotent."""
    lines = (body or "").split("\n")
    if any(existing.strip() == line.strip() for existing in lines):
        return body
    start = next((i for i, text in enumerate(lines) if text.strip() == f"## {heading}"), None)
    if start is None:
        return (body.rstrip("\n") + "\n\n" if body.strip() else "") + f"## {heading}\n\n{line}\n"
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    content = lines[start + 1 : end]
    while content and not content[-1].strip():
        content.pop()
    if not any(text.strip() for text in content):
        content = [""]
    tail = [""] if end < len(lines) else []
    return "\n".join([*lines[: start + 1], *content, line, *tail, *lines[end:]])


def pull_request_body(kind: Kind | None, number: int) -> str:
    """The body of the draft PR that starts work on issue ``number``.

    ``Closes #N`` only where the process merges the branch; explore work is kept, never
    merged, so its PR only refers to the issue.
    """
    if kind is Kind.EXPLORE:
        return (
            f"Refs #{number}\n\nExplore work is kept, never merged: when the TL;DR is written on "
            f"#{number}, close this pull request without merging."
        )
    return f"Closes #{number}"
