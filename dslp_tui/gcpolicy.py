"""When the garbage collector may walk everything: only while the keys are idle.

A full (oldest-generation) collection walks every tracked object the process has: with a
board of 2,000 issues, tens to hundreds of milliseconds, and Textual's rendering churn
starts one every second or two while keys are pressed, stalling the keys queued behind it.
So, while the board runs (:meth:`GcPolicy.install`):

- The young generations are collected automatically, as always: they are short.
- The oldest is not collected automatically until ``YOUNG_LIMIT`` young collections have
  passed without a full one (CPython's own gen-2 threshold): the bound on what can pile up
  when no key ever pauses (about 4 minutes of keys held without a break, at the ~2 young
  collections a second measured with 2,000 issues).
- A full collection runs at an idle moment instead: once no key (or mouse) event came for
  ``IDLE_SECONDS`` (:meth:`idle_in` says how long to wait, :meth:`collect_when_idle` does it),
  and only when anything reached the oldest generation since the last one.
- A fresh board (:meth:`loaded`) is settled at that idle moment too: what the previous load
  froze is unfrozen (so the old board is collected), everything is collected, and the
  survivors are frozen (``gc.freeze``), so later collections walk only what is newer.

No Textual here: the app arms a timer from :meth:`idle_in` and calls :meth:`collect_when_idle`.
"""

from __future__ import annotations

import gc

__all__ = ["IDLE_SECONDS", "YOUNG_LIMIT", "GcPolicy"]

IDLE_SECONDS = 1.0  # no key for this long: a full collection may run
YOUNG_LIMIT = 500  # young (gen-1) collections without a full one before CPython runs it anyway


class GcPolicy:
    """Full garbage collections at idle moments only (see the module's docstring)."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS, young_limit: int = YOUNG_LIMIT) -> None:
        self.idle_seconds = idle_seconds
        self.young_limit = young_limit
        self.collecting = False  # True while this policy runs a full collection (tests tell them apart)
        self.collections = 0  # full collections this policy ran
        self._saved: tuple[int, ...] | None = None  # the thresholds before install
        self._last_input: float | None = None
        self._settle = False  # a new board was loaded: unfreeze, collect and freeze at the next idle moment

    @property
    def installed(self) -> bool:
        return self._saved is not None

    def install(self) -> None:
        """Stop automatic full collections (up to the bound); young ones go on as before."""
        if self._saved is None:
            self._saved = gc.get_threshold()
            gc.set_threshold(self._saved[0], self._saved[1], self.young_limit)

    def uninstall(self) -> None:
        """Leave the process's collector as it was: its thresholds, nothing frozen."""
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None
        gc.unfreeze()

    def input(self, now: float) -> None:
        """A key or mouse event came at ``now`` (monotonic seconds): the idle moment moves on."""
        self._last_input = now

    def loaded(self) -> None:
        """A new board was loaded: settle it (unfreeze, collect, freeze) at the next idle moment."""
        self._settle = True

    def due(self) -> bool:
        """Whether a full collection has anything to do: a board to settle, or objects that
        reached the oldest generation since the last full collection."""
        return self._settle or gc.get_count()[2] > 0

    def idle_in(self, now: float) -> float:
        """Seconds until the keys count as idle (0: they are now)."""
        if self._last_input is None:
            return 0.0
        return max(0.0, self._last_input + self.idle_seconds - now)

    def collect_when_idle(self, now: float) -> bool:
        """Run the full collection if the keys are idle at ``now`` and it is due; whether it ran."""
        if self.idle_in(now) > 0 or not self.due():
            return False
        self.collect()
        return True

    def collect(self) -> None:
        """The full collection now (settling a new board if one was loaded)."""
        settle, self._settle = self._settle, False
        self.collecting = True
        try:
            if settle:
                gc.unfreeze()
            gc.collect()
            if settle:
                gc.freeze()
        finally:
            self.collecting = False
            self.collections += 1
