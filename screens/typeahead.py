"""Type-ahead: keys typed in a burst, or before the board is ready, are applied in order.

Two causes in Textual 8 lose or misroute such keys, and :class:`TypeAheadApp` removes both:

- **The burst race.** ``App.on_event`` hands each key to the focused widget by *posting* it
  to that widget's queue, and goes straight on to the next key. A key that moves focus
  (``tab`` runs ``focus_next``, ``/`` opens the filter, ``a`` pushes the form) does so only
  once it has bubbled back up to the app's bindings, and by then the rest of the burst is
  already queued on the old widget: ``abc`` Tab ``def`` puts ``abcdef`` in the title, and
  ``/zzqq`` types ``zzqq`` at the tree (which quits). So keys go one at a time: the next
  one is handed over only when the previous one has finished its trip (each node of its
  bubble chain has processed it) and the screen and the focused widget have settled (a
  pushed screen mounted, its focus set, the Focus handlers run).
- **Keys before the board is ready.** Until the app says it is ready (its board screen
  is mounted and the first board is shown), keys would reach Textual's default screen,
  or a board that cannot act yet, and be dropped. They are held and replayed in order
  once :meth:`release_keys` is called.

Pastes are queued with the keys, so they keep their place in what was typed.

Keys still held or on their way when the app shuts down are dropped: shutting down empties
the screen stack (also without :meth:`~textual.app.App.exit`: ``run_test``'s teardown, a
crash) while the app still handles its messages, so there is nothing to deliver them to.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

from textual import events
from textual.app import App, ScreenStackError
from textual.message_pump import MessagePump
from textual.screen import Screen

ReturnType = TypeVar("ReturnType")

SETTLE_ROUNDS = 8  # a widget that never goes quiet (a blinking cursor) must not hold keys forever
CLOSED_CHECK = 0.5  # how often a wait looks whether its node has closed meanwhile


class TypeAheadApp(App[ReturnType], Generic[ReturnType]):
    """An app that applies typed keys strictly one after another, from the very first one."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._typed: deque[events.Key | events.Paste] = deque()
        self._passing: events.Key | events.Paste | None = None  # the typed event being handed over
        self._passed_to: MessagePump | None = None  # where the app handed it
        self._feeder: asyncio.Task | None = None

    def keys_ready(self) -> bool:
        """Whether typed keys can be applied now; the app says when by overriding this."""
        return True

    @property
    def keys_pending(self) -> bool:
        """Whether typed keys are still held or being handed over."""
        return bool(self._typed) or (self._feeder is not None and not self._feeder.done())

    def release_keys(self) -> None:
        """Apply the keys held so far (call when :meth:`keys_ready` may have become true)."""
        if self._typed and (self._feeder is None or self._feeder.done()):
            self._feeder = asyncio.create_task(self._feed())

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and self._open_screen() is None:
            return  # shutting down: nothing to deliver it to (Textual's key handling reads self.screen)
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if event is self._passing:
                self._passing = None
                self._passed_to = self.focused or self.screen
                await super().on_event(event)
                return
            self._typed.append(event)
            self.release_keys()
            return
        await super().on_event(event)

    async def _feed(self) -> None:
        """Hand the typed events over one by one, each once the one before has landed."""
        while self._typed and self.keys_ready():
            await self._settle()
            if self._open_screen() is None:
                self._typed.clear()  # shutting down: nothing to deliver them to
                return
            event = self._typed.popleft()
            self._passing = event
            self._passed_to = None
            self.post_message(event)
            await self._after(self)  # the app has run its priority bindings or forwarded it
            target = self._passed_to
            if target is not None:
                # The trip up the DOM: each node handles it, then posts it to its parent.
                for node in target.ancestors_with_self:
                    await self._after(node)

    async def _settle(self) -> None:
        """Wait until the screen is mounted and it and the focused widget have nothing left to do."""
        rounds = 0
        while True:
            screen = self._open_screen()
            if screen is None:
                return
            nodes: list[MessagePump] = [self, screen]
            if self.focused is not None:
                nodes.extend(self.focused.ancestors_with_self)
            quiet = all(node.message_queue_size == 0 for node in nodes)
            if (screen.is_mounted and (quiet or rounds >= SETTLE_ROUNDS)) or _closed(screen):
                return
            rounds += 1
            for node in nodes:
                await self._after(node)

    async def _after(self, node: MessagePump) -> None:
        """Return once ``node`` has processed every message queued on it before now (or closed).

        Never on a clock: on a loaded machine a screen may take seconds to mount, and handing
        the next key over early is exactly the misrouting this module exists to prevent.
        """
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def finish() -> None:
            if not done.done():
                done.set_result(None)

        if not node.call_later(finish):
            return  # closed: nothing more will happen there
        while not done.done() and not _closed(node) and self._open_screen() is not None:
            await asyncio.wait([done], timeout=CLOSED_CHECK)

    def _open_screen(self) -> Screen | None:
        """The screen keys go to, or None once the app is shutting down.

        Shutting down empties the screen stack while the app still handles its messages,
        and not only after :meth:`exit`: ``run_test``'s teardown and a crash close the
        screens without it. Every access to ``self.screen`` (``self.focused`` too) made
        across an ``await`` must look here first, or it raises ``ScreenStackError``.
        """
        if self._exit or not self.is_running:
            return None
        try:
            return self.screen
        except ScreenStackError:
            return None


def _closed(node: MessagePump) -> bool:
    """A node that is closing drops its queue, so a callback posted to it may never run."""
    return bool(getattr(node, "_closing", False) or getattr(node, "_closed", False))
