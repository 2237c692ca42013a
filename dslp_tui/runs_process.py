"""Runs read in a child process, so the board's process keeps its GIL for the keys.

Reading runs imports MLflow (about a second of pure Python) and lists thousands of runs:
in a thread of the app's process that holds the GIL for seconds and held keys wait behind
it (issue #9: p95 368 ms with 5,000 runs). So the app starts ``python -m
dslp_tui.runs_process`` (a fresh interpreter, like multiprocessing's ``spawn``: nothing is
forked from a process with threads, and nothing of Textual or the app is imported there),
sends it the repository root, the config and the branches, and its worker thread waits on
a pipe, which releases the GIL. The child lists and links the runs exactly as
:meth:`Workspace.load_runs` does (:func:`~dslp_tui.workspace.list_and_link`) and sends them
back in chunks, so no single unpickling holds the parent's GIL long.

The child's stdout and stderr go to ``/dev/null`` (the board owns the terminal; MLflow
prints), its results to a private copy of the pipe; its stdin is the request pipe, never
the terminal, and it runs in its own session, so keys and the terminal's signals never
reach it. An error crosses as itself when it can (a :class:`RunsError` keeps its type and
message); a bug carries the child's traceback as a note, for the parent's error log.

Frames on the pipe: 8-byte big-endian length, then a pickle of ``(kind, payload)``:
``("runs", [Run, ...])`` any number of times, then ``("done", count)`` or ``("error", exc)``.
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
from dslp_tui.model import Run
from dslp_tui.runs import RunsError

CHUNK = 250  # runs per frame: unpickling one takes about a millisecond
_LENGTH = 8
NICENESS = 10  # the child yields the CPU to the board (and to the person's own work)


class RunsReader:
    """One child process reading the runs; :meth:`runs` waits for them, :meth:`stop` ends it."""

    def __init__(self, root: Path, config: Config, branches: Iterable[str]) -> None:
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
            self.process.stdin.write(pickle.dumps((root, config, sorted(branches))))
            self.process.stdin.close()
        except OSError:  # the child is gone already: runs() reads its end and says so
            pass

    @property
    def pid(self) -> int:
        return self.process.pid

    def runs(self) -> tuple[Run, ...]:
        """Block (without the GIL) until the child has sent every run; raise what it raised."""
        assert self.process.stdout is not None
        runs: list[Run] = []
        with self.process.stdout as answers:
            while True:
                frame = _receive(answers)
                if frame is None:
                    status = self.process.wait()
                    if self._stopped.is_set():
                        raise RunsError("reading the runs was stopped")
                    raise RunsError(
                        f"the process reading the runs ended early (exit status {status}); press r to retry"
                    )
                kind, payload = frame
                if kind == "runs":
                    runs.extend(payload)
                elif kind == "done":
                    return tuple(runs)
                else:
                    raise payload

    def stop(self) -> None:
        """End the child if it still runs and reap it (no zombie); safe from any thread, twice."""
        self._stopped.set()
        self.process.kill()  # nothing when it has ended already (Popen checks, and ignores a race)
        self.process.wait()  # the pipe then ends, and runs() returns in its own thread


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


def main() -> int:
    """The child: read the request on stdin, answer on (a copy of) stdout, print nothing."""
    out = os.fdopen(os.dup(1), "wb")
    with contextlib.suppress(OSError):  # on a 2-core VM the board's keys come first; runs may arrive later
        os.nice(NICENESS)
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)  # MLflow's prints and warnings: nowhere (the answer has its own descriptor)
    os.dup2(quiet, 2)
    try:
        root, config, branches = pickle.load(sys.stdin.buffer)
        runs = _read(root, config, branches)
    except BaseException as error:  # noqa: BLE001  (every failure is the parent's to report)
        _send(out, "error", portable(error))
        return 1
    for start in range(0, len(runs), CHUNK):
        _send(out, "runs", list(runs[start : start + CHUNK]))
    _send(out, "done", len(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
