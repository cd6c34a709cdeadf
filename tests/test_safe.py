"""safe.py, the gate for untrusted text: what must never survive it, and what it must keep."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsreader import safe

BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def forbidden(ch: str, multiline: bool) -> bool:
    if multiline and ch in "\n\t":
        return False
    return ch in BIDI or unicodedata.category(ch) == "Cc" or (unicodedata.category(ch) == "Cf" and ch != "\u200d")


any_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=200)
escapes = st.sampled_from(
    ["\x1b", "\x1b[", "\x1b]", "\x9b", "\x9d", "\x07", "\x1b\\", "\x90", "\u202e", "\u2066", "\x00", "\r"]
)
hostile_text = st.lists(st.one_of(any_text, escapes), max_size=20).map("".join)
printable = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp"), blacklist_characters="\x85"),
    max_size=200,
)


@settings(max_examples=500, deadline=None)
@given(hostile_text)
def test_no_control_escape_or_bidi_character_survives_a_line(text: str) -> None:
    out = safe.line(text)
    assert not any(forbidden(ch, multiline=False) for ch in out)
    assert "\n" not in out and "\t" not in out


@settings(max_examples=500, deadline=None)
@given(hostile_text)
def test_no_control_escape_or_bidi_character_survives_a_block(text: str) -> None:
    out = safe.block(text)
    assert not any(forbidden(ch, multiline=True) for ch in out)


@settings(max_examples=300, deadline=None)
@given(printable)
def test_printable_text_is_kept(text: str) -> None:
    assert safe.block(text) == text
    assert safe.line(text) == re.sub(r"\s+", " ", text, flags=re.ASCII).strip(" ")


@settings(max_examples=200, deadline=None)
@given(hostile_text)
def test_cleaning_twice_changes_nothing(text: str) -> None:
    once = safe.block(text)
    assert safe.block(once) == once and safe.line(safe.line(text)) == safe.line(text)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x1b]52;c;ZXZpbA==\x07b", "ab"),  # OSC 52: write the clipboard
        ("a\x1b]2;title\x1b\\b", "ab"),  # OSC 2 ended by ST: retitle the terminal
        ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8 hyperlink
        ("\x1b[31mred\x1b[0m", "red"),  # CSI colours
        ("\x9b31mred", "red"),  # 8-bit CSI
        ("\x9d0;title\x9cafter", "after"),  # 8-bit OSC ended by 8-bit ST
        ("x\x1bPdcs data\x1b\\y", "xy"),  # DCS
        ("\u202eevil\u202c", "evil"),  # bidi override
        ("a\u200bb\u2060c", "abc"),  # zero-width and word joiner
        ("[bold]x[/] [link=file:///]y[/link]", "[bold]x[/] [link=file:///]y[/link]"),  # markup is only text here
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # emoji joiners kept
        ("one\ntwo\tthree\r\nfour", "one two three four"),
    ],
)
def test_known_attacks(raw: str, shown: str) -> None:
    assert safe.line(raw) == shown


def test_openable_links() -> None:
    assert safe.openable("https://news.test/a?b=c") == "https://news.test/a?b=c"
    assert safe.openable("HTTP://news.test/") == "HTTP://news.test/"
    for bad in (
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,x",
        "file:///etc/passwd",
        "vbscript:x",
        "http:///nohost",
        "//news.test/a",
        "\x1b]52;c;x\x07https://a.test",
        "ftp://a.test/",
    ):
        got = safe.openable(bad)
        assert got is None or got == "https://a.test", bad
    assert safe.openable("https://a.test/path with space") == "https://a.test/path%20with%20space"


@given(any_text)
def test_file_names_from_titles_cannot_escape_a_directory(title: str) -> None:
    name = safe.filename(title, ".md")
    assert "/" not in name and "\\" not in name and not name.startswith(".") and name.endswith(".md")
    assert 0 < len(name) <= 103 and not any(forbidden(ch, multiline=False) for ch in name)


def test_every_code_point_is_judged_as_unicodedata_says() -> None:
    """The fast regex classes are built from a list of blocks; check them against every code point there is."""
    for code in range(0x110000):
        ch = chr(code)
        cat = unicodedata.category(ch)
        unsafe = ch in BIDI or cat in ("Cc", "Cs") or (cat == "Cf" and ch != "\u200d") or ch in "\u2028\u2029"
        if unsafe and ch in "\x1b\x90\x98\x9b\x9d\x9e\x9f":  # they start sequences, which go whole
            assert ch not in safe.line(f"a{ch}b") and ch not in safe.block(f"a{ch}b"), hex(code)
        elif unsafe and ch not in "\t\n\r":
            assert safe.line(f"a{ch}b") in ("ab", "a b"), hex(code)
            assert safe.block(f"a{ch}b") in ("ab", "a\nb"), hex(code)


def test_the_prebuilt_classes_are_what_this_python_builds() -> None:
    """Start-up uses classes written into safe.py for Python 3.11's Unicode; they must equal the built ones."""
    assert safe._unsafe_class() == safe._LINE_CLASS
    assert safe._unsafe_class(keep="\t\n") == safe._BLOCK_CLASS
    if unicodedata.unidata_version in safe._PREBUILT:
        assert safe._PREBUILT[unicodedata.unidata_version] == (safe._LINE_CLASS, safe._BLOCK_CLASS)


def test_lone_surrogates_and_line_separators() -> None:
    assert safe.line("a\ud800b") == "ab"
    print(safe.block("x\udfffy").encode())  # encodable: print() would have raised
    assert safe.line("one\u2028two\u2029three\x85four") == "one two three four"
    assert safe.block("one\u2028two") == "one\ntwo"


def test_file_names_fit_a_file_system_in_bytes() -> None:
    name = safe.filename("Ж" * 300, ".md")
    assert len(name.encode()) <= 203 and name.endswith(".md") and name.startswith("Ж")
    assert len(safe.filename("漢" * 300, " (999).md").encode()) <= 255
    assert safe.filename("-rf --no-preserve-root", ".md") == "rf --no-preserve-root.md"
    assert safe.filename("../../.ssh/authorized_keys") == "ssh_authorized_keys"
    assert safe.filename("e\u0301te\u0301") == "été"  # composed, not a mark replaced by "_"
    assert safe.filename("\x1b]52;c;x\x07") == "story"


def test_document_drops_escapes_but_a_stray_c1_byte_does_not_swallow_the_page() -> None:
    # U+009D (an 8-bit OSC introducer) turns up in mis-decoded pages; as a sequence start it ate the whole body.
    page = "<p>caf\x9d menu</p>\n<p>\x1b]52;c;cHduZWQ=\x07second \x1b[31mred\x1b[0m</p>\n<p>third\x1b]2;title</p>"
    out = safe.document(page)
    assert out == "<p>caf menu</p>\n<p>second red</p>\n<p>third2;title</p>"
    assert not any(ch in out for ch in "\x1b\x07\x9d")
