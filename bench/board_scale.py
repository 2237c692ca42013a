"""Scale benchmark: a board of 2,000 issues and 300 DSLP branches.

Generates a repository in a temporary directory, then measures:

* branch-state listing: ``GitSource.snapshot`` wall time and the git processes it spawns
  (every ``subprocess.Popen`` whose argv[0] is git is counted), with a per-command split;
* the rest of a load: ``LocalTracker.list_issues`` and ``build_board``;
* in a fresh child process (so its peak RSS is the app's alone) with an empty board cache
  (its own ``XDG_CACHE_HOME``), under ``App.run_test`` at 120x40: first paint (``build_app``
  -> after-refresh of the first ``show_board``), keystroke -> frame latency of j/k, keys
  that redraw the tree (typing a filter, ``h``, ``r``), garbage-collection pauses, and peak
  RSS (``ru_maxrss``).

  1. Frames (the headline): ``App._display`` is hooked to log every composed frame with the
     tree's cursor line, after encoding it into the escape sequences the Linux driver would
     write (headless Textual skips that step; the hook does it so its cost is counted). Key
     events are posted on a wall-clock schedule, as a terminal delivers them (a key that
     arrives while the app is busy waits in its queue), and each latency runs from the key's
     scheduled moment to the first frame showing its cursor move. Schedules: holding j/k
     (30 keys/s), tapping (7 keys/s), one key every 0.6 s.
  2. Typing a filter (five words and the letter "e", which matches nearly every issue so every
     group is expanded; each typed at 7 characters a second, then cleared with
     escape): per character, key -> the frame showing it in the filter field; and the board
     redraw, timed from the moment the 150 ms debounce hands the query to the app
     (``DslpApp.set_filter``) to the first frame of the filtered board (the total from the
     last key, debounce included, is printed too). ``h`` (6 presses) and ``r`` (2): closed
     loop, key -> the first frame after the redraw. Their verdicts use the worst sample.
  3. Secondary, for comparison with earlier runs only: Pilot, as ``await pilot.press(key);
     await pilot.pause()``. Pilot waits for the process to look idle in 20 ms slices (twice
     in ``press``, once in ``pause``), so this has a floor of ~60 ms whatever the app does,
     and it lets the detail pane's 60 ms debounce expire and render inside every
     measurement; the floor is measured on an unbound key.
* bytes to the terminal per cursor move (what an SSH link carries): the real ``dslp-tui`` on
  the demo in a pseudo-terminal at 120x40, j/k one at a time, bytes from the key until the
  terminal is quiet, against a bare Textual Tree app doing the same (``bench/pty_bytes.py``);
* first paint with the real driver in a pseudo-terminal: process start -> the first Ask's
  title on the terminal (the method of ``bench/startup.py``), both for a first start (a new,
  empty ``XDG_CACHE_HOME`` per run) and a later one (a cache primed by an earlier run, so the
  cached board is painted before the repository is opened; each run checks which it got).

The repository: 150 Asks, 1,850 children (Data, Explore, Experiment, Model) spread unevenly
over them, ~100 linked to no Ask, ~1 in 10 linked only by an ``Ask Reference`` line, about a
third closed, status labels on the finished ones; all filed through ``LocalTracker``. Git
history is written with one ``git fast-import``: 400 commits on ``main``, 300 branches
forked along it with 1-12 commits each (60 merged back), pushed to a bare ``origin`` with
upstreams; some are then ahead of or behind their upstream, some exist only on the remote,
some lost their upstream, some were never pushed.

    python bench/board_scale.py [--presses 240] [--pilot-presses 40] [--pty-runs 3] [--byte-moves 40] [--keep DIR] [--gc-freeze]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import pty_bytes  # noqa: E402

TARGETS = {"keystroke_p95_ms": 50.0, "peak_rss_mb": 200.0, "git_processes": 5, "bytes_per_move_p95_kb": 8.0}
SIZE = (120, 40)
N_ISSUES, N_ASKS, N_UNLINKED, N_BRANCHES, MAIN_COMMITS = 2000, 150, 100, 300, 400
START = 1767225600.0  # 2026-01-01 00:00 UTC


# --- counting git processes ---------------------------------------------------------------------

GIT_CALLS: list[list[str]] = []
_popen_init = subprocess.Popen.__init__


def _counting_init(self, args, *rest, **kwargs):  # type: ignore[no-untyped-def]
    argv = [args] if isinstance(args, (str, bytes, os.PathLike)) else list(args)
    program = os.fsdecode(argv[0]).split()[0] if argv else ""
    if os.path.basename(program) in ("git", "git.exe"):
        GIT_CALLS.append([os.fsdecode(a) for a in argv[1:]])
    _popen_init(self, args, *rest, **kwargs)


subprocess.Popen.__init__ = _counting_init  # type: ignore[method-assign]


# --- generating the repository ------------------------------------------------------------------

WORDS = {
    "ask_verb": ("Reduce", "Forecast", "Predict", "Detect", "Explain", "Rank", "Price", "Segment", "Score"),
    "ask_topic": (
        "churn",
        "demand",
        "fraud",
        "returns",
        "late payments",
        "upsell",
        "call volume",
        "stockouts",
        "claims",
        "no-shows",
    ),
    "source": ("CRM", "billing", "web logs", "call centre", "ERP", "warehouse", "marketing", "survey", "payments"),
    "model": (
        "Gradient boosting",
        "Logistic regression",
        "Random forest",
        "LightGBM",
        "Prophet",
        "ARIMA",
        "TabNet",
        "k-NN",
        "Ridge",
        "CatBoost",
    ),
    "feature": ("tenure", "spend", "recency", "calls", "seasonality", "region", "weekday", "device", "channel"),
}
SENTENCES = (
    "We need this to decide which customers the team calls first.",
    "The extract lands nightly in the lake; the schema changed twice last year.",
    "Hold out the last full quarter; tune on the quarter before it.",
    "Numbers are reported weekly to the product owner.",
    "Watch for leakage through post-period fields such as closed dates.",
    "Start with the simplest baseline and keep every run in the tracker.",
    "Metrics: r2, precision@500 and calibration on the held-out set.",
    "Access to the production replica is still pending with IT.",
    "| metric | baseline | this |\n|---|---|---|\n| r2 | 0.61 | 0.72 |\n| p@500 | 0.31 | 0.44 |",
    "- [x] load the data\n- [x] profile it\n- [ ] write the tests",
)


class Clock:
    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 600
        return self.now


@dataclass
class Plan:
    """What was generated, for the report and for choosing what to measure."""

    issues: dict[int, tuple[str, str | None, str]] = field(default_factory=dict)  # number -> (kind, ask, title)
    first_ask_title: str = ""
    branches: dict[str, str] = field(default_factory=dict)  # name -> category
    commits: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _text(rng: random.Random, sentences: int) -> str:
    return "\n\n".join(rng.choice(SENTENCES) for _ in range(sentences))


def generate_issues(root: Path, rng: random.Random, plan: Plan) -> None:
    from dslp_tui.config import Config
    from dslp_tui.model import IssueDraft
    from dslp_tui.process import ASK_REFERENCE, BASED_ON_EXPERIMENT, Kind, add_to_section, render_body, template
    from dslp_tui.sources.local import LocalTracker

    config = Config()
    clock = Clock()
    tracker = LocalTracker.for_git_dir(root / ".git", clock)
    ask_slots = set(rng.sample(range(1, N_ISSUES), N_ASKS - 1)) | {0}
    loose_slots = set(rng.sample(sorted(set(range(N_ISSUES)) - ask_slots), N_UNLINKED))
    asks: list[int] = []
    experiments: dict[int, list[int]] = {}
    listed: dict[int, list[tuple[str, str]]] = {}  # ask -> (section, line)
    weights: dict[int, float] = {}
    child_templates = ("data", "data-creation", "explore", "experiment", "model")
    child_weights = (14, 6, 20, 45, 15)
    section_for = {Kind.DATA: "Data Requirements", Kind.EXPLORE: "Understanding and Exploration"}
    section_for[Kind.EXPERIMENT] = "Approaches and Experiments"

    for slot in range(N_ISSUES):
        if slot in ask_slots:
            title = f"{rng.choice(WORDS['ask_verb'])} {rng.choice(WORDS['ask_topic'])} {len(asks) + 1:03d}"
            sections = {s.heading: _text(rng, rng.randint(1, 3)) for s in template("ask").sections[:3]}
            body = render_body(template("ask"), sections)
            issue = tracker.create_issue(IssueDraft("ask", title, sections), labels=(config.label("ask"),), body=body)
            asks.append(issue.number)
            weights[issue.number] = rng.paretovariate(2.0)  # a few Asks get much of the work
            plan.issues[issue.number] = ("ask", None, title)
            plan.first_ask_title = plan.first_ask_title or title
            continue
        tpl = template(rng.choices(child_templates, child_weights)[0])
        ask = None if slot in loose_slots else rng.choices(asks, [weights[a] for a in asks])[0]
        name = {
            Kind.DATA: f"{rng.choice(WORDS['source'])} {rng.choice(WORDS['feature'])}",
            Kind.EXPLORE: f"{rng.choice(WORDS['feature']).capitalize()} versus {rng.choice(WORDS['ask_topic'])}",
            Kind.EXPERIMENT: f"{rng.choice(WORDS['model'])} on {rng.choice(WORDS['feature'])} features",
            Kind.MODEL: f"{rng.choice(WORDS['ask_topic'])} scoring",
        }[tpl.kind]
        title = tpl.title_for(f"{name} v{slot}")
        refs: dict[str, int] = {}
        by_reference_only = ask is not None and rng.random() < 0.1
        if ask is not None:
            refs[ASK_REFERENCE] = ask
        if tpl.kind is Kind.MODEL and ask is not None and experiments.get(ask):
            refs[BASED_ON_EXPERIMENT] = rng.choice(experiments[ask])
        sections = {s.heading: _text(rng, rng.randint(1, 3)) for s in tpl.sections}
        body = render_body(tpl, sections, refs)
        draft = IssueDraft(tpl.id, title, sections, parent=None if by_reference_only else ask)
        issue = tracker.create_issue(draft, labels=(config.label(tpl.kind.key),), body=body)
        plan.issues[issue.number] = (tpl.kind.key, str(ask) if ask else None, title)
        if tpl.kind is Kind.EXPERIMENT and ask is not None:
            experiments.setdefault(ask, []).append(issue.number)
        if ask is not None and tpl.kind in section_for:
            listed.setdefault(ask, []).append((section_for[tpl.kind], f"- #{issue.number} {title}"))
        # Older work is more likely finished.
        if rng.random() < 0.5 * (1 - slot / N_ISSUES) + 0.1:
            status = rng.choice(("succeeded", "failed")) if tpl.kind is Kind.EXPERIMENT else None
            if status:
                tracker.set_labels(issue.number, add=(config.label(status),))
            tracker.update_issue(issue.number, state="closed")
        elif rng.random() < 0.08:
            tracker.set_labels(issue.number, add=(config.label(rng.choice(("on_hold", "blocked"))),))
    for ask, lines in listed.items():  # what Workspace.create_issue does: list children in the Ask
        body = tracker.get_issue(ask).body
        for section, line in lines:
            body = add_to_section(body, section, line)
        tracker.update_issue(ask, body=body)
    for ask in rng.sample(asks, N_ASKS // 5):
        tracker.update_issue(ask, state="closed")


def _git(root: Path, *args: str, stdin: str | None = None) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}
    done = subprocess.run(["git", *args], cwd=root, input=stdin, capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        raise RuntimeError(f"git {' '.join(args[:3])} failed: {done.stderr.strip()[:500]}")
    return done.stdout


class FastImport:
    """Builds a ``git fast-import`` stream: commits with inline files, explicit parents."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.mark = 0
        self.count = 0

    def commit(
        self, ref: str, when: float, message: str, files: dict[str, str], parent: str | None, merge: str | None = None
    ) -> str:
        self.mark += 1
        self.count += 1
        who = f"Dana Bench <dana@example.com> {int(when)} +0000"
        lines = [f"commit {ref}", f"mark :{self.mark}", f"author {who}", f"committer {who}", _data(message)]
        if parent:
            lines.append(f"from {parent}")
        if merge:
            lines.append(f"merge {merge}")
        for path, content in files.items():
            lines.append(f"M 100644 inline {path}")
            lines.append(_data(content))
        self.parts.append("\n".join(lines) + "\n")
        return f":{self.mark}"

    def run(self, root: Path) -> None:
        _git(root, "fast-import", "--quiet", "--force", stdin="".join(self.parts) + "done\n")
        self.parts.clear()


