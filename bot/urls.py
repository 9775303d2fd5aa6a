"""Find links in chat messages and normalise them into stable cache keys.

Built on `urllib.parse` rather than courlan: courlan keeps fragments and Unicode hosts and
applies its own heuristics (it drops a plain `ref` parameter, for instance), while cache keys
need a small, exact rule set we can state and test. Hosts are IDNA-encoded the way yarl (and
so aiohttp) encodes them, so a key names the host the fetcher will actually contact.
"""

from __future__ import annotations

import html
import ipaddress
import re
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

import idna

from bot.errors import BlockedURLError, UsageError

#: Query parameters that only track the click and never change the page (compared lower-cased).
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "twclid", "ttclid", "li_fat_id", "igshid", "igsh", "mc_cid", "mc_eid", "mkt_tok",
        "ref_src", "ref_url", "_ga", "_gl", "_hsenc", "_hsmi", "_openstat", "spm", "scm",
        "vero_id", "vero_conv", "oly_anon_id", "oly_enc_id", "rb_clickid", "s_cid",
        "wickedid", "ncid", "cmpid", "sr_share",
    }
)  # fmt: skip
#: Parameter-name prefixes of whole tracking families (utm_source, mtm_campaign, hsa_ad ...).
TRACKING_PREFIXES = ("utm_", "mtm_", "hsa_", "pk_campaign", "pk_kwd")

