"""Link a bullet to its place in the article with a URL text fragment (`#:~:text=`).

Follows the WICG Scroll-to-Text-Fragment syntax: `#:~:text=[prefix-,]start[,end][,-suffix]`.
Each term is percent-encoded as a URI component, and `-`, `,` and `&` (which the directive
syntax itself uses) are encoded too, so a sentence containing them still matches.
"""

from __future__ import annotations

import re
from urllib.parse import quote

#: A sentence longer than this (in words) is linked by its first and last words only.
LONG_SENTENCE_WORDS = 10
#: Words kept at each end of a long sentence (`start,end` form).
EDGE_WORDS = 4
# Only letters, digits and "_.~" stay as they are: "-" is unreserved in URLs but a separator
# in the text directive, and brackets or quotes would break links in chat markup.
_SAFE = "_.~"
_SURROUNDING_PUNCT = re.compile(r"^[\s\"“”'‘’«»(\[]+|[\s\"“”'‘’«»)\]]+$")


def encode_term(term: str) -> str:
    """Percent-encode one text-directive term (UTF-8), including `-`, `,` and `&`."""
    return quote(term, safe=_SAFE).replace("-", "%2D")


def text_fragment_url(url: str, source_sentence: str) -> str:
    """`url` with its fragment replaced by a text directive that finds `source_sentence`."""
    base = url.split("#", 1)[0]
    text = _SURROUNDING_PUNCT.sub("", " ".join(source_sentence.split()))
    words = text.split(" ")
    if not text:
        return base
    if len(words) > LONG_SENTENCE_WORDS:
        start = " ".join(words[:EDGE_WORDS])
        end = " ".join(words[-EDGE_WORDS:])
        directive = f"{encode_term(start)},{encode_term(end)}"
    else:
        directive = encode_term(text)
    return f"{base}#:~:text={directive}"