def _data(text: str) -> str:
    return f"data {len(text.encode())}\n{text}"


def generate_git(root: Path, rng: random.Random, plan: Plan, remote: Path) -> None:
    from dslp_tui.config import Config
    from dslp_tui.process import branch_name

    config = Config()
    candidates = [n for n, (kind, _, _) in plan.issues.items() if kind != "ask"]
    owners = rng.sample(candidates, N_BRANCHES - 10) + rng.sample(
        [n for n, (kind, _, _) in plan.issues.items() if kind == "ask"], 10
    )
    names = []
    for number in owners:
        kind, _, title = plan.issues[number]
        names.append(branch_name(number, title, config.prefix(None if kind == "ask" else kind)))
    categories = ["merged"] * 60 + ["pushed"] * 140 + ["local"] * 60 + ["remote-only"] * 25 + ["gone"] * 15
    rng.shuffle(categories)
    plan.branches = dict(zip(names, categories, strict=True))

    forks: dict[int, list[str]] = {}
    merges: dict[int, list[str]] = {}
    for name, category in plan.branches.items():
        fork = rng.randrange(MAIN_COMMITS - 70) if category == "merged" else rng.randrange(MAIN_COMMITS)
        forks.setdefault(fork, []).append(name)
        if category == "merged":
            merges.setdefault(fork + rng.randint(3, 60), []).append(name)
    stream = FastImport()
    tips: dict[str, str] = {}
    files_of: dict[str, dict[str, str]] = {}
    main: str | None = None
    for step in range(MAIN_COMMITS):
        when = START + step * 3600
        module = f"src/pkg/module_{step % 40:02d}.py"
        main = stream.commit("refs/heads/main", when, f"Work on main, step {step}", {module: f"STEP = {step}\n"}, main)
        for name in forks.get(step, ()):
            tip, files = main, {}
            for index in range(rng.randint(1, 12)):
                path = f"work/{name.replace('/', '-')}/part_{index}.py"
                files[path] = f"# {name}\nPART = {index}\n"
                tip = stream.commit(
                    f"refs/heads/{name}", when + 60 * (index + 1), f"{name}: part {index}", {path: files[path]}, tip
                )
            tips[name], files_of[name] = tip, files
        for name in merges.get(step, ()):
            main = stream.commit("refs/heads/main", when + 1800, f"Merge {name}", files_of[name], main, tips[name])
    stream.run(root)
    _git(root, "reset", "-q", "--hard", "main")

    _git(root, "init", "-q", "--bare", str(remote))
    _git(root, "remote", "add", "origin", str(remote))
    pushed = [n for n, c in plan.branches.items() if c != "local" and (c != "merged" or rng.random() < 0.67)]
    _git(root, "push", "-q", "-u", "origin", "main", *pushed)

    # After the push: some branches move on locally, some on the remote (someone else pushed).
    active = [n for n, c in plan.branches.items() if c == "pushed"]
    ahead = rng.sample(active, 40)
    behind = rng.sample([n for n in active if n not in ahead], 15)
    later = FastImport()
    for name in ahead + behind:
        ref = f"refs/heads/{name}" if name in ahead else f"refs/bench/{name}"
        tip = f"refs/heads/{name}^0"
        for index in range(rng.randint(1, 4)):
            path = f"work/{name.replace('/', '-')}/later_{index}.py"
            tip = later.commit(
                ref, START + MAIN_COMMITS * 3600 + index, f"{name}: more", {path: f"LATER = {index}\n"}, tip
            )
    later.run(root)
    _git(root, "push", "-q", "origin", *(f"refs/bench/{n}:refs/heads/{n}" for n in behind))
    _git(root, "fetch", "-q", "origin")
    _git(root, "update-ref", "--stdin", stdin="".join(f"delete refs/bench/{n}\n" for n in behind))
    remote_only = [n for n, c in plan.branches.items() if c == "remote-only"]
    _git(root, "branch", "-q", "-D", *remote_only)
    gone = [n for n, c in plan.branches.items() if c == "gone"]
    _git(root, "push", "-q", "origin", "--delete", *gone)
    _git(root, "fetch", "-q", "--prune", "origin")
    _git(root, "checkout", "-q", active[0])  # work in progress is checked out
    plan.commits = stream.count + later.count
    for name in ahead:
        plan.branches[name] = "pushed, ahead of upstream"
    for name in behind:
        plan.branches[name] = "pushed, behind upstream"


