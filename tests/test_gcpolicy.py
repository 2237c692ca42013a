"""No full garbage collection inside a keystroke: they wait for the keys to pause (issue #7)."""

from __future__ import annotations

import gc
from pathlib import Path

from dslp_tui.app import build_app
from dslp_tui.gcpolicy import GcPolicy

from board_driver import settle

SIZE = (120, 40)


class Cycle:
    """A piece of garbage only a full collection frees once it has reached the oldest generation."""

    def __init__(self) -> None:
        self.me = self


def test_install_keeps_young_collections_and_defers_full_ones() -> None:
    before = gc.get_threshold()
    policy = GcPolicy(young_limit=777)
    policy.install()
    try:
        assert gc.get_threshold() == (before[0], before[1], 777)
    finally:
        policy.uninstall()
    assert gc.get_threshold() == before


def test_a_full_collection_waits_for_the_keys_to_be_idle() -> None:
    policy = GcPolicy(idle_seconds=1.0)
    policy.loaded()  # due: a board to settle
    policy.input(100.0)
    assert abs(policy.idle_in(100.4) - 0.6) < 1e-9
    assert not policy.collect_when_idle(100.4)
    assert policy.collections == 0
    policy.input(100.9)  # another key: the idle moment moves on
    assert not policy.collect_when_idle(101.5)
    try:
        assert policy.collect_when_idle(101.9)
        assert policy.collections == 1
        assert gc.get_freeze_count() > 0  # the settled board is frozen
    finally:
        policy.uninstall()
    assert gc.get_freeze_count() == 0


async def test_no_full_collection_lands_inside_a_key_burst(demo: Path) -> None:
    """Garbage that reaches the oldest generation during a burst of keys (enough to start
    CPython's own full collections several times over) is collected only once the keys pause,
    by the policy, and never by an automatic full collection between two keys."""
    app = build_app(demo)
    seen: list[bool] = []

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            seen.append(app.gc_policy.collecting)

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        gc.callbacks.append(on_gc)
        try:
            alive: list[list[Cycle]] = []
            for index in range(40):
                # Kept over a few keys (so they survive the young collections), then dropped.
                alive.append([Cycle() for _ in range(6000)])
                if len(alive) > 3:
                    alive.pop(0)
                await pilot.press("j" if index % 4 < 2 else "k")
            alive.clear()
            automatic = seen.count(False)
            assert automatic == 0, f"{automatic} full collections were not the policy's idle one"
            ran = app.gc_policy.collections
            for _ in range(200):  # the idle moment: a second after the last key
                if app.gc_policy.collections > ran:
                    break
                await pilot.pause(0.05)
            assert app.gc_policy.collections > ran
            assert True in seen and False not in seen
        finally:
            gc.callbacks.remove(on_gc)
