"""What the board looks like, pinned as SVG snapshots (``pytest --snapshot-update`` to accept).

The demo project has fixed dates and content, so these only change when the screen does.
"""

from __future__ import annotations

from pathlib import Path

from dslp_tui.app import build_app


async def _loaded(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.1)


def test_board_80x24(snap_compare, demo: Path) -> None:
    assert snap_compare(build_app(demo), terminal_size=(80, 24), run_before=_loaded)


def test_board_120x40(snap_compare, demo: Path) -> None:
    async def select_experiment(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("j", "j", "j", "j", "j", "j", "j")  # #5 Gradient boosting baseline
        await _loaded(pilot)

    assert snap_compare(build_app(demo), terminal_size=(120, 40), run_before=select_experiment)


def test_board_ascii_120x40(snap_compare, demo: Path) -> None:
    assert snap_compare(build_app(demo, ascii_only=True), terminal_size=(120, 40), run_before=_loaded)


def test_new_experiment_form_80x24(snap_compare, demo: Path) -> None:
    async def open_form(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("t", *"Gradient boosting v2")
        for _ in range(400):  # typed keys land at the app's pace: wait on the fact, not a guess
            if getattr(pilot.app.screen.query("#title").first(None), "value", "") == "Gradient boosting v2":
                break
            await pilot.pause(0.05)
        await pilot.pause(0.1)

    assert snap_compare(build_app(demo), terminal_size=(80, 24), run_before=open_form)


def test_help_120x40(snap_compare, demo: Path) -> None:
    async def open_help(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.1)

    assert snap_compare(build_app(demo), terminal_size=(120, 40), run_before=open_help)


def test_runs_table_120x40(snap_compare, demo: Path) -> None:
    async def open_runs(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("j", "j", "j", "j", "j", "j", "j", "u")  # #5 Gradient boosting baseline: its runs
        await _loaded(pilot)

    assert snap_compare(build_app(demo), terminal_size=(120, 40), run_before=open_runs)


def test_board_no_color_120x40(snap_compare, demo: Path, monkeypatch) -> None:
    """NO_COLOR: default colours everywhere; the cursor in reverse, headings in bold."""
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(build_app(demo), terminal_size=(120, 40), run_before=_loaded)


async def _promote_7(pilot) -> None:
    """p on #7 Deep tabular network (an open experiment with runs), a TL;DR typed."""
    await _loaded(pilot)
    await pilot.press("j", "j", "j", "j", "j", "j", "j", "j", "j")
    await _loaded(pilot)
    await pilot.press("p")
    await _loaded(pilot)
    await pilot.press(*"TabNet wins: r2 0.78 on the held-out quarter")
    await pilot.pause(0.1)


def test_promote_preview_120x40(snap_compare, demo: Path) -> None:
    assert snap_compare(build_app(demo), terminal_size=(120, 40), run_before=_promote_7)


def test_promote_finished_log_120x40(snap_compare, demo: Path, monkeypatch) -> None:
    for name in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):  # the merge commits' ids are in the log
        monkeypatch.setenv(name, "2026-03-03T12:00:00+00:00")

    async def run_it(pilot) -> None:
        await _promote_7(pilot)
        await pilot.press("ctrl+s")
        await _loaded(pilot)

    assert snap_compare(build_app(demo), terminal_size=(120, 40), run_before=run_it)
