"""Runs read in a child process, so the board's process keeps its GIL for the keys.

Reading runs imports MLflow (about a second of pure Python; azure-ai-ml more) and lists
thousands of runs: in a thread of the app's process that holds the GIL for seconds and held
keys wait behind it (issue #9: p95 368 ms with 5,000 runs). So every call the board makes to
the run source runs in a child: the board's runs, the runs table's (``u``), a metric's
history, the promote preview's best run and the model registration after it
(:class:`ChildRuns`, the board's :class:`~dslp_tui.runs.RunsAccess`). MLflow and azure-ai-ml
never enter the board's process.

Each call starts ``python -m dslp_tui.runs_process`` (a fresh interpreter, like
multiprocessing's ``spawn``: nothing is forked from a process with threads, and nothing of
Textual or the app is imported there), sends it the repository root, the config and the
request, and the calling worker thread waits on a pipe, which releases the GIL. The child
lists and links the runs exactly as :meth:`Workspace.load_runs` does
(:func:`~dslp_tui.workspace.list_and_link`) and sends them back in chunks, so no single
unpickling holds the parent's GIL long.

The child's stdout and stderr go to ``/dev/null`` (the board owns the terminal; MLflow
prints), its results to a private copy of the pipe; its stdin is the request pipe, never
the terminal, and it runs in its own session, so keys and the terminal's signals never
reach it. An error crosses as itself when it can (a :class:`RunsError` keeps its type and
message); a bug carries the child's traceback as a note, for the parent's error log.

Requests: ``("runs", [branch, ...])``, ``("history", run_id, key)``, ``("register", run_id,
name)``. Answers, frames on the pipe (8-byte big-endian length, then a pickle of ``(kind,
payload)``): ``("part", [item, ...])`` any number of times, then ``("done", count)`` or
``("error", exc)``; the items are runs, metric points, or the one registered version.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from dslp_tui.config import Config
from dslp_tui.model import MetricPoint, Run
from dslp_tui.runs import RunsError, RunsStopped

CHUNK = 250  # runs (or points) per frame: unpickling one takes about a millisecond
_LENGTH = 8
NICENESS = 10  # the child yields the CPU to the board (and to the person's own work)


Request = tuple  # ("runs", [branch, ...]) | ("history", run_id, key) | ("register", run_id, name)


class RunsReader:
    """One child process answering one request; :meth:`answer` waits for it, :meth:`stop` ends it."""

    def __init__(self, root: Path, config: Config, request: Request) -> None:
        self._stopped = threading.Event()
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-m", "dslp_tui.runs_process"],  # -P: the cwd does not shadow modules
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=root,
            start_new_session=True,  # not in the terminal's process group: no ctrl+c, no SIGHUP from it
        )
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(pickle.dumps((root, config, request)))
            self.process.stdin.close()
        except OSError:  # the child is gone already: answer() reads its end and says so
            pass

    @property
    def pid(self) -> int:
        return self.process.pid

    def answer(self) -> list[Any]:
        """Block (without the GIL) until the child has sent its whole answer; raise what it raised."""
        assert self.process.stdout is not None
        items: list[Any] = []
        with self.process.stdout as answers:
            while True:
                frame = _receive(answers)
                if frame is None:
                    status = self.process.wait()
                    if self._stopped.is_set():
                        raise RunsStopped("reading the runs was stopped")
                    raise RunsError(f"the process reading the runs ended early (exit status {status}); try again")
                kind, payload = frame
                if kind == "part":
                    items.extend(payload)
                elif kind == "done":
                    return items
                else:
                    raise payload

    def stop(self) -> None:
        """End the child if it still runs and reap it (no zombie); safe from any thread, twice."""
        self._stopped.set()
        self.process.kill()  # nothing when it has ended already (Popen checks, and ignores a race)
        self.process.wait()  # the pipe then ends, and answer() returns in its own thread


class ChildRuns:
    """The board's :class:`~dslp_tui.runs.RunsAccess`: every call a child process (a
    :class:`RunsReader`), so MLflow and azure-ai-ml never enter the board's process.

    :meth:`stop` ends the calls still running and refuses new ones: the app stops a
    ``ChildRuns`` when a newer one replaces it (``DslpApp.runs_access``), when the screen it
    served closes, and when the app quits.
    """

    def __init__(self, root: Path, config: Config) -> None:
        self.root = root
        self.config = config
        self._lock = threading.Lock()
        self._running: set[RunsReader] = set()
        self._stopped = False

    @property
    def off(self) -> bool:
        return self.config.runs_source == "none"

    @property
    def name(self) -> str:
        """The run source's name ("MLflow sqlite:///…"): building a source imports no client."""
        from dslp_tui.workspace import make_run_source

        return make_run_source(self.config, self.root).name

    def runs(self, branches: Iterable[str]) -> tuple[Run, ...]:
        return () if self.off else tuple(self._ask(("runs", sorted(branches))))

    def metric_history(self, run_id: str, key: str) -> list[MetricPoint]:
        return [] if self.off else self._ask(("history", run_id, key))

    def register_model(self, run_id: str, name: str) -> str:
        """Register ``run_id``'s model under ``name`` (in a child too); the new version."""
        (version,) = self._ask(("register", run_id, name))
        return version

    def registry(self) -> ChildRuns | None:
        """Itself: both run sources (MLflow, AzureML) register models; None when runs are off."""
        return None if self.off else self

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            running = list(self._running)
            self._running.clear()
        for reader in running:
            reader.stop()

    def _ask(self, request: Request) -> list[Any]:
        with self._lock:  # a stop() either comes first (no child starts) or sees this child
            if self._stopped:
                raise RunsStopped("reading the runs was stopped")
            reader = RunsReader(self.root, self.config, request)
            self._running.add(reader)
        try:
            return reader.answer()
        finally:
            with self._lock:
                self._running.discard(reader)
            reader.stop()


