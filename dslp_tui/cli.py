"""``dslp-tui`` and its subcommands: the board, and the same core for scripts.

Exit status: 0 done, 1 the operation failed (an issue that does not exist, a refusal, a git or
tracker error), 2 the command cannot run here (malformed arguments, not a git repository, bad
``dslp.toml``), 141 stdout was closed (``| head``). Errors go to stderr, one clean line each;
everything printed is cleaned of terminal escapes (paths, branch names and titles are data).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dslp_tui import __version__
from dslp_tui.config import ConfigError, load_config
from dslp_tui.errors import EXIT_FAILED, EXIT_USAGE, DslpError
from dslp_tui.terminal import board_input

if TYPE_CHECKING:
    from dslp_tui.model import Snapshot

EXIT_STDOUT_CLOSED = 128 + 13  # what a shell reports for a process ended by SIGPIPE

# GitHub's API types issue numbers as a GraphQL Int (signed 32 bits); SQLite's fit too.
MAX_ISSUE_NUMBER = 2**31 - 1
BODY_FILE_CAP = 1024 * 1024  # GitHub holds at most 65536 characters in a body: 1 MiB is plenty

KIND_CHOICES = ("ask", "data", "data-creation", "explore", "experiment", "model")


@dataclass
class Output:
    """How this run prints. ``ascii``: every byte below 127 (``--ascii``, ``[board] ascii``, a
    terminal or locale that cannot take Unicode, a stdout that is not UTF-8), so glyphs, titles,
    JSON and errors alike are written with ASCII stand-ins (JSON with ``\\u`` escapes)."""

    ascii: bool = False


OUTPUT = Output()


class CliError(DslpError):
    def __init__(self, message: str, status: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.status = self.exit_status = status


def find_repo_root(path: Path) -> Path | None:
    """The nearest directory at or above ``path`` holding ``.git`` (a dir, or a worktree file).

    Cheap on purpose: the board starts without importing GitPython.
    """
    path = path.resolve()
    for candidate in (path, *path.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (not the usage block) and exit status 2."""

    def error(self, message: str):
        _fail(f"{self.prog.removeprefix('dslp-tui').strip() or 'usage'}: {message}; see {self.prog} --help")
        raise SystemExit(EXIT_USAGE)

    def _print_message(self, message: str, file=None) -> None:
        """``--help`` and usage, in ASCII when the output is."""
        from dslp_tui.text import to_ascii

        super()._print_message(to_ascii(message) if OUTPUT.ascii and message else message, file)


