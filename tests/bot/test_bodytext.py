"""Charset choice: only the WHATWG Encoding Standard's encodings and labels, as a browser reads."""

from __future__ import annotations

import pytest

from bot.bodytext import UNREADABLE_ENCODING, decode_body
from bot.errors import ExtractError

# Each non-web codec would change this text: utf-7 turns "+ADw-b+AD4-" into "<b>",
# unicode-escape turns "\u00e9" into "é", punycode drops the tail, EBCDIC garbles it all.
TRICKY = b"<p>Mayor-elect +ADw-b+AD4-wins+ADw-/b+AD4- \\u00e9 aGVsbG8=</p>"
NOT_WEB_ENCODINGS = [
    "punycode",
    "utf-7",
    "UTF7",
    "rot13",
    "uu",
    "base64",
    "hex",
    "zlib",
    "unicode-escape",
    "raw_unicode_escape",
    "idna",
    "utf-32",
    "cp037",
    "latin-1",  # a Python alias, not a WHATWG label ("latin1" is)
]


@pytest.mark.parametrize("label", NOT_WEB_ENCODINGS)
def test_a_header_label_browsers_do_not_know_is_ignored(label: str) -> None:
    assert decode_body(TRICKY, label, html=False) == (TRICKY.decode(), "utf-8")


@pytest.mark.parametrize("label", NOT_WEB_ENCODINGS)
def test_a_meta_label_browsers_do_not_know_is_ignored(label: str) -> None:
    page = b'<html><head><meta charset="' + label.encode() + b'"></head>' + TRICKY
    assert decode_body(page, None, html=True) == (page.decode(), "utf-8")


def test_an_unknown_header_label_falls_back_to_the_meta_charset() -> None:
    page = '<meta charset="koi8-r"><p>Привет</p>'.encode("koi8-r")
    assert decode_body(page, "utf-7", html=True) == (
        '<meta charset="koi8-r"><p>Привет</p>',
        "koi8-r",
    )


@pytest.mark.parametrize(
    ("label", "name", "text"),
    [
        (" Shift_JIS ", "shift_jis", "日本語のニュース"),
        ("x-sjis", "shift_jis", "日本語のニュース"),
        ("ks_c_5601-1987", "euc-kr", "한국어 뉴스"),
        ("gb2312", "gbk", "中文新闻"),
        ("latin1", "windows-1252", "café “quoted”"),
        ("us-ascii", "windows-1252", "café “quoted”"),
        ("iso-8859-1", "windows-1252", "café “quoted”"),
        ("ISO-8859-15", "iso-8859-15", "prix en €"),
    ],
)
def test_whatwg_labels_name_their_encoding(label: str, name: str, text: str) -> None:
    codec = {"windows-1252": "cp1252", "shift_jis": "cp932", "euc-kr": "cp949"}.get(name, name)
    assert decode_body(text.encode(codec), label, html=False) == (text, name)


def test_a_meta_utf16_label_means_utf8() -> None:
    # HTML's prescan: a page whose <meta> could be read as ASCII is not UTF-16.
    page = '<meta charset="utf-16"><p>café</p>'.encode()
    assert decode_body(page, None, html=True) == (page.decode(), "utf-8")


def test_a_bom_wins_over_any_label() -> None:
    assert decode_body(b"\xef\xbb\xbfcaf\xc3\xa9", "windows-1252", html=False) == ("café", "utf-8")
    assert decode_body(b"\xff\xfeh\x00i\x00", "utf-7", html=True) == ("hi", "utf-16le")
    assert decode_body(b"\xfe\xff\x00h\x00i", "iso-2022-kr", html=True) == ("hi", "utf-16be")


@pytest.mark.parametrize("label", ["iso-2022-kr", "hz-gb-2312", "iso-2022-cn", "csiso2022kr"])
def test_labels_browsers_refuse_to_decode_are_an_extract_error(label: str) -> None:
    # The WHATWG "replacement" encoding: a browser shows one U+FFFD; we say why.
    with pytest.raises(ExtractError, match=UNREADABLE_ENCODING):
        decode_body(b"<p>\x1b$)C\x0e!!\x0f</p>", label, html=False)
    with pytest.raises(ExtractError, match=UNREADABLE_ENCODING):
        decode_body(b'<meta charset="' + label.encode() + b'"><p>x</p>', None, html=True)


def test_a_utf8_page_labelled_windows_1252_is_read_as_utf8() -> None:
    body = "<p>Fares rise to £5 at the café — again.</p>".encode()
    for label in ("windows-1252", "iso-8859-1", "latin1"):
        assert decode_body(body, label, html=True) == (body.decode(), "utf-8")
    # a real Windows-1252 page stays Windows-1252
    legacy = "<p>Fares rise to £5 at the café — again.</p>".encode("cp1252")
    assert decode_body(legacy, "windows-1252", html=True) == (
        legacy.decode("cp1252"),
        "windows-1252",
    )