ALLOWED_SCHEMES = frozenset({"http", "https"})
#: Schemes without "//" that still mean "a link", so they get the scheme refusal, not "malformed".
_OPAQUE_SCHEMES = frozenset({"javascript", "data", "mailto", "file", "about", "blob", "vbscript"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
SCHEME_REFUSAL = "Only http and https links can be summarized."
# Messages never echo the URL: it is user text an adapter might render unescaped.
_MALFORMED = "That link is not a valid web address."
_NO_SCHEME = "A link must start with http:// or https://."
_BAD_HOST = "That link has an invalid host name."

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_URLISH_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://\S+$")
# Whitespace, controls and backslashes: browsers, urllib and yarl disagree on what they mean.
_BAD_CHARS_RE = re.compile(r"[\x00-\x20\x7f\\]")
_HOST_RE = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$")

# Chat markup, most specific first so a Slack/markdown link is consumed whole.
_CODE_BLOCK_RE = re.compile(r"```.*?```", re.DOTALL)
_INLINE_CODE_RE = re.compile(r"`[^`\n]*`")
_LINK_RE = re.compile(
    r"<(?P<angle>https?://[^\s<>|]+)(?:\|[^>]*)?>"  # Slack <url|label>, Slack/Discord <url>
    r"|\[[^\]\n]*\]\(\s*<?(?P<md>https?://[^\s<>()]+(?:\([^\s<>()]*\)[^\s<>()]*)*)>?\s*\)"
    r"|(?P<bare>https?://[^\s<>`\"]+)",
    re.IGNORECASE,
)
_TRAILING_PUNCT = ".,;:!?'\"*_~。、，！？：；…»”’"
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def find_links(text: str, max_links: int = 3) -> list[str]:
    """Return up to `max_links` http(s) URLs from a chat message, in order, without duplicates.

    Code blocks and inline code are skipped: a link inside them is being shown, not shared.
    """
    if max_links < 1:
        return []
    text = _CODE_BLOCK_RE.sub(" ", text)
    text = _INLINE_CODE_RE.sub(" ", text)
    found: list[str] = []
    seen: set[str] = set()
    for match in _LINK_RE.finditer(text):
        if match.group("angle"):
            # Slack escapes &, < and > inside message text, including inside links.
            url = html.unescape(match.group("angle"))
        elif match.group("md"):
            url = match.group("md")
        else:
            url = _trim_bare(match.group("bare"))
        try:
            key = normalize_url(url)
        except (UsageError, BlockedURLError):
            continue
        if key in seen:
            continue
        seen.add(key)
        found.append(url)
        if len(found) >= max_links:
            break
    return found


def looks_like_url(text: str) -> bool:
    """True if `text` is meant as a link (any scheme), so callers can tell it from a file path."""
    text = text.strip()
    if _URLISH_RE.match(text):
        return True
    scheme = _SCHEME_RE.match(text)
    return bool(scheme) and scheme.group(1).lower() in _OPAQUE_SCHEMES


def normalize_url(url: str) -> str:
    """Canonical form of an http(s) URL for cache keys and de-duplication.

    Lower-cases scheme and host, IDNA-encodes the host, drops default ports, the fragment and
    tracking parameters, sorts the remaining parameters by name and keeps the path as written.
    Raises `BlockedURLError` for other schemes or embedded credentials, `UsageError` if malformed.
    """
    parts = split_http_url(url)
    scheme = parts.scheme.lower()
    host = canonical_host(parts.hostname or "")
    port = _port(parts)
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = _clean_query(parts.query)
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def split_http_url(url: str) -> SplitResult:
    """Split `url` after checking it is an absolute http(s) URL without credentials."""
    if not isinstance(url, str) or not url.strip():
        raise UsageError("That link is empty.")
    url = url.strip().split("#", 1)[0]  # the fragment never reaches the server
    if _BAD_CHARS_RE.search(url):
        raise UsageError(_MALFORMED)
    scheme = _SCHEME_RE.match(url)
    if not scheme:
        raise UsageError(_NO_SCHEME)
    name = scheme.group(1).lower()
    if name not in ALLOWED_SCHEMES:
        if "://" in url or name in _OPAQUE_SCHEMES:
            raise BlockedURLError(SCHEME_REFUSAL)
        raise UsageError(_NO_SCHEME)
    try:
        parts = urlsplit(url)
    except ValueError:
        raise UsageError(_MALFORMED) from None
    if not url[len(name) + 1 :].startswith("//") or not parts.hostname:
        raise UsageError("That link has no host name.")
    if "@" in parts.netloc:
        raise BlockedURLError("Links with a user name or password in them can't be summarized.")
    _port(parts)
    return parts


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port
    except ValueError:
        raise UsageError("That link has an invalid port number.") from None


def canonical_host(host: str) -> str:
    """IDNA-encode like yarl does: ASCII as is, else IDNA 2008 (UTS 46), else IDNA 2003."""
    host = host.rstrip(".")
    if not host:
        raise UsageError("That link has no host name.")
    if ":" in host:
        try:
            return f"[{ipaddress.IPv6Address(host.split('%', 1)[0]).compressed}]"
        except ValueError:
            raise UsageError("That link has an invalid IP address.") from None
    if host.isascii():
        ascii_host = host.lower()
    else:
        try:
            ascii_host = idna.encode(host, uts46=True).decode("ascii")
        except UnicodeError:
            try:
                ascii_host = host.encode("idna").decode("ascii")
            except UnicodeError:
                raise UsageError(_BAD_HOST) from None
    if not _HOST_RE.match(ascii_host):
        raise UsageError(_BAD_HOST)
    return ascii_host


def _is_tracking(name: str) -> bool:
    name = unquote(name).lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _clean_query(query: str) -> str:
    # Work on the raw pairs: re-encoding would change what some servers see. Sorting by name
    # only (stable) keeps the order of repeated keys, which some sites depend on.
    pairs = [p for p in query.split("&") if p and not _is_tracking(p.split("=", 1)[0])]
    pairs.sort(key=lambda p: p.split("=", 1)[0])
    return "&".join(pairs)


def _trim_bare(url: str) -> str:
    """Strip sentence punctuation and unbalanced closing brackets glued to a bare URL."""
    while url:
        last = url[-1]
        if last in _TRAILING_PUNCT:
            url = url[:-1]
        elif last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last]):
            url = url[:-1]
        else:
            break
    return url