def issue_number(text: str) -> int:
    """An argparse type: a positive issue number that every tracker can hold."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_ISSUE_NUMBER:
        shown = text if len(text) <= 40 else text[:39] + "…"
        raise argparse.ArgumentTypeError(f"{shown} is not an issue number (1 to {MAX_ISSUE_NUMBER})")
    return number


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dslp-tui", description="A keyboard-driven board for the Data Science Lifecycle Process.")
    parser.add_argument("--version", action="version", version=f"dslp-tui {__version__}")
    parser.add_argument("--repo", type=Path, default=Path("."), help="the git repository (default: current directory)")
    parser.add_argument("--ascii", action="store_true", help="plain ASCII glyphs instead of Unicode")
    commands = parser.add_subparsers(dest="command")

    status = commands.add_parser("status", help="print the board as text or JSON")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument("--open", action="store_true", help="only open issues")

    runs = commands.add_parser("runs", help="list the runs of issue N (an Ask: of all its children)")
    runs.add_argument("number", type=issue_number)
    runs.add_argument("--json", action="store_true", help="machine-readable output")

    show = commands.add_parser("show", help="one issue in full: facts, branches, pull requests, comments, body")
    show.add_argument("number", type=issue_number)
    show.add_argument("--json", action="store_true", help="machine-readable output")

    comment = commands.add_parser("comment", help="write a comment (a TL;DR) on issue N")
    comment.add_argument("number", type=issue_number)
    comment.add_argument("text", nargs="?", help="the comment (Markdown); or use --body-file")
    comment.add_argument("--body-file", type=Path, help="read the comment from a file ('-' = stdin)")

    new = commands.add_parser("new", help="create an issue from its DSLP template; prints its number")
    new.add_argument("kind", choices=KIND_CHOICES, metavar="KIND", help=" | ".join(KIND_CHOICES))
    new.add_argument("title")
    new.add_argument("--ask", type=issue_number, help="the Ask this issue belongs to (required for all but ask)")
    new.add_argument("--based-on", type=issue_number, help="for a model: the Experiment it is based on")
    new.add_argument("--body-file", type=Path, help="Markdown with '## Heading' sections of the template ('-' = stdin)")

    edit = commands.add_parser("edit", help="change issue N's title and/or body")
    edit.add_argument("number", type=issue_number)
    edit.add_argument("--title", help="the new title (one line)")
    edit.add_argument("--body-file", type=Path, help="the new body, Markdown, whole ('-' = stdin)")

    branch = commands.add_parser("branch", help="create, check out and push the DSLP branch for issue N")
    branch.add_argument("number", type=issue_number)
    branch.add_argument("--no-checkout", action="store_true", help="create (and push) without checking out")
    branch.add_argument("--allow-closed", action="store_true", help="start work even if the issue is closed")
    branch.add_argument("--during-bisect", action="store_true", help="check out even while a git bisect runs")

    state = commands.add_parser("state", help="close issue N, or reopen it (the board's o)")
    state.add_argument("number", type=issue_number)
    state.add_argument("state", choices=("open", "closed"), metavar="STATE", help="open | closed")
    state.add_argument(
        "--with-open-children", action="store_true", help="close an Ask even though some of its children are open"
    )

    init = commands.add_parser("init", help="set up dslp.toml, the DSLP labels and the issue templates")
    init.add_argument("--tracker", choices=("local", "github"), help="default: github when the remote is on GitHub")
    init.add_argument("--github-repo", default="", help="GitHub owner/name (default: from the remote's URL)")
    init.add_argument("--dry-run", action="store_true", help="only say what would change")

    _add_move_commands(commands)

    demo = commands.add_parser("demo", help="create a realistic demo project and open the board on it")
    demo.add_argument("--path", type=Path, help="where to create it (default: a new temporary directory)")
    demo.add_argument("--no-open", action="store_true", help="only create it and print its path")
    return parser


def main(argv: list[str] | None = None) -> int:
    from dslp_tui.text import wants_ascii

    argv = sys.argv[1:] if argv is None else list(argv)
    # Decided before parsing, so even a usage error is ASCII; [board] ascii is added once read.
    OUTPUT.ascii = "--ascii" in argv or wants_ascii() or not _utf8_stdout()
    args = _parser().parse_args(argv)
    try:
        status = _run(args)
        _flush_stdout()  # a closed stdout shows here, not in the interpreter's exit
        return status
    except DslpError as error:  # CliError and every other expected error: one line, its exit status
        _fail(str(error))
        return error.exit_status
    except KeyboardInterrupt:
        return 130
    except StdoutClosed:
        _silence_stdout()
        return EXIT_STDOUT_CLOSED
    except Exception as error:  # the last resort: one line, the traceback to a private log
        return _internal_error(error)


def _run(args) -> int:
    if args.command == "demo":
        return _demo(args)
    _check_repo_argument(args.repo)
    root = find_repo_root(args.repo)
    if root is None:
        raise CliError(
            f"{args.repo.resolve()} is not inside a git repository. Run dslp-tui in a repository "
            "(or pass --repo PATH), or try `dslp-tui demo` for a ready-made one.",
            EXIT_USAGE,
        )
    try:
        config = load_config(root)
    except ConfigError as error:
        raise CliError(str(error), EXIT_USAGE) from None
    OUTPUT.ascii = OUTPUT.ascii or config.ascii
    if args.command is None:
        return _open_board(root, args.ascii or config.ascii)
    if args.command == "init":
        return _init(root, config, args)
    handlers = {
        "status": _status,
        "runs": _runs,
        "show": _show,
        "comment": _comment,
        "new": _new,
        "branch": _branch,
        "state": _state,
        "edit": _edit,
    }
    handler = _move if args.command in MOVE_COMMANDS else handlers.get(args.command)
    if handler is not None:
        return handler(_workspace(root), args)
    return EXIT_USAGE


def _check_repo_argument(path: Path) -> None:
    """``--repo`` names an existing directory (a missing one inside a repository is a typo)."""
    try:
        if not path.exists():
            raise CliError(f"--repo {path}: no such directory", EXIT_USAGE)
        if not path.is_dir():
            raise CliError(f"--repo {path}: not a directory", EXIT_USAGE)
    except OSError as error:
        raise CliError(f"--repo {path}: {(error.strerror or str(error)).lower()}", EXIT_USAGE) from None


class StdoutClosed(Exception):
    """Whoever read our output has gone (``dslp-tui status | head -1``)."""


@contextmanager
def _tracker_errors(number: int, prefix: str = "") -> Iterator[None]:
    """A tracker failure about issue ``number`` as one line: only a real "not found" says the
    issue does not exist; any other failure (rate limit, network, token) says what it is."""
    from dslp_tui.tracker import NotFoundError, TrackerError

    try:
        yield
    except NotFoundError:
        raise CliError(f"issue #{number} does not exist") from None
    except TrackerError as error:
        raise CliError(f"{prefix}{error}") from None


def _say(line: object = "") -> None:
    """Print one line of output with anything a terminal would act on removed."""
    from dslp_tui.text import one_line

    _write(one_line(str(line)))


def _write(text: str) -> None:
    """Every line of output goes through here, so a closed stdout is told from other broken pipes."""
    if OUTPUT.ascii:
        from dslp_tui.text import to_ascii

        text = to_ascii(text)
    try:
        print(text)
    except BrokenPipeError:
        raise StdoutClosed from None


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise StdoutClosed from None


def _fail(message: str) -> None:
    from dslp_tui.text import one_line, to_ascii

    line = f"dslp-tui: {one_line(message)}"
    print(to_ascii(line) if OUTPUT.ascii else line, file=sys.stderr)


def _silence_stdout() -> None:
    """Point stdout at devnull: the recipe of the Python docs (signal module, "Note on SIGPIPE").

    The pending output can never be written, so the interpreter's final flush must not try
    again and print an "Exception ignored" block.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # no real file descriptor (tests capture stdout): nothing will flush it


