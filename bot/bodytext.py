"""Fetched bytes to text: the page's charset (BOM, header, `<meta>`) or a PDF's text layer.

Pure functions with no network. Both can take long on big or hostile bodies, so callers run
them off the event loop.
"""

from __future__ import annotations

import codecs
import io
import logging
import re

import webencodings

from bot.errors import ExtractError

log = logging.getLogger(__name__)

#: Pages of a PDF whose text is extracted; a summary never needs more.
PDF_MAX_PAGES = 50
#: How much of a body's start is read to sniff its type (magic bytes) and `<meta charset>`.
SNIFF_BYTES = 4096
# Both <meta charset="x"> and <meta http-equiv="Content-Type" content="text/html; charset=x">.
_META_CHARSET = re.compile(
    rb"<meta[^>]{0,500}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]{1,40})", re.IGNORECASE
)
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UTF8 = webencodings.lookup("utf-8")
_WINDOWS_1252 = webencodings.lookup("windows-1252")
# HTML's <meta> prescan: a document that could be read far enough to find the tag is not
# UTF-16, and x-user-defined there means windows-1252.
_META_OVERRIDES = {"utf-16le": _UTF8, "utf-16be": _UTF8, "x-user-defined": _WINDOWS_1252}
UNREADABLE_ENCODING = "This page uses a character encoding that browsers refuse to read."


def decode_body(body: bytes, declared: str | None, *, html: bool) -> tuple[str, str]:
    """Decode to text: BOM, else declared charset, else `<meta>` charset (HTML), else UTF-8.

    Only the WHATWG Encoding Standard's encodings and labels count, as in a browser: a label
    such as "utf-7" or "punycode" is unknown and ignored (Python's codec for it may be slow or
    turn text into markup). Undecodable bytes become U+FFFD. A page labelled windows-1252 whose
    bytes are valid UTF-8 beyond ASCII is read as UTF-8: a mislabelled server, not "Â£1m".
    """
    if body.startswith(_BOMS):
        text, used = webencodings.decode(body, _UTF8, errors="replace")  # strips the BOM
        return text, used.name
    encoding = _label_encoding(declared)
    if encoding is None and html:
        match = _META_CHARSET.search(body[:SNIFF_BYTES])
        encoding = _label_encoding(match.group(1).decode("ascii") if match else None)
        if encoding is not None:
            encoding = _META_OVERRIDES.get(encoding.name, encoding)
    if encoding is None:
        encoding = _UTF8
    elif encoding.name == "replacement":
        # ISO-2022-KR, HZ and the like: browsers show U+FFFD rather than risk their decoders.
        raise ExtractError(UNREADABLE_ENCODING)
    elif encoding.name == "windows-1252" and (text := _utf8_beyond_ascii(body)) is not None:
        return text, "utf-8"
    return encoding.codec_info.decode(body, "replace")[0], encoding.name


def _label_encoding(label: str | None) -> webencodings.Encoding | None:
    """The WHATWG encoding a label names, or None for no label or one browsers don't know."""
    return webencodings.lookup(label) if label else None


def _utf8_beyond_ascii(body: bytes) -> str | None:
    """The body as UTF-8 text if it is valid UTF-8 with non-ASCII characters, else None."""
    if body.isascii():
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def pdf_text(data: bytes, max_pages: int = PDF_MAX_PAGES) -> str:
    """Text of the first `max_pages` pages (blocking; run it in a thread)."""
    from pypdf import PdfReader  # imported lazily: only PDF links pay for it

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")  # many "protected" PDFs only restrict printing or copying
        pages = [page.extract_text() or "" for page in reader.pages[:max_pages]]
    except Exception as exc:  # pypdf raises many types on damaged files
        log.debug("pdf extraction failed: %r", exc)
        raise ExtractError("I couldn't read the text of this PDF.") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise ExtractError("This PDF has no text I can read (it may be scanned images).")
    return text
