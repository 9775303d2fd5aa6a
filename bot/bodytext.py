"""Fetched bytes to text: the page's charset (BOM, header, `<meta>`) or a PDF's text layer.

Pure functions with no network; `pdf_text` is slow on big files, so callers run it in a thread.
"""

from __future__ import annotations

import codecs
import io
import logging
import re

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
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# WHATWG Encoding: these labels mean windows-1252 on the web.
_WINDOWS_1252_ALIASES = frozenset({"iso8859-1", "latin-1", "ascii"})


def decode_body(body: bytes, declared: str | None, *, html: bool) -> tuple[str, str]:
    """Decode to text: BOM, else declared charset, else `<meta>` charset (HTML), else UTF-8.

    Undecodable bytes become U+FFFD instead of failing the whole page. A page labelled
    Windows-1252 / Latin-1 whose bytes are valid UTF-8 with non-ASCII characters is read as
    UTF-8: that is a mislabelled server, and decoding it as labelled gives "Â£1m" for "£1m"
    (a real Windows-1252 text almost never happens to be valid multi-byte UTF-8).
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body.decode(codec, errors="replace"), codec.removesuffix("-sig")
    candidates = [declared]
    if html:
        match = _META_CHARSET.search(body[:SNIFF_BYTES])
        candidates.append(match.group(1).decode("ascii") if match else None)
    for label in candidates:
        codec = _codec(label)
        if codec is None:
            continue
        if codec == "cp1252" and (text := _utf8_beyond_ascii(body)) is not None:
            return text, "utf-8"
        try:
            return body.decode(codec, errors="replace"), codec
        except (LookupError, UnicodeError, ValueError):
            continue  # e.g. a bytes-to-bytes codec such as "zlib" named as a charset
    return body.decode("utf-8", errors="replace"), "utf-8"


def _utf8_beyond_ascii(body: bytes) -> str | None:
    """The body as UTF-8 text if it is valid UTF-8 with non-ASCII characters, else None."""
    if body.isascii():
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip()).name
    except LookupError:
        return None
    return "cp1252" if name in _WINDOWS_1252_ALIASES else name


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