def _internal_error(error: BaseException) -> int:
    """The last resort: one line for the person, the traceback in the private error log."""
    from dslp_tui.bugs import record_bug

    try:
        where = f"details in {record_bug(error)}; please report it"
    except OSError:
        where = "please report it"
    message = f"{error}" if len(str(error)) <= 300 else f"{str(error)[:299]}…"
    _fail(f"internal error: {type(error).__name__}: {message} ({where})")
    return EXIT_FAILED


def _workspace(root: Path):
    from dslp_tui.sources.git import GitError
    from dslp_tui.tracker import TrackerError
    from dslp_tui.workspace import Workspace

    try:
        return Workspace.open(root)
    except (GitError, TrackerError) as error:
        raise CliError(str(error), EXIT_USAGE) from None


def _open_board(root: Path, ascii_only: bool) -> int:
    """Open the board; ASCII when asked, or when the terminal cannot be trusted with Unicode."""
    from dslp_tui.text import wants_ascii

    with board_input():  # before Textual is even imported: keys typed meanwhile are kept as typed
        from dslp_tui.app import run_app

        return run_app(root, ascii_only=ascii_only or wants_ascii())


# --- status -----------------------------------------------------------------------------------


def _status(workspace, args) -> int:
    from dslp_tui.board import build_board
    from dslp_tui.present import ASCII, UNICODE, ask_segments, row_segments
    from dslp_tui.report import status_json
    from dslp_tui.tracker import TrackerError

    try:
        snapshot = workspace.load()
    except TrackerError as error:
        raise CliError(str(error)) from None
    if args.json:  # the text board does not show runs yet: it need not wait for MLflow
        runs = _load_runs(workspace, snapshot, strict=False)
        board = build_board(runs.snapshot, workspace.config, show_closed=not args.open)
        data = status_json(workspace, board, runs.snapshot.runs, runs.json())
        _write_json(data)
        return 0
    board = build_board(snapshot, workspace.config, show_closed=not args.open)
    glyphs = ASCII if OUTPUT.ascii else UNICODE
    repo = board.repo
    if repo:
        dirty = ", uncommitted changes" if repo.dirty else ""
        _say(f"{workspace.name} · on {repo.current_branch or '(detached)'} · base {repo.base}{dirty}")
    for warning in board.warnings:
        _say(f"warning: {warning}")
    if not board.groups:
        _say("No DSLP issues yet. Create an Ask: dslp-tui new ask 'Your question'")
    for group in board.groups:
        if group.ask:
            _say("".join(text for text, _ in ask_segments(group, glyphs, 78)).rstrip())
            if group.missing_in_body:
                numbers = ", ".join(f"#{n}" for n in group.missing_in_body)
                _say(f"  warning: {numbers} linked here but not listed in this Ask's body")
        else:
            _say("Not linked to an Ask")
        for kind, rows in group.children.items():
            _say(f"  {kind.value if kind else 'Other'}")
            for row in rows:
                _say("    " + "".join(text for text, _ in row_segments(row, glyphs, 74, board.has_pulls)).rstrip())
    return 0