def _receive(stream: IO[bytes]) -> tuple[str, Any] | None:
    """One frame, or None at the end of the pipe (the child ended, or was ended)."""
    try:
        header = _read_exactly(stream, _LENGTH)
        if header is None:
            return None
        body = _read_exactly(stream, int.from_bytes(header, "big"))
    except (OSError, ValueError):  # the pipe was closed under us by stop()
        return None
    return None if body is None else pickle.loads(body)


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


# --- the child ----------------------------------------------------------------------------------


def _send(out: IO[bytes], kind: str, payload: object) -> None:
    body = pickle.dumps((kind, payload), protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(body).to_bytes(_LENGTH, "big") + body)
    out.flush()


def portable(error: BaseException) -> BaseException:
    """``error`` as it can cross the pipe: itself when it pickles back as itself, else a
    RunsError with its message (an expected error) or a RuntimeError naming it (a bug).

    Only builtin and dslp-tui types cross as themselves: unpickling an MLflow exception would
    import MLflow in the board's process, the very thing the child is for. A bug carries the
    child's traceback as a note, so the parent's error log has it.
    """
    from dslp_tui.errors import DslpError

    if not isinstance(error, DslpError):
        error.add_note("in the process reading the runs:\n" + "".join(traceback.format_exception(error)).rstrip())
    module = type(error).__module__
    if module == "builtins" or module.startswith("dslp_tui."):
        try:
            clone = pickle.loads(pickle.dumps(error))
            if type(clone) is type(error) and str(clone) == str(error):
                return error
        except Exception:  # an exception whose constructor takes other arguments
            pass
    if isinstance(error, DslpError):
        return RunsError(str(error))
    stand_in = RuntimeError(f"{type(error).__name__}: {error}")
    for note in getattr(error, "__notes__", ()):
        stand_in.add_note(note)
    return stand_in


def _read(root: Path, config: Config, branches: list[str]) -> tuple[Run, ...]:
    from dslp_tui.workspace import list_and_link, make_run_source

    def git():
        from dslp_tui.sources.git import GitSource

        return GitSource(root)

    return list_and_link(make_run_source(config, root), branches, config, git)


def _answer(root: Path, config: Config, request: Request) -> list[Any]:
    """What the child sends back for ``request``: always a list, sent in chunks."""
    from dslp_tui.runs import ModelRegistry
    from dslp_tui.workspace import make_run_source

    kind, *arguments = request
    if kind == "runs":
        return list(_read(root, config, *arguments))
    source = make_run_source(config, root)
    if kind == "history":
        return source.metric_history(*arguments)
    if kind == "register":
        if not isinstance(source, ModelRegistry):
            raise RunsError(f"{source.name} cannot register models")
        return [source.register_model(*arguments)]
    raise ValueError(f"unknown request {kind!r}")


def main() -> int:
    """The child: read the request on stdin, answer on (a copy of) stdout, print nothing."""
    out = os.fdopen(os.dup(1), "wb")
    with contextlib.suppress(OSError):  # on a 2-core VM the board's keys come first; runs may arrive later
        os.nice(NICENESS)
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)  # MLflow's prints and warnings: nowhere (the answer has its own descriptor)
    os.dup2(quiet, 2)
    try:
        root, config, request = pickle.load(sys.stdin.buffer)
        items = _answer(root, config, request)
    except BaseException as error:  # noqa: BLE001  (every failure is the parent's to report)
        _send(out, "error", portable(error))
        return 1
    for start in range(0, len(items), CHUNK):
        _send(out, "part", items[start : start + CHUNK])
    _send(out, "done", len(items))
    return 0


if __name__ == "__main__":
    sys.exit(main())