def generate(root: Path, seed: int = 2026) -> Plan:
    rng = random.Random(seed)
    plan = Plan()
    root.mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    for key, value in (("user.name", "Dana Bench"), ("user.email", "dana@example.com"), ("commit.gpgsign", "false")):
        _git(root, "config", key, value)
    started = time.perf_counter()
    generate_issues(root, rng, plan)
    plan.seconds["issues"] = time.perf_counter() - started
    started = time.perf_counter()
    generate_git(root, rng, plan, root.parent / "origin.git")
    plan.seconds["git"] = time.perf_counter() - started
    return plan


# --- measuring the data side --------------------------------------------------------------------


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def measure_data(root: Path, repeats: int = 5) -> dict:
    import dslp_tui.sources.git as git_source
    from dslp_tui.board import Filter, build_board
    from dslp_tui.workspace import Workspace

    out: dict = {}
    GIT_CALLS.clear()
    workspace, out["open_s"] = timed(Workspace.open, root)
    out["open_git_calls"] = [c[0] for c in GIT_CALLS]
    config = workspace.config

    per_command: dict[str, list[float]] = {}
    python_side: list[float] = []
    git_call = git_source.GitSource._git
    ahead_behind = git_source._ahead_behind

    def timed_git(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        result, seconds = timed(git_call, self, *args, **kwargs)
        per_command.setdefault(args[0], []).append(seconds)
        return result

    def timed_ahead_behind(git, base_tip, tips):  # type: ignore[no-untyped-def]
        before = sum(map(sum, per_command.values()))
        result, seconds = timed(ahead_behind, git, base_tip, tips)
        python_side.append(seconds - (sum(map(sum, per_command.values())) - before))
        return result

    git_source.GitSource._git = timed_git
    git_source._ahead_behind = timed_ahead_behind
    try:
        times, counts = [], []
        for _ in range(repeats):
            GIT_CALLS.clear()
            (repo, branches), seconds = timed(
                workspace.git.snapshot, config.prefixes, config.collaboration, config.remote
            )
            times.append(seconds)
            # GitPython's own `git version` checks (on import and first command) come once per
            # process, not per snapshot: counted apart.
            once = [c for c in GIT_CALLS if c[:1] == ["version"]]
            out["gitpython_version_calls"] = out.get("gitpython_version_calls", 0) + len(once)
            counts.append(len(GIT_CALLS) - len(once))
            out["snapshot_git_calls"] = [" ".join(c[:1]) for c in GIT_CALLS if c[:1] != ["version"]]
    finally:
        git_source.GitSource._git = git_call
        git_source._ahead_behind = ahead_behind
    out["snapshot_s"] = times
    out["snapshot_git_processes"] = counts
    out["per_command_ms"] = {k: statistics.median(v) * 1000 for k, v in per_command.items()}
    out["ahead_behind_python_ms"] = statistics.median(python_side) * 1000
    out["branches"] = len(branches)
    out["branch_kinds"] = Counter(
        ("local+remote" if b.local and b.remote else "local" if b.local else "remote")
        + (", merged" if b.merged else "")
        + (", upstream gone" if b.upstream_gone else "")
        for b in branches
    )
    out["ahead_base_max"] = max(b.ahead_base for b in branches)
    out["behind_base_max"] = max(b.behind_base for b in branches)
    out["ahead_upstream"] = sum(1 for b in branches if b.ahead_upstream)
    out["behind_upstream"] = sum(1 for b in branches if b.behind_upstream)
    out["current"] = repo.current_branch

    issues, out["list_issues_s"] = timed(workspace.tracker.list_issues)
    out["issues"] = len(issues)
    snapshot, out["load_s"] = timed(workspace.load)
    board, out["build_board_s"] = timed(build_board, snapshot, config)
    _, out["build_board_filtered_s"] = timed(build_board, snapshot, config, Filter.parse("model"), True)
    out["board_rows"] = board.count()
    out["groups"] = len(board.groups)
    return out


# --- measuring the app (in a child process) -----------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class FrameLog:
    """Every frame the app composes: (time, tree cursor line, show_board calls so far, filter text).

    Hooks ``App._display``, which the screen calls with each composed update. Headless
    Textual skips turning an update into terminal output, so the hook does that step itself
    (``render_segments``, what the Linux driver writes) and stamps the frame after it.
    """

    def __init__(self, app, tree, shows: list, field) -> None:  # type: ignore[no-untyped-def]
        self.entries: list[tuple[float, int, int, str]] = []
        self.new = asyncio.Event()
        original = app._display

        def display(screen, renderable):  # type: ignore[no-untyped-def]
            original(screen, renderable)
            if renderable is None or app._batch_count:
                return
            if hasattr(renderable, "render_segments"):
                renderable.render_segments(app.console)  # the escape sequences a terminal would get
            self.entries.append((time.perf_counter(), tree.cursor_line, len(shows), field.value))
            self.new.set()

        app._display = display

    async def first(self, start: int, predicate, timeout: float = 30.0) -> tuple[int, float]:  # type: ignore[no-untyped-def]
        """The first frame at or after index ``start`` that satisfies ``predicate``."""
        deadline = time.perf_counter() + timeout
        index = start
        while True:
            while index < len(self.entries):
                if predicate(self.entries[index]):
                    return index, self.entries[index][0]
                index += 1
            self.new.clear()
            await asyncio.wait_for(self.new.wait(), max(0.01, deadline - time.perf_counter()))

    async def quiet(self, seconds: float, timeout: float = 10.0) -> float:
        """Wait until no frame came for ``seconds``; the time of the last frame."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            count = len(self.entries)
            await asyncio.sleep(seconds)
            if len(self.entries) == count:
                break
        return self.entries[-1][0] if self.entries else time.perf_counter()


async def keys_open_loop(app, frames: FrameLog, tree, key: str, count: int, spacing: float) -> tuple[list, list]:  # type: ignore[no-untyped-def]
    """Send ``count`` presses of j or k ``spacing`` seconds apart, as a terminal would.

    Keys are sent on a wall-clock schedule whether or not the app kept up (a key that arrives
    while the app is busy waits in its queue), and each latency runs from the scheduled
    moment to the first frame whose cursor has reached that key's line. Returns the latencies
    and, per key, the last frame before the next key (the detail pane settling).
    """
    from textual import events

    step = 1 if key == "j" else -1
    line = tree.cursor_line
    count = min(count, tree.last_line - line if step > 0 else line)
    sent: list[tuple[float, int, int]] = []  # (scheduled time, frame index then, expected line)
    start = time.perf_counter() + 0.05
    for index in range(count):
        when = start + index * spacing
        delay = when - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        event = events.Key(key, key)
        event.set_sender(app)
        sent.append((when, len(frames.entries), line + step * (index + 1)))
        app.post_message(event)
    await frames.quiet(0.15)
    latencies, settled = [], []
    for number, (when, index, expected) in enumerate(sent):
        reached = (lambda e, x=expected: e[1] >= x) if step > 0 else (lambda e, x=expected: e[1] <= x)
        _, at = await frames.first(index, reached)
        latencies.append(at - when)
        until = sent[number + 1][0] if number + 1 < len(sent) else float("inf")
        last = max((e[0] for e in frames.entries if when <= e[0] < until), default=at)
        settled.append(last - when)
    return latencies, settled


async def measure_app(root: Path, presses: int, pilot_presses: int, freeze: bool = False) -> dict:
    import dslp_tui.app as app_module
    from dslp_tui.screens.board import BoardScreen

    out: dict = {}
    pauses: list[tuple[int, float]] = []  # (generation, seconds) of each garbage collection
    gc_started = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            pauses.append((info["generation"], time.perf_counter() - gc_started[0]))

    gc.callbacks.append(on_gc)
    shown: list[tuple[float, float, str]] = []  # (end time, show_board seconds, filter text)
    built: list[float] = []  # build_board seconds
    filter_set: list[tuple[float, str]] = []  # (time, query) of each DslpApp.set_filter (debounce expired)
    first_paint = asyncio.Event()

    show_board = BoardScreen.show_board

    def timed_show_board(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        _, seconds = timed(show_board, self, *args, **kwargs)
        shown.append((time.perf_counter(), seconds, getattr(self.app, "query_text", "")))
        if len(shown) == 1:
            self.call_after_refresh(lambda: (out.setdefault("painted_at", time.perf_counter()), first_paint.set()))

    build_board = app_module.build_board

    def timed_build_board(*args, **kwargs):  # type: ignore[no-untyped-def]
        result, seconds = timed(build_board, *args, **kwargs)
        built.append(seconds)
        return result

    set_filter = app_module.DslpApp.set_filter

    def logged_set_filter(self, query: str) -> None:  # type: ignore[no-untyped-def]
        filter_set.append((time.perf_counter(), query))
        set_filter(self, query)

    BoardScreen.show_board = timed_show_board
    app_module.build_board = timed_build_board
    app_module.DslpApp.set_filter = logged_set_filter

    started = time.perf_counter()
    app = app_module.build_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(first_paint.wait(), 60)
        out["first_paint_s"] = out.pop("painted_at") - started
        out["first_board_cached"] = app.cached_at is not None or len(shown) > 1
        out["first_show_board_s"] = shown[0][1]
        out["first_build_board_s"] = built[0]
        await pilot.pause(0.5)
        if freeze:  # what-if: keep the loaded board out of the collector's way
            gc.collect()
            gc.freeze()
        tree = app.screen.query_one("#board")
        field = app.screen.query_one("#filter")
        out["tree_lines"] = tree.last_line + 1
        pauses.clear()
        frames = FrameLog(app, tree, shown, field)

        # 1. Keystroke -> frame (the headline), keys on a terminal's schedule.
        hold = max(2, presses * 3 // 4)
        held_down, _ = await keys_open_loop(app, frames, tree, "j", hold * 2 // 3, 1 / 30)
        held_up, _ = await keys_open_loop(app, frames, tree, "k", hold - hold * 2 // 3, 1 / 30)
        await frames.quiet(0.3)
        tap = max(2, presses - hold)
        tapped_down, _ = await keys_open_loop(app, frames, tree, "j", tap // 2, 0.15)
        tapped_up, _ = await keys_open_loop(app, frames, tree, "k", tap - tap // 2, 0.15)
        await frames.quiet(0.3)
        slow, settled = await keys_open_loop(app, frames, tree, "j", 10, 0.6)
        out["held_ms"] = [x * 1000 for x in held_down + held_up]
        out["tapped_ms"] = [x * 1000 for x in tapped_down + tapped_up]
        out["slow_ms"] = [x * 1000 for x in slow]
        out["settled_ms"] = [x * 1000 for x in settled]
        out["frame_gc_ms"] = {g: [x * 1000 for n, x in pauses if n == g] for g in (0, 1, 2)}

        # 2. Keys that redraw the whole tree: typing a filter (7 characters a second), h, r.
        from textual import events

        async def type_filter(query: str) -> tuple[list[float], float, float]:
            """Type ``query`` into the filter; (echo per key, debounce -> board, last key -> board) in ms."""
            await pilot.press("slash")
            await pilot.pause()
            await frames.quiet(0.2)
            typed: list[tuple[float, int, str]] = []
            start = time.perf_counter() + 0.05
            for number, char in enumerate(query):
                delay = start + number * 0.15 - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                event = events.Key(char, char)
                event.set_sender(app)
                typed.append((start + number * 0.15, len(frames.entries), query[: number + 1]))
                app.post_message(event)
            await frames.quiet(0.3)  # not 0.5: the field's cursor blinks every 0.5 s
            echo = []  # key -> the character shown in the filter field
            for when, index, prefix in typed:
                _, at = await frames.first(index, lambda e, p=prefix: e[3].startswith(p))
                echo.append((at - when) * 1000)
            when, index, _ = typed[-1]
            applied = [t for t, q in filter_set if q == query][0]
            done = [n for n, (_, _, text) in enumerate(shown, start=1) if text == query][0]
            _, at = await frames.first(index, lambda e, n=done: e[2] >= n)
            await pilot.press("escape")  # clears the filter and redraws the whole board
            await frames.quiet(0.3)  # not 0.5: the field's cursor blinks every 0.5 s
            return echo, (at - applied) * 1000, (at - when) * 1000

        # Five words, and one letter that matches nearly every issue (every group expanded): the worst case.
        queries = ("model", "churn", "tenure", "gradient", "billing", "e")
        typed_out = [await type_filter(query) for query in queries]
        out["filter_queries"] = list(queries)
        out["filter_echo_ms"] = [x for echo, _, _ in typed_out for x in echo]
        out["filter_work_ms"] = [work for _, work, _ in typed_out]
        out["filter_total_ms"] = [total for _, _, total in typed_out]
        out["filter_applied"] = [q for _, q in filter_set]

        async def closed_loop(key: str) -> float:
            count, index = len(shown), len(frames.entries)
            t0 = time.perf_counter()
            await pilot.press(key)
            _, at = await frames.first(index, lambda e: e[2] > count)
            await frames.quiet(0.3)
            return (at - t0) * 1000

        out["toggle_closed_ms"] = [await closed_loop("h") for _ in range(6)]
        out["refresh_ms"] = [await closed_loop("r") for _ in range(2)]
        await frames.quiet(0.5)

        # 3. Secondary: Pilot, as await pilot.press(key); await pilot.pause().
        pilot_ms: list[float] = []
        downs = pilot_presses * 2 // 3
        line_before = tree.cursor_line
        for index in range(pilot_presses):
            t0 = time.perf_counter()
            await pilot.press("j" if index < downs else "k")
            await pilot.pause()
            pilot_ms.append((time.perf_counter() - t0) * 1000)
        out["pilot_ms"] = pilot_ms
        out["pilot_cursor"] = (line_before, tree.cursor_line, downs, pilot_presses - downs)
        floor: list[float] = []
        for _ in range(10):  # the same on a key nothing is bound to: the method's own cost
            t0 = time.perf_counter()
            await pilot.press("x")
            await pilot.pause()
            floor.append((time.perf_counter() - t0) * 1000)
        out["pilot_floor_ms"] = floor
        out["gc_ms"] = {g: [x * 1000 for n, x in pauses if n == g] for g in (0, 1, 2)}
        out["show_board_ms"] = [s * 1000 for _, s, _ in shown]
        out["build_board_ms"] = [x * 1000 for x in built]
    out["return_code"] = app.return_code
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def run_app_child(root: Path, presses: int, pilot_presses: int, freeze: bool, cache_home: Path) -> dict:
    fd, report = tempfile.mkstemp(prefix="bench-app-", suffix=".json")
    os.close(fd)
    env = {k: v for k, v in os.environ.items() if k not in ("TEXTUAL", "PYTHONDONTWRITEBYTECODE")}
    env["XDG_CACHE_HOME"] = str(cache_home)  # empty: the first start in this repository
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--app-child", str(root), report, "--presses", str(presses)]
            + ["--pilot-presses", str(pilot_presses)]
            + (["--gc-freeze"] if freeze else []),
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        text = Path(report).read_text()
        if done.returncode or not text:
            raise RuntimeError(
                f"the app child failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
            )
        return json.loads(text)
    finally:
        os.unlink(report)


def run_pty(root: Path, marker: str, runs: int, base: Path) -> dict:
    """First paint with the real driver: cold (a new empty board cache each run) and warm."""
    import startup

    env = {"PYTHONPYCACHEPREFIX": str(base / "pycache")}
    homes = startup.CacheHomes(base / "pty-cache")
    code = startup.child_code("dslp")

    def once(home: dict[str, str], quit_when=lambda: True) -> dict:  # type: ignore[no-untyped-def]
        return startup.run_child(
            code, [str(root)], mode="pty", marker=marker, extra_env={**env, **home}, quit_when=quit_when
        )

    once(homes.cold())  # warm-up: bytecode and page cache
    # Primes the warm board cache: saved once git is read too (branch states fill in after the issues).
    once(homes.primed(), quit_when=homes.is_primed)
    if not homes.is_primed():
        raise RuntimeError("the warm-up left no board cache")
    out = {}
    for name, home in (("cold", homes.cold), ("warm", homes.primed)):
        reports = [once(home()) for _ in range(runs)]
        cached = [bool(r["marks"].get("first_board_cached")) for r in reports]
        if cached != [name == "warm"] * runs:
            raise RuntimeError(f"{name} runs painted the cached board first: {cached}")
        out[name] = {
            "elapsed_s": [r["elapsed"] for r in reports],
            "show_board_s": statistics.median(r["marks"]["show_board"] for r in reports),
            "imported_s": statistics.median(r["marks"]["imported"] for r in reports),
            "peak_rss_mb": statistics.median(r["maxrss_kb"] for r in reports) / 1024,
        }
    return out


# --- the report ---------------------------------------------------------------------------------


def line(label: str, figure: float, unit: str, target: float | None = None) -> None:
    if target is None:
        print(f"  {label:<64}{figure:>9.1f} {unit:<6}  (no target)")
        return
    verdict = "ok" if figure <= target else "MISSED"
    print(
        f"  {label:<64}{figure:>9.1f} {unit:<6}  target <= {target:g} {unit:<4} ratio {figure / target:5.2f}  {verdict}"
    )


def ms_list(values: list[float]) -> str:
    return " ".join(f"{v:.0f}" for v in values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--presses", type=int, default=240, help="j/k keystrokes to time by frames (default 240)")
    parser.add_argument(
        "--pilot-presses", type=int, default=40, help="j/k keystrokes to time through Pilot, secondary (default 40)"
    )
    parser.add_argument("--pty-runs", type=int, default=3, help="real-driver first-paint runs (0: skip)")
    parser.add_argument(
        "--byte-moves", type=int, default=40, help="cursor moves whose bytes are counted in a pty (0: skip)"
    )
    parser.add_argument("--keep", type=Path, help="generate into this (new) directory and keep it")
    parser.add_argument(
        "--gc-freeze", action="store_true", help="what-if: gc.freeze() once the board is shown (not what the app does)"
    )
    parser.add_argument("--app-child", nargs=2, metavar=("ROOT", "REPORT"), help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.app_child:
        root, report = options.app_child
        figures = asyncio.run(measure_app(Path(root), options.presses, options.pilot_presses, options.gc_freeze))
        Path(report).write_text(json.dumps(figures))
        return 0

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dslp-scale-") as tmp:
        base = options.keep.resolve() if options.keep else Path(tmp)
        root = base / "big-project"
        plan = generate(root)
        kinds = Counter(kind for kind, _, _ in plan.issues.values())
        print(f"repository: {root}")
        print(
            f"  {len(plan.issues)} issues ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}), "
            f"{sum(1 for _, ask, _ in plan.issues.values() if ask is None) - kinds['ask']} not linked to an Ask"
        )
        children = Counter(ask for _, ask, _ in plan.issues.values() if ask)
        sizes = sorted(children.get(str(n), 0) for n, (kind, _, _) in plan.issues.items() if kind == "ask")
        print(f"  children per Ask: median {statistics.median(sizes):.0f}, max {sizes[-1]}, none {sizes.count(0)}")
        categories = Counter(plan.branches.values())
        print(f"  {len(plan.branches)} branches ({', '.join(f'{k} {v}' for k, v in sorted(categories.items()))})")
        print(
            f"  {plan.commits} commits; generated in {plan.seconds['issues']:.1f}s (issues) + {plan.seconds['git']:.1f}s (git)"
        )

        data = measure_data(root)
        cold_home = base / "app-cache"
        cold_home.mkdir()
        app = run_app_child(root, options.presses, options.pilot_presses, options.gc_freeze, cold_home)
        pty = run_pty(root, plan.first_ask_title, options.pty_runs, base) if options.pty_runs else None
        moves = pty_bytes.measure(options.byte_moves) if options.byte_moves else None

    snapshot_ms = statistics.median(data["snapshot_s"]) * 1000
    print("\n== branch states (GitSource.snapshot)")
    print(
        f"  {data['branches']} DSLP branches listed: {', '.join(f'{k} {v}' for k, v in sorted(data['branch_kinds'].items()))}"
    )
    print(
        f"  ahead of main up to {data['ahead_base_max']}, behind up to {data['behind_base_max']}; "
        f"{data['ahead_upstream']} ahead of and {data['behind_upstream']} behind their upstream; on {data['current']}"
    )
    line("snapshot wall time (median of 5)", snapshot_ms, "ms")
    line("git processes per snapshot", max(data["snapshot_git_processes"]), "procs", TARGETS["git_processes"])
    print(f"    they are: {', '.join(data['snapshot_git_calls'])} (counts per run: {data['snapshot_git_processes']})")
    print(f"    besides, GitPython's `git version` checks, once per process: {data.get('gitpython_version_calls', 0)}")
    split = ", ".join(f"{k} {v:.1f}" for k, v in data["per_command_ms"].items())
    print(f"    per command, ms: {split}; ahead/behind bookkeeping in Python {data['ahead_behind_python_ms']:.1f}")
    print(
        f"    Workspace.open: {data['open_s'] * 1000:.0f} ms, git processes: {', '.join(data['open_git_calls']) or 'none'}"
    )

    print("\n== the rest of a load")
    line("LocalTracker.list_issues (2,000 issues)", data["list_issues_s"] * 1000, "ms")
    line("Workspace.load (issues + pulls + snapshot)", data["load_s"] * 1000, "ms")
    line("build_board (all issues)", data["build_board_s"] * 1000, "ms")
    line("build_board (filter 'model')", data["build_board_filtered_s"] * 1000, "ms")
    print(f"    board: {data['groups']} groups, {data['board_rows']} rows")

    print(f"\n== the app, headless (App.run_test at {SIZE[0]}x{SIZE[1]}, separate process, no board cache)")
    line("first paint (cold): build_app -> board refreshed", app["first_paint_s"] * 1000, "ms")
    if app["first_board_cached"]:
        print("    WARNING: the first board came from a board cache; this figure is not a first start")
    print(
        f"    of which show_board (tree rebuild) {app['first_show_board_s'] * 1000:.0f} ms, "
        f"build_board {app['first_build_board_s'] * 1000:.0f} ms; tree lines visible {app['tree_lines']}"
    )
    target = TARGETS["keystroke_p95_ms"]
    every = app["held_ms"] + app["tapped_ms"]
    print(f"  keystroke -> frame with the cursor moved, keys on a schedule ({len(every)} x j/k; the headline)")
    line("  p95, all keys", percentile(every, 0.95), "ms", target)
    for label, values in (
        ("holding j/k (30 keys/s)", app["held_ms"]),
        ("tapping j/k (7 keys/s; the details render between keys)", app["tapped_ms"]),
        ("one key every 0.6 s", app["slow_ms"]),
    ):
        print(
            f"      {label}: p50 {percentile(values, 0.5):.1f}, p95 {percentile(values, 0.95):.1f}, "
            f"max {max(values):.1f} ms (n={len(values)})"
        )
    line("  key -> detail pane settled (median, 1 key / 0.6 s)", statistics.median(app["settled_ms"]), "ms")
    print(f"      includes the pane's 60 ms debounce; max {max(app['settled_ms']):.0f} ms")
    frame_gc = {int(k): v for k, v in app["frame_gc_ms"].items()}
    print(
        "      garbage collections meanwhile: "
        + "; ".join(
            f"gen{g} {len(v)}x, max {max(v, default=0):.0f} ms, total {sum(v):.0f} ms" for g, v in frame_gc.items()
        )
    )
    print("  keys that redraw the tree")
    echo = app["filter_echo_ms"]
    line("  typing a filter at 7 chars/s: key -> character shown, p95", percentile(echo, 0.95), "ms", target)
    print(f"      {len(echo)} keys ({', '.join(app['filter_queries'])}): max {max(echo):.0f} ms")
    work = app["filter_work_ms"]
    line("  filter applied (debounce expired) -> filtered board, max", max(work), "ms", target)
    print(
        f"      median {statistics.median(work):.0f} ms; each: {ms_list(work)} ms; from the last key, 150 ms debounce included: "
        f"{ms_list(app['filter_total_ms'])} ms; queries applied: {', '.join(repr(q) for q in app['filter_applied'])}"
    )
    toggles = app["toggle_closed_ms"]
    line(f"  h (show/hide closed), max of {len(toggles)} (closed loop)", max(toggles), "ms", target)
    print(f"      median {statistics.median(toggles):.0f} ms; each: {ms_list(toggles)} ms")
    line("  r (reload from git and SQLite, redraw), max of 2", max(app["refresh_ms"]), "ms")
    print(f"      each: {ms_list(app['refresh_ms'])} ms")
    print(f"      show_board durations, ms: {ms_list(app['show_board_ms'])}")
    print(f"      build_board durations, ms: {ms_list(app['build_board_ms'])}")
    pilot_ms, floor = app["pilot_ms"], app["pilot_floor_ms"]
    moved = app["pilot_cursor"]
    print(
        f"  secondary: Pilot, await pilot.press(k); await pilot.pause() ({len(pilot_ms)} x j/k; not the target's method)"
    )
    print(
        f"      p50 {percentile(pilot_ms, 0.5):.0f}, p95 {percentile(pilot_ms, 0.95):.0f}, max {max(pilot_ms):.0f} ms; "
        f"cursor line {moved[0]} -> {moved[1]} after {moved[2]} j, {moved[3]} k. The method's floor (an unbound key): "
        f"p50 {percentile(floor, 0.5):.0f} ms, since Pilot waits for idle in 20 ms slices"
    )
    gc_ms = {int(k): v for k, v in app["gc_ms"].items()}
    print(
        f"  garbage collections over all of the above{' (after gc.freeze())' if options.gc_freeze else ''}: "
        + "; ".join(
            f"gen{g} {len(v)}x, max {max(v, default=0):.0f} ms, total {sum(v):.0f} ms" for g, v in gc_ms.items()
        )
    )
    line("peak RSS (ru_maxrss, app process)", app["peak_rss_mb"], "MB", TARGETS["peak_rss_mb"])

    if pty:
        print(f"\n== the app, real driver in a pty ({SIZE[0]}x{SIZE[1]}), {options.pty_runs} runs each")
        for name, label in (
            ("cold", "first start (no board cache)"),
            ("warm", "later start (cached board)"),
        ):
            figures = pty[name]
            line(
                f"first paint, {label}: process start -> board on the terminal",
                statistics.median(figures["elapsed_s"]) * 1000,
                "ms",
            )
            print(
                f"    runs {ms_list([x * 1000 for x in figures['elapsed_s']])} ms; imports done at "
                f"{figures['imported_s'] * 1000:.0f} ms, show_board at {figures['show_board_s'] * 1000:.0f} ms; "
                f"peak RSS {figures['peak_rss_mb']:.0f} MB"
            )
        line("peak RSS (real driver, cold)", pty["cold"]["peak_rss_mb"], "MB", TARGETS["peak_rss_mb"])
    if moves:
        print(f"\n== bytes to the terminal per cursor move, demo, real driver in a pty ({SIZE[0]}x{SIZE[1]})")
        line("p95 per j/k, dslp-tui", pty_bytes.p95_kb(moves["dslp"]), "KB", TARGETS["bytes_per_move_p95_kb"])
        print(f"      dslp-tui: {pty_bytes.summary(moves['dslp'])}")
        print(f"      bare Textual Tree app (arrows): {pty_bytes.summary(moves['bare'])}")
    print(f"\nbenchmark took {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