def _write_json(data: object) -> None:
    """JSON on stdout: UTF-8 as it is, or (ASCII output) with ``\\u`` escapes: the same data."""
    _write(_escape_c1(json.dumps(data, indent=2, ensure_ascii=OUTPUT.ascii)))


_C1 = re.compile("[\x7f-\x9f]")


def _escape_c1(text: str) -> str:
    """JSON with DEL and C1 controls written as ``\\u00XX``: the same data, inert on a terminal.

    ``json.dumps`` already escapes C0 controls; these can only occur inside strings.
    """
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _utf8_stdout() -> bool:
    return (getattr(sys.stdout, "encoding", "") or "").lower().replace("-", "") in ("utf8", "utf8mb4")


# --- show, comment ----------------------------------------------------------------------------


def _show(workspace, args) -> int:
    from dslp_tui.board import Row, build_board, status_of
    from dslp_tui.present import ASCII, UNICODE, comment_lines, detail_lines
    from dslp_tui.report import issue_json

    with _tracker_errors(args.number):
        snapshot = workspace.load()
        loaded = _load_runs(workspace, snapshot, strict=False) if args.json else None
        board = build_board(loaded.snapshot if loaded else snapshot, workspace.config)
        row = board.row(args.number)
        if row is None:  # not on the board: no DSLP kind label, or no such issue
            issue = workspace.tracker.get_issue(args.number)
            row = Row(issue=issue, status=status_of(issue, workspace.config))
        comments = workspace.comments(args.number)
    if args.json:
        data = issue_json(row, board, comments)
        if loaded is not None and loaded.error is None:
            from dslp_tui.report import run_json, summary_json
            from dslp_tui.rollup import summaries

            summary = summaries(board, workspace.config).get(row.number)
            if summary is not None:
                data["runs"] = {**summary_json(summary), "runs": [run_json(r) for r in row.runs]}
        _write_json(data)
        return 0
    glyphs = ASCII if OUTPUT.ascii else UNICODE
    for line in detail_lines(row, board, glyphs):
        _say("".join(text for text, _ in line).rstrip())
    _say()
    _say(f"Comments ({len(comments)})" if comments else "Comments: none")
    for header, body in comment_lines(comments):
        _say("  " + "".join(text for text, _ in header))
        for text in body.splitlines():
            _say(f"    {text}".rstrip())
    _say()
    for text in (row.issue.body.strip() or "(no body)").splitlines():
        _say(text)
    return 0


