"""What a failed fetch tells the user: one plain sentence per status, type, size or network
failure, shared by article and feed fetching."""

from __future__ import annotations

import errno
import re
from http import HTTPStatus
from typing import TYPE_CHECKING

from bot.errors import FetchError

if TYPE_CHECKING:
    import aiohttp

MALFORMED = "That link is not a valid web address."
_MIME_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,40}/[a-z0-9][a-z0-9!#$&^_.+-]{0,60}$")


def check_status(status: int) -> None:
    """Nothing for a 2xx; otherwise the `FetchError` a chat user reads for that status."""
    if 200 <= status < 300:
        return
    # Standard phrases only: a server-chosen reason text is not shown to chat users.
    try:
        phrase = f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        phrase = str(status)
    if status in (401, 403):
        raise FetchError(
            f"The site refused access ({phrase}); the article may be behind a paywall "
            "or the site may block bots."
        )
    if status == 429:
        raise FetchError(f"The site is limiting requests ({phrase}); try again later.")
    if 400 <= status < 500:
        raise FetchError(f"The site answered {phrase}.")
    if status >= 500:
        raise FetchError(f"The site had a problem ({phrase}); try again later.")
    raise FetchError(f"The site answered {phrase}, which is not a page I can read.")


def wrong_type(ctype: str) -> str:
    """What to say of a content type the bot does not read."""
    if not _MIME_RE.match(ctype):
        return "This link is a file of an unsupported type, not an article."
    major = ctype.split("/", 1)[0]
    noun = {"image": "an image", "video": "a video", "audio": "an audio file"}.get(major, "a file")
    return f"This link is {noun} ({ctype}), not an article."


def too_large(limit: int) -> FetchError:
    """The error for a body over `limit` bytes, in units a person reads."""
    if limit >= 1_000_000:
        size = f"{limit / 1_000_000:g} MB"
    elif limit >= 1_000:
        size = f"{limit / 1_000:g} KB"
    else:
        size = f"{limit} bytes"
    return FetchError(f"The page is larger than {size}, so I didn't download it.")


def client_error(exc: aiohttp.ClientError) -> FetchError:
    """aiohttp's failure, said plainly (no server-chosen text reaches a chat user)."""
    import aiohttp

    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return FetchError("The site's security certificate is not valid, so I didn't trust it.")
    if isinstance(exc, aiohttp.ClientSSLError):
        return FetchError("I couldn't set up a secure (TLS) connection to the site.")
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return FetchError("I couldn't find that site: its name doesn't resolve to an address.")
    if isinstance(exc, aiohttp.ClientConnectorError):
        if exc.os_error.errno == errno.ECONNREFUSED:
            return FetchError("The site refused the connection.")
        return FetchError("I couldn't connect to the site.")
    if isinstance(exc, aiohttp.ClientPayloadError | aiohttp.ServerDisconnectedError):
        return FetchError("The site closed the connection before the page finished loading.")
    if isinstance(exc, aiohttp.InvalidURL):
        return FetchError(MALFORMED)
    if isinstance(exc, aiohttp.ClientResponseError):
        return FetchError("The site sent a response I couldn't understand.")
    return FetchError("I couldn't fetch that link because of a network error.")
