"""Outside text is data: escape sequences and controls are stripped; widths are terminal cells."""

from __future__ import annotations

import pytest

from dslp_tui.text import cell_len, clean, fit, one_line, to_ascii

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (f"{ESC}[31mred{ESC}[0m text", "red text"),
        (f"{ESC}[1;38;2;255;0;0mbold rgb{ESC}[m", "bold rgb"),
        (f"{ESC}[2J{ESC}[H{ESC}[?1049hclear screen", "clear screen"),
        (f"{ESC}[6n cursor report", " cursor report"),
        (f"up{ESC}[3Aover", "upover"),
        (f"{ESC}]8;;https://evil.example/{BEL}click me{ESC}]8;;{BEL}", "click me"),
        (f"{ESC}]8;;https://evil.example/{ST}click me{ESC}]8;;{ST}", "click me"),
        (f"{ESC}]8;id=1;https://evil.example/\x9cclick me{ESC}]8;;\x9c", "click me"),
        (f"{ESC}]52;c;cm0gLXJmIH4K{BEL}after", "after"),
        (f"{ESC}]52;c;cm0gLXJmIH4K{ST}after", "after"),
        (f"{ESC}]0;window title{BEL}body", "body"),
        (f"{ESC}P1$r{ST}dcs gone", "dcs gone"),
        (f"{ESC}_apc{ST}apc gone", "apc gone"),
        (f"{ESC}7saved{ESC}8", "saved"),
        (f"{ESC}(Bsgr0 from tput{ESC}[m", "sgr0 from tput"),
        (f"{ESC}creset{ESC}=keypad", "resetkeypad"),
        (f"unterminated {ESC}[31", "unterminated 31"),
        ("\x9b31mC1 CSI\x9b0m", "C1 CSI"),
        ("\x9d52;c;ZXZpbA==\x07C1 OSC", "C1 OSC"),
        ("\x9d8;;https://evil.example/\x9clink\x9d8;;\x9c", "link"),
        ("nul\x00 bell\x07 bs\x08 vt\x0b ff\x0c so\x0e del\x7f", "nul bell bs vt ff so del"),
        ("c1\x80\x85\x8d\x90\x9f controls", "c1 controls"),
        ("carriage\rreturn", "carriagereturn"),
        (f"lone escape {ESC}", "lone escape "),
    ],
)
def test_clean_strips_what_a_terminal_would_act_on(raw, expected):
    assert clean(raw) == expected
    assert ESC not in clean(raw)


@pytest.mark.parametrize(
    "text",
    [
        "Prévision des ventes",
        "日本語のタイトル 😀 👩\u200d👩\u200d👧",
        "مرحبا שלום",
        "[@click=app.quit]not markup[/]",
        "[bold red]literal[/bold red]",
        "e\u0301 combining",
        "tabs\tand\nnewlines\n\nkept",
        "",
    ],
)
def test_clean_keeps_ordinary_text(text):
    assert clean(text) == text


def test_clean_normalises_crlf_and_keeps_lines():
    assert clean("one\r\ntwo\nthree") == "one\ntwo\nthree"
    assert clean(None) == ""  # type: ignore[arg-type]


def test_one_line_joins_lines_and_tabs_with_spaces():
    assert one_line("one\ntwo\r\nthree\tfour") == "one two three four"
    assert one_line(f"title{ESC}[31m\nwith\x85breaks\u2028too") == "title with breaks too"
    assert "\n" not in one_line("a\n\n\nb")


def test_clean_multiline_false_is_one_line():
    assert clean("a\nb", multiline=False) == one_line("a\nb") == "a b"


@pytest.mark.parametrize(
    ("text", "cells"),
    [
        ("", 0),
        ("abc", 3),
        ("日本", 4),
        ("ａｂ", 4),  # full-width forms
        ("한국", 4),
        ("e\u0301", 1),
        ("😀", 2),
        ("a日b", 4),
    ],
)
def test_cell_len(text, cells):
    assert cell_len(text) == cells


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("ab", 5, "ab   "),
        ("abcde", 5, "abcde"),
        ("abcdefgh", 5, "abcd…"),
        ("abcdefgh", 1, "…"),
        ("abcdefgh", 0, ""),
        ("abc", -3, ""),
        ("日本語です", 5, "日本…"),
        ("日本語です", 4, "日… "),  # a wide character never straddles the edge: padded instead
        ("日本語です", 10, "日本語です"),
        ("日本語です", 12, "日本語です  "),
        ("日", 1, "…"),
        ("e\u0301e\u0301e\u0301e\u0301", 3, "e\u0301e\u0301…"),
    ],
)
def test_fit(text, width, expected):
    assert fit(text, width) == expected


SAMPLES = ["", "a", "abc def ghi", "日本語のタイトル", "mixed 日本 text", "😀😀😀", "e\u0301" * 6, "ＦＵＬＬ", "x" * 50]


@pytest.mark.parametrize("text", SAMPLES)
def test_fit_always_fills_exactly_the_width(text):
    for width in range(0, 16):
        fitted = fit(text, width)
        assert cell_len(fitted) == width, (text, width, fitted)
        if width == 0:
            assert fitted == ""
        elif cell_len(text) <= width:
            assert fitted.rstrip(" ") == text.rstrip(" ")
        else:
            assert fitted.rstrip(" ").endswith("…")
            assert text.startswith(fitted.rstrip(" ")[:-1])


def test_the_widgets_the_board_uses_have_ascii_stand_ins_not_question_marks():
    """In ASCII mode a checkbox (the promote preview's "register the model") read ``?X|``:
    its left side, a right half block, had no stand-in."""
    from textual.widgets import Checkbox

    drawn = Checkbox.BUTTON_LEFT + Checkbox.BUTTON_INNER + Checkbox.BUTTON_RIGHT + "▼▲▶"
    assert "?" not in to_ascii(drawn), to_ascii(drawn)
    assert to_ascii(Checkbox.BUTTON_LEFT + Checkbox.BUTTON_INNER + Checkbox.BUTTON_RIGHT) == "|X|"