def _comment(workspace, args) -> int:
    from dslp_tui.workspace import ValidationError

    if (args.text is None) == (args.body_file is None):
        raise CliError("comment: give the comment as TEXT or with --body-file, not both or neither", EXIT_USAGE)
    body = args.text if args.text is not None else read_body_file(args.body_file)
    try:
        with _tracker_errors(args.number):
            written = workspace.comment(args.number, body)
    except ValidationError as error:
        raise CliError(str(error), EXIT_USAGE) from None
    _say(f"commented on #{written.issue}")
    return 0


# --- runs -------------------------------------------------------------------------------------


@dataclass
class LoadedRuns:
    """The snapshot with runs merged in, and what the CLI says about where they came from."""

    snapshot: Snapshot
    source: str | None = None
    error: str | None = None

    def json(self) -> dict:
        from dslp_tui.workspace import unlinked_runs

        runs = self.snapshot.runs
        return {"source": self.source, "total": len(runs), "unlinked": unlinked_runs(runs), "error": self.error}


def _load_runs(workspace, snapshot, *, strict: bool) -> LoadedRuns:
    """Runs merged into ``snapshot``; a failure is an error (``strict``) or a note on stderr."""
    from dslp_tui.runs import RunsError
    from dslp_tui.sources.git import GitError
    from dslp_tui.workspace import with_runs

    try:
        source = workspace.run_source()
        runs = workspace.load_runs(snapshot)
    except (RunsError, GitError) as error:
        if strict:
            raise CliError(str(error)) from None
        _fail(f"runs: {error}")
        return LoadedRuns(snapshot, error=str(error))
    return LoadedRuns(with_runs(snapshot, runs), source.name if source else None)


def _runs(workspace, args) -> int:
    from dslp_tui.board import build_board
    from dslp_tui.report import run_json, summary_json
    from dslp_tui.rollup import summarize
    from dslp_tui.runtable import issue_runs
    from dslp_tui.tracker import TrackerError

    try:
        snapshot = workspace.load()
    except TrackerError as error:
        raise CliError(str(error)) from None
    loaded = _load_runs(workspace, snapshot, strict=True)
    board = build_board(loaded.snapshot, workspace.config)
    found = issue_runs(board, args.number, workspace.config)
    if found is None:
        raise CliError(f"issue #{args.number} is not on the board (no such issue, or not a DSLP issue)")
    row = found.row
    summary = summarize(found.runs, found.goal)
    runs = tuple(sorted(found.runs, key=lambda r: -r.started_at))
    if args.json:
        data = {"issue": row.number, "title": row.issue.title, **summary_json(summary), "source": loaded.source}
        data["runs"] = [run_json(r) for r in runs]
        _write_json(data)
        return 0
    for line in runs_table(row, runs, summary, "*" if OUTPUT.ascii else "★"):
        _say(line)
    return 0


