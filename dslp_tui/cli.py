"""``dslp-tui`` and its subcommands: the board, and the same core for scripts.

Exit status: 0 done, 1 the operation failed, 2 the command cannot run here (bad arguments,
not a git repository, bad ``dslp.toml``). Errors go to stderr, one clear line each.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from dslp_tui import __version__
from dslp_tui.config import ConfigError, load_config
from dslp_tui.errors import EXIT_FAILED, EXIT_USAGE, DslpError

KIND_CHOICES = ("ask", "data", "data-creation", "explore", "experiment", "model")


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dslp-tui", description="A keyboard-driven board for the Data Science Lifecycle Process."
    )
    parser.add_argument("--version", action="version", version=f"dslp-tui {__version__}")
    parser.add_argument("--repo", type=Path, default=Path("."), help="the git repository (default: current directory)")
    parser.add_argument("--ascii", action="store_true", help="plain ASCII glyphs instead of Unicode")
    commands = parser.add_subparsers(dest="command")

    status = commands.add_parser("status", help="print the board as text or JSON")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument("--open", action="store_true", help="only open issues")

    new = commands.add_parser("new", help="create an issue from its DSLP template; prints its number")
    new.add_argument("kind", choices=KIND_CHOICES, metavar="KIND", help=" | ".join(KIND_CHOICES))
    new.add_argument("title")
    new.add_argument("--ask", type=int, help="the Ask this issue belongs to (required for all but ask)")
    new.add_argument("--based-on", type=int, help="for a model: the Experiment it is based on")
    new.add_argument("--body-file", type=Path, help="Markdown with '## Heading' sections of the template ('-' = stdin)")

    branch = commands.add_parser("branch", help="create, check out and push the DSLP branch for issue N")
    branch.add_argument("number", type=int)
    branch.add_argument("--no-checkout", action="store_true", help="create (and push) without checking out")

    init = commands.add_parser("init", help="set up dslp.toml, the DSLP labels and the issue templates")
    init.add_argument("--tracker", choices=("local", "github"), help="default: github when the remote is on GitHub")
    init.add_argument("--github-repo", default="", help="GitHub owner/name (default: from the remote's URL)")
    init.add_argument("--dry-run", action="store_true", help="only say what would change")

    demo = commands.add_parser("demo", help="create a realistic demo project and open the board on it")
    demo.add_argument("--path", type=Path, help="where to create it (default: a new temporary directory)")
    demo.add_argument("--no-open", action="store_true", help="only create it and print its path")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            return _demo(args)
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
        if args.command is None:
            return _open_board(root, args.ascii or config.ascii)
        if args.command == "init":
            return _init(root, config, args)
        workspace = _workspace(root)
        if args.command == "status":
            return _status(workspace, args)
        if args.command == "new":
            return _new(workspace, args)
        if args.command == "branch":
            return _branch(workspace, args)
    except DslpError as error:  # CliError and every other expected error: one line, its exit status
        _fail(str(error))
        return error.exit_status
    except KeyboardInterrupt:
        return 130
    return EXIT_USAGE


def _fail(message: str) -> None:
    from dslp_tui.text import clean

    print(f"dslp-tui: {clean(message)}", file=sys.stderr)


def _workspace(root: Path):
    from dslp_tui.sources.git import GitError
    from dslp_tui.tracker import TrackerError
    from dslp_tui.workspace import Workspace

    try:
        return Workspace.open(root)
    except (GitError, TrackerError) as error:
        raise CliError(str(error), EXIT_USAGE) from None


def _open_board(root: Path, ascii_only: bool) -> int:
    from dslp_tui.app import run_app

    return run_app(root, ascii_only=ascii_only)


# --- status -----------------------------------------------------------------------------------


def _status(workspace, args) -> int:
    from dslp_tui.board import ASCII, UNICODE, ask_segments, build_board, row_segments
    from dslp_tui.tracker import TrackerError

    try:
        snapshot = workspace.load()
    except TrackerError as error:
        raise CliError(str(error)) from None
    board = build_board(snapshot, workspace.config, show_closed=not args.open)
    if args.json:
        print(json.dumps(status_json(workspace, board), indent=2, ensure_ascii=False))
        return 0
    glyphs = ASCII if (args.ascii or workspace.config.ascii or not _utf8_stdout()) else UNICODE
    repo = board.repo
    if repo:
        dirty = ", uncommitted changes" if repo.dirty else ""
        print(f"{workspace.name} · on {repo.current_branch or '(detached)'} · base {repo.base}{dirty}")
    if not board.groups:
        print("No DSLP issues yet. Create an Ask: dslp-tui new ask 'Your question'")
    for group in board.groups:
        if group.ask:
            print("".join(text for text, _ in ask_segments(group, glyphs, 78)).rstrip())
        else:
            print("Not linked to an Ask")
        for kind, rows in group.children.items():
            print(f"  {kind.value if kind else 'Other'}")
            for row in rows:
                print("    " + "".join(text for text, _ in row_segments(row, glyphs, 74, board.has_pulls)).rstrip())
    return 0


def _utf8_stdout() -> bool:
    return (getattr(sys.stdout, "encoding", "") or "").lower().replace("-", "") in ("utf8", "utf8mb4")


def status_json(workspace, board) -> dict:
    """The board as plain data: ``asks`` → children, plus ``unlinked`` and the repository."""

    def row_json(row) -> dict:
        issue = row.issue
        branch = row.branch
        return {
            "number": issue.number,
            "kind": issue.kind.value if issue.kind else None,
            "title": issue.title,
            "state": issue.state,
            "status": row.status,
            "labels": list(issue.labels),
            "branch": _branch_json(branch) if branch else None,
            "branches": [b.name for b in row.branches],
            "pulls": [asdict(p) for p in row.pulls],
            "assignees": list(issue.assignees),
        }

    asks, unlinked = [], []
    for group in board.groups:
        children = [row_json(r) for r in group.rows()]
        if group.ask:
            asks.append({**row_json(group.ask), "children": children})
        else:
            unlinked = children
    repo = board.repo
    return {
        "repository": {
            "root": str(workspace.root),
            "tracker": workspace.tracker.name,
            "base": repo.base if repo else None,
            "current_branch": repo.current_branch if repo else None,
            "dirty": repo.dirty if repo else None,
        },
        "asks": asks,
        "unlinked": unlinked,
    }


def _branch_json(branch) -> dict:
    data = asdict(branch)
    data.pop("issue")
    data["kind"] = data.pop("kind_key")
    return data


# --- new, branch, demo ------------------------------------------------------------------------


def _new(workspace, args) -> int:
    from dslp_tui.model import IssueDraft
    from dslp_tui.process import parse_sections, template
    from dslp_tui.tracker import TrackerError
    from dslp_tui.workspace import ValidationError

    tpl = template(args.kind)
    sections: dict[str, str] = {}
    if args.body_file:
        try:
            text = sys.stdin.read() if str(args.body_file) == "-" else args.body_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CliError(f"cannot read {args.body_file}: {error}", EXIT_USAGE) from None
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
    except ValidationError as error:
        raise CliError(str(error), EXIT_USAGE) from None
    except TrackerError as error:
        raise CliError(f"{error} (your draft is kept in {workspace.drafts.directory})") from None
    print(issue.number)
    return 0


def _branch(workspace, args) -> int:
    from dslp_tui.sources.git import GitError
    from dslp_tui.tracker import TrackerError

    try:
        result = workspace.start_work(args.number, checkout=not args.no_checkout)
    except (GitError, TrackerError) as error:
        raise CliError(str(error)) from None
    for note in result.notes:
        print(note)
    return 0


def _init(root: Path, config, args) -> int:
    from dataclasses import replace

    from dslp_tui.init import run_init
    from dslp_tui.sources.git import GitError, GitSource
    from dslp_tui.sources.github import repo_from_remote
    from dslp_tui.tracker import TrackerError
    from dslp_tui.workspace import make_tracker

    try:
        git = GitSource(root)
        kind = args.tracker
        if kind is None:
            url = git.remote_url(config.remote)
            kind = config.tracker if config.path else ("github" if url and repo_from_remote(url) else "local")
        config = replace(config, tracker=kind, github_repo=args.github_repo or config.github_repo)
        tracker = make_tracker(config, git)
        for line in run_init(git.root, config, kind, args.github_repo, tracker, args.dry_run):
            print(line)
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
    print(f"demo project: {root}")
    if args.no_open:
        return 0
    return _open_board(root, args.ascii)
