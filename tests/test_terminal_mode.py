"""The board's input mode, taken first thing: on a real pseudo-terminal, keys already typed are kept."""

from __future__ import annotations

import io
import os
import select
import sys
import termios

import pytest

from dslp_tui.terminal import board_input


@pytest.fixture
def pty_stdin(monkeypatch: pytest.MonkeyPatch):
    """A pseudo-terminal in cooked mode as stdin; yields (master fd, slave fd)."""
    master, slave = os.openpty()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.FileIO(slave, "rb", closefd=False)))
    yield master, slave
    os.close(master)
    os.close(slave)


def test_keys_typed_while_starting_are_kept_and_reach_the_board_raw(pty_stdin) -> None:
    master, slave = pty_stdin
    cooked = termios.tcgetattr(slave)
    assert cooked[3] & termios.ICANON and cooked[0] & termios.IXON
    os.write(master, b"abc")  # typed before the board took the terminal: a partial line
    echoed = b""
    while len(echoed) < 3 and select.select([master], [], [], 2)[0]:
        echoed += os.read(master, 16)  # the echo: the line discipline holds the keys now
    assert echoed == b"abc"
    with board_input():
        os.write(master, b"\x13\r")  # ctrl+s and Enter: not flow control, not turned into ctrl+j
        seen = b""
        while len(seen) < 5 and select.select([slave], [], [], 2)[0]:
            seen += os.read(slave, 16)
        assert seen == b"abc\x13\r"
    assert termios.tcgetattr(slave) == cooked  # restored on the way out


def test_nothing_changes_when_the_board_is_not_opened(pty_stdin) -> None:
    master, slave = pty_stdin
    cooked = termios.tcgetattr(slave)
    with board_input(wanted=False):
        assert termios.tcgetattr(slave) == cooked