def runs_table(row, runs, summary, best_mark: str = "★") -> list[str]:
    """A heading, then one line per run: the best marked, the columns of the board's runs table.

    The same columns as the runs screen (see ``runtable.py``: metrics, only the params that
    differ, no column every run leaves blank).
    """
    from dslp_tui.runtable import build_table, default_columns

    goal = summary.goal
    heading = f"#{row.number} {row.issue.title} · {len(runs)} run{'s' if len(runs) != 1 else ''}"
    if summary.best is not None:
        heading += f" · best {goal.metric} {summary.value:.4g} ({summary.best.name or summary.best.id[:8]})"
    if summary.meets is not None:
        sign = "≤" if goal.direction == "min" else "≥"
        heading += f" · {'meets' if summary.meets else 'misses'} {sign} {goal.threshold:g}"
    if not runs:
        return [heading, "No runs yet."]
    built = build_table(runs, goal, default_columns(runs, goal))
    mark = " " * len(best_mark)
    table = [[mark, *(c.label.lower() if c.kind == "fixed" else c.label for c in built.columns)]]
    table += [[best_mark if line.best else mark, *line.cells] for line in built.rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    return [
        heading,
        *("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in table),
    ]


# --- new, branch, demo ------------------------------------------------------------------------


def _new(workspace, args) -> int:
    from dslp_tui.model import IssueDraft
    from dslp_tui.process import parse_sections, template
    from dslp_tui.tracker import PartiallyFiled, TrackerError
    from dslp_tui.workspace import IssueNotFound, ValidationError

    tpl = template(args.kind)
    sections: dict[str, str] = {}
    if args.body_file:
        text = read_body_file(args.body_file)
        sections = parse_sections(text)
        headings = [s.heading for s in tpl.sections]
        if not sections and text.strip():
            sections = {headings[0]: text.strip()}
        unknown = [h for h in sections if h not in headings]
        if unknown:
            raise CliError(
                f"{args.body_file}: {', '.join(repr(h) for h in unknown)} is not a section of the "
                f"{tpl.name} template ({', '.join(headings)})",
                EXIT_USAGE,
            )
    draft = IssueDraft(template=tpl.id, title=args.title, sections=sections, parent=args.ask, based_on=args.based_on)
    try:
        issue = workspace.create_issue(draft)
    except IssueNotFound as error:
        raise CliError(str(error)) from None
    except ValidationError as error:
        raise CliError(str(error), EXIT_USAGE) from None
    except PartiallyFiled as error:
        raise CliError(_partly_filed(error)) from None
    except TrackerError as error:
        raise CliError(f"{error} ({_draft_note(error)})") from None
    _say(issue.number)
    return 0


def _edit(workspace, args) -> int:
    """``edit N``: the new title and/or body, checked as the board's edit form checks them."""
    from dslp_tui.workspace import IssueNotFound, ValidationError

    if args.title is None and args.body_file is None:
        raise CliError("edit: give --title, --body-file, or both", EXIT_USAGE)
    body = read_body_file(args.body_file) if args.body_file is not None else None
    try:
        with _tracker_errors(args.number, prefix=f"edit #{args.number}: "):
            issue = workspace.edit_issue(args.number, title=args.title, body=body)
    except IssueNotFound:
        raise CliError(f"issue #{args.number} does not exist") from None
    except ValidationError as error:
        raise CliError(f"edit #{args.number}: {error}", EXIT_USAGE) from None
    _say(f"#{issue.number} {issue.title}")
    return 0


def _partly_filed(error) -> str:
    """The issue exists: say so, and that ``new`` again would file it twice."""
    retry = (
        f"to retry the link, open the same form on the board and file the draft kept in {error.kept_draft.parent}"
        if error.kept_draft
        else "the draft could not be saved, so link it on the tracker by hand"
    )
    return f"{error}; issue #{error.number} exists, so running `new` again would create a duplicate: {retry}"


def _draft_note(error) -> str:
    """Where the draft went, only when it really was saved."""
    if error.kept_draft:
        return f"your draft is kept in {error.kept_draft.parent}"
    return "your draft could not be saved either"


def read_body_file(path: Path) -> str:
    """The text of ``--body-file`` (``-``: stdin), at most :data:`BODY_FILE_CAP` bytes of UTF-8.

    Reads one byte past the cap, so ``/dev/zero`` or an endless pipe is refused, not swallowed.
    """
    name = f"--body-file {path}"
    try:
        if str(path) == "-":
            stdin = getattr(sys.stdin, "buffer", None)
            data = stdin.read(BODY_FILE_CAP + 1) if stdin else sys.stdin.read(BODY_FILE_CAP + 1).encode()
        else:
            with path.open("rb") as file:
                data = file.read(BODY_FILE_CAP + 1)
    except OSError as error:
        reason = {FileNotFoundError: "no such file", IsADirectoryError: "is a directory"}.get(type(error))
        raise CliError(f"{name}: {reason or (error.strerror or str(error)).lower()}", EXIT_USAGE) from None
    if len(data) > BODY_FILE_CAP:
        raise CliError(f"{name}: larger than {BODY_FILE_CAP // (1024 * 1024)} MiB; an issue body is text", EXIT_USAGE)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CliError(
            f"{name}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); save it as UTF-8",
            EXIT_USAGE,
        ) from None


def _branch(workspace, args) -> int:
    from dslp_tui.sources.git import GitError
    from dslp_tui.tracker import TrackerError
    from dslp_tui.workspace import NeedsConfirmation

    try:
        result = workspace.start_work(
            args.number,
            checkout=not args.no_checkout,
            allow_closed=args.allow_closed,
            during_bisect=args.during_bisect,
        )
    except NeedsConfirmation as error:
        raise CliError(f"{error} with {error.flag}") from None
    except (GitError, TrackerError) as error:
        raise CliError(str(error)) from None
    for note in result.notes:
        _say(note)
    return 0


def _state(workspace, args) -> int:
    from dslp_tui.workspace import NeedsConfirmation

    try:
        with _tracker_errors(args.number):
            issue = workspace.set_state(args.number, args.state, with_open_children=args.with_open_children)
    except NeedsConfirmation as error:
        raise CliError(f"{error} with {error.flag}") from None
    _say(f"#{issue.number} {issue.state}")
    return 0


def _init(root: Path, config, args) -> int:
    from dataclasses import replace

    from dslp_tui.init import run_init
    from dslp_tui.sources.git import GitError, LazyGit
    from dslp_tui.sources.github import repo_from_remote
    from dslp_tui.tracker import TrackerError
    from dslp_tui.workspace import make_tracker

    try:
        git = LazyGit.open(root)
        kind = args.tracker
        if kind is None:
            url = git.remote_url(config.remote)
            kind = config.tracker if config.path else ("github" if url and repo_from_remote(url) else "local")
        config = replace(config, tracker=kind, github_repo=args.github_repo or config.github_repo)
        tracker = make_tracker(config, git)
        for line in run_init(git.root, config, kind, args.github_repo, tracker, args.dry_run):
            _say(line)
    except (GitError, TrackerError) as error:
        raise CliError(str(error)) from None
    except ConfigError as error:
        raise CliError(str(error), EXIT_USAGE) from None
    return 0


def _demo(args) -> int:
    from dslp_tui.demo import DemoError, create_demo

    try:
        root = create_demo(args.path)
    except DemoError as error:
        raise CliError(str(error), EXIT_USAGE) from None
    _say(f"demo project: {root}")
    if args.no_open:
        return 0
    return _open_board(root, args.ascii)


# --- the moves: promote, fail, close (plans previewed, then run step by step) ------------------

MOVE_COMMANDS = {
    "promote": "promote experiment N to a model (TL;DR, succeeded, Model issue, model branch, merge)",
    "fail": "fail experiment N (TL;DR, failed label, close its PR unmerged and the issue, tell the Ask)",
    "close": "close exploration N (TL;DR, close its PR unmerged and the issue, tell the Ask)",
}
EXIT_AFTER_STEP_ENV = "DSLP_TUI_EXIT_AFTER_STEP"  # tests: end the process right after this step


def _add_move_commands(commands) -> None:
    for name, help_text in MOVE_COMMANDS.items():
        move = commands.add_parser(name, help=help_text)
        move.add_argument("number", type=issue_number)
        tldr = move.add_mutually_exclusive_group()
        tldr.add_argument("--tldr", help="the TL;DR to comment (default: the one kept from an earlier run)")
        tldr.add_argument("--tldr-file", type=Path, help="read the TL;DR from a file ('-' = stdin)")
        move.add_argument("--yes", action="store_true", help="run without asking")
        move.add_argument("--dry-run", action="store_true", help="print the plan and change nothing")
        if name == "promote":
            move.add_argument(
                "--run", dest="run_id", help="the run whose metrics and link go in the Model issue (default: the best)"
            )
            move.add_argument(
                "--register", action="store_true", help="also register the run's model (MLflow registry or AzureML)"
            )


def _move(workspace, args) -> int:
    from dslp_tui.sources.git import GitError
    from dslp_tui.tracker import TrackerError
    from dslp_tui.workflows import (
        Journal,
        MoveContext,
        build_plan,
        check_can_start,
        initial_tldr,
        preview,
        run_plan,
    )

    journal = Journal.for_move(workspace.common_dir, args.command, args.number)
    try:
        best = _best_run(workspace, args) if args.command == "promote" else None
        ctx = MoveContext(workspace, args.number, best_run=best)
        ctx.registry = _registry(workspace, args)
        given = read_body_file(args.tldr_file).strip() if args.tldr_file else (args.tldr or "").strip()
        ctx.tldr = initial_tldr(args.command, ctx.issue(), journal, given)
        plan = build_plan(args.command, ctx)
        steps = preview(plan)
    except (GitError, TrackerError) as error:
        raise CliError(str(error)) from None
    _say(f"{plan.move} #{plan.issue.number} {plan.issue.title}")
    if ctx.tldr:
        _say(f"TL;DR: {ctx.tldr.splitlines()[0]}")
    for number, (step, done) in enumerate(steps, 1):
        _say(f"  {number}. [{'done' if done else '    '}] {step.says}")
    if args.dry_run:  # what would happen: a refusal too (the TL;DR may come with the real run)
        check_can_start(plan, journal, require_tldr=False)
        return 0
    check_can_start(plan, journal)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError(f"not run: confirm with --yes (or run {args.command} in a terminal)")
        if input("Run these steps? [y/N] ").strip().lower() not in ("y", "yes"):
            raise CliError("not run: nothing was changed")
    outcome = run_plan(plan, journal, _print_event)
    if not outcome.finished:
        raise CliError(
            f"{args.command} #{args.number} stopped at step {outcome.stopped_at}: {outcome.reason} "
            f"(the journal is {journal.path}; run the same command again to resume)"
        )
    return 0


def _print_event(event) -> None:
    """One line per event of the runner (ASCII: any terminal encoding can print it)."""
    if event.kind == "start":
        _say(f"- {event.step.says}")
    elif event.kind == "finished":
        _say(event.message)
    else:
        _say(f"  {event.kind} {event.step.id}{': ' + event.message if event.message else ''}")
    _flush_stdout()
    if event.kind in ("done", "skip") and os.environ.get(EXIT_AFTER_STEP_ENV) == event.step.id:
        os._exit(EXIT_FAILED)


def _best_run(workspace, args):
    """The run for the Model issue (``--run ID``, else the best); runs that cannot be read
    are a note on stderr, unless ``--run`` named one."""
    from dslp_tui.runs import RunsError
    from dslp_tui.workflows import run_for_model

    run_id = getattr(args, "run_id", None)
    try:
        return run_for_model(workspace, args.number, run_id)
    except RunsError as error:
        if run_id:
            raise CliError(f"--run {run_id}: {error}") from None
        _fail(f"runs: {error} (the Model issue is written without run metrics)")
        return None


def _registry(workspace, args):
    """With ``--register``: the run source, when it can register models (``ModelRegistry``)."""
    from dslp_tui.runs import ModelRegistry

    if not getattr(args, "register", False):
        return None
    source = workspace.run_source()
    if not isinstance(source, ModelRegistry):
        raise CliError(f"--register: the run source ({workspace.config.runs_source}) cannot register models")
    return source
