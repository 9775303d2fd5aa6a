"""Is this page the article, or a wall in front of it? The gate every extracted body passes.

Extractors happily return a cookie banner, a paywall teaser or a "verify you are human" page
as if it were the article (PLATFORM.md section 4); this module says which, so the reply can
be honest instead of summarizing the wall.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.errors import ExtractError
from summarizer import unspaced_share, word_count

#: Below either bound the body is a teaser, a stub or a wall, not an article worth summarizing.
#: Words as `word_count` counts them; the character bound is for spaced scripts only (500
#: characters of Japanese hold some 250 words).
MIN_BODY_CHARS = 500
MIN_BODY_WORDS = 80

HOW_TO = "Paste the article text with /summarize to get a summary."
MESSAGES = {
    "no_text": (
        "I couldn't find any readable text on this page. It may build its content with "
        f"JavaScript, which I don't run. {HOW_TO}"
    ),
    "too_short": (
        "This page has too little text to summarize (it may be a short teaser, a video or a "
        f"photo page). {HOW_TO}"
    ),
    "paywall": (
        f"This page looks paywalled; I only see a teaser and a subscription offer. {HOW_TO}"
    ),
    "cookie_wall": (
        "This page shows a cookie/consent wall instead of the article, and I can't click "
        f"through it. {HOW_TO}"
    ),
    "bot_wall": (
        "This page shows a bot check or asks for JavaScript instead of the article, so I can't "
        f"read it. {HOW_TO}"
    ),
    "login": f"This page asks you to sign in before showing the article. {HOW_TO}",
    "table": (
        "This page is mostly a table (standings, results or listings), not an article I can "
        f"sum up in bullets. {HOW_TO}"
    ),
    "link_page": (
        "This page is mostly a list of links (a front page or index), not a single article. "
        "Send the link of the article itself."
    ),
}

# Phrases are matched case-insensitively on word boundaries. Keep them specific: a single word
# like "cookies" or "subscribe" occurs in ordinary articles and must not reject them.
PAYWALL_PHRASES = (
    # en
    "subscribe to continue", "subscribe to read", "subscribe to keep reading",
    "subscribe now to continue", "subscribe to unlock", "already a subscriber",
    "already subscribed", "this content is for subscribers", "this article is for subscribers",
    "for subscribers only", "subscribers only", "exclusive to subscribers",
    "become a subscriber", "start your subscription", "to continue reading",
    "continue reading with", "free articles remaining", "reached your limit of free articles",
    "unlock this article", "unlock unlimited access",
    # de
    "jetzt abonnieren", "bereits abonnent", "schon abonnent", "nur für abonnenten",
    "exklusiv für abonnenten", "um weiterzulesen", "weiterlesen mit",
    # fr
    "déjà abonné", "réservé aux abonnés", "abonnez-vous pour lire", "pour lire la suite",
    # es
    "ya eres suscriptor", "ya soy suscriptor", "suscríbete para seguir leyendo",
    "exclusivo para suscriptores", "para seguir leyendo",
)
COOKIE_PHRASES = (
    # en
    "we use cookies", "this site uses cookies", "this website uses cookies", "use of cookies",
    "accept all", "accept cookies", "reject all", "manage preferences", "manage cookies",
    "cookie settings", "cookie preferences", "your privacy choices", "privacy settings",
    "legitimate interest", "our partners", "store and/or access information on a device",
    "personalised ads", "personalized ads", "your consent", "withdraw consent",
    "manage consent",
    # de
    "wir verwenden cookies", "diese website verwendet cookies", "alle akzeptieren",
    "alle ablehnen", "einstellungen verwalten", "datenschutzeinstellungen",
    "ihre einwilligung",
    # fr
    "nous utilisons des cookies", "tout accepter", "tout refuser", "gérer mes préférences",
    "paramètres des cookies", "votre consentement",
    # es
    "utilizamos cookies", "usamos cookies", "aceptar todo", "rechazar todo",
    "gestionar preferencias", "configuración de cookies", "su consentimiento",
    "tu consentimiento",
)
BOT_WALL_PHRASES = (
    # en
    "enable javascript", "javascript is disabled", "javascript is required",
    "requires javascript", "turn on javascript", "browser supports javascript",
    "verify you are human", "verify you are a human", "are you a robot", "not a robot",
    "checking your browser", "checking if the site connection is secure", "just a moment",
    "complete the security check", "unusual traffic", "solve the captcha",
    "complete the captcha", "access denied",
    # de
    "javascript aktivieren", "aktivieren sie javascript", "kein roboter", "sind sie ein mensch",
    # fr
    "activer javascript", "activez javascript", "pas un robot", "êtes humain",
    # es
    "habilita javascript", "activa javascript", "no soy un robot", "eres humano",
)
LOGIN_PHRASES = (
    # en
    "sign in to continue", "log in to continue", "login to continue", "sign in to read",
    "log in to read", "please sign in", "please log in", "sign in to your account",
    "log in to your account", "forgot your password", "forgot password", "remember me",
    "you must be logged in", "create an account",
    # de
    "anmelden, um fortzufahren", "bitte melden sie sich an", "passwort vergessen",
    "angemeldet bleiben",
    # fr
    "connectez-vous pour continuer", "mot de passe oublié", "rester connecté",
    # es
    "inicia sesión para continuar", "olvidaste tu contraseña", "recordarme",
)


def _pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    alternatives = sorted((re.escape(p) for p in phrases), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


@functools.cache
def _walls() -> dict[str, re.Pattern[str]]:
    """The wall patterns, compiled at the first page (a pasted text never needs them)."""
    return {
        "paywall": _pattern(PAYWALL_PHRASES),
        "cookie_wall": _pattern(COOKIE_PHRASES),
        "bot_wall": _pattern(BOT_WALL_PHRASES),
        "login": _pattern(LOGIN_PHRASES),
    }

#: A wall "dominates" a text when lines containing its phrases make up this share of it.
WALL_SHARE = 0.35
#: Share of the page's visible text that sits inside links, above which it is a link page.
LINK_SHARE = 0.6
#: A body whose table rows hold this share of its text, with too little prose beside them, is
#: a table page (standings, results, prices): it gets its own refusal, not row "bullets".
TABLE_SHARE = 0.5


class PageRejected(ExtractError):
    """An `ExtractError` that also says which gate rejected the page (for logs and metrics)."""

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(message or MESSAGES[reason])
        self.reason = reason


# --- page facts --------------------------------------------------------------------------------

_INVISIBLE = ("script", "style", "template", "svg", "head", "iframe", "object")
_BLOCKS = frozenset(
    "address article aside blockquote body br button dd div dl dt figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav noscript ol p pre section table td th tr ul"
    .split()
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_NOT_FREE = re.compile(r'"isAccessibleForFree"\s*:\s*"?false', re.IGNORECASE)


@dataclass(frozen=True)
class PageFacts:
    """What the gate needs to know about the whole page, beyond trafilatura's main text."""

    #: Visible text of <body>, one line per block element (noscript included: it names walls).
    visible_text: str = ""
    link_chars: int = 0
    #: Normalized texts of the page's links, to spot a body that is only headlines.
    link_texts: frozenset[str] = frozenset()
    html_lang: str | None = None
    has_password_field: bool = False
    #: JSON-LD isAccessibleForFree=false: how publishers mark paywalled articles for search.
    not_free: bool = False

    @classmethod
    def from_html(cls, html: str) -> PageFacts:
        if not html or not html.strip():
            return cls()
        import lxml.html  # here, not at the top: text input never parses HTML
        from lxml import etree

        try:
            # lxml refuses str input that carries an encoding declaration (XHTML pages).
            root = lxml.html.document_fromstring(_XML_DECLARATION.sub("", html, count=1))
        except (etree.ParserError, ValueError):
            return cls()
        not_free = any(
            _NOT_FREE.search(s.text or "")
            for s in root.iter("script")
            if (s.get("type") or "").lower() == "application/ld+json"
        )
        has_password = any((i.get("type") or "").lower() == "password" for i in root.iter("input"))
        for el in list(root.iter(*_INVISIBLE)):
            if el.getparent() is not None:
                el.drop_tree()
        scope = root.find("body")
        if scope is None:
            scope = root
        links = [" ".join(a.text_content().split()) for a in scope.iter("a")]
        for el in scope.iter(*_BLOCKS):  # iterative, so deep trees cannot hit the recursion limit
            el.text = "\n" + (el.text or "")
            el.tail = "\n" + (el.tail or "")
        return cls(
            visible_text=squash_lines(scope.text_content().split("\n")),
            link_chars=sum(len(t) for t in links),
            link_texts=frozenset(t.casefold() for t in links if t),
            html_lang=lang_code(root.get("lang")),
            has_password_field=has_password,
            not_free=not_free,
        )

    @property
    def link_share(self) -> float:
        chars = len(self.visible_text.replace("\n", ""))
        return self.link_chars / chars if chars else 0.0


# --- the gate ----------------------------------------------------------------------------------


def check_page(body: str, page: PageFacts) -> None:
    """Raise `PageRejected` unless `body` reads as the article itself; say why when it doesn't."""
    if table_share(body) >= TABLE_SHARE and too_short(prose_only(body)):
        raise PageRejected("table")
    short = too_short(body)
    if not short:
        wall = dominant_wall(body)
        if wall:
            raise PageRejected(wall)
        if _teaser_then_paywall(body):
            raise PageRejected("paywall")
        if page.link_share >= LINK_SHARE and _link_lines_share(body, page) >= 0.5:
            raise PageRejected("link_page")
        return
    # Too short for an article: say why, if the page tells us.
    if not page.visible_text:
        raise PageRejected("no_text")
    wall = _likely_wall(body, page)
    if wall:
        raise PageRejected(wall)
    if page.link_share >= LINK_SHARE:
        raise PageRejected("link_page")
    if not body:
        raise PageRejected("no_text")
    raise PageRejected("too_short")


def too_short(body: str, min_chars: int = MIN_BODY_CHARS, min_words: int = MIN_BODY_WORDS) -> bool:
    """Too little text for an article, in words (any script) and, for spaced text, characters."""
    if word_count(body) < min_words:
        return True
    return len(body) < min_chars and unspaced_share(body) < 0.5


def _wall_shares(text: str) -> dict[str, tuple[float, int]]:
    """Per wall kind: (share of text in lines that contain its phrases, number of hits)."""
    lines = [line for line in text.split("\n") if line.strip()]
    total = sum(len(line) for line in lines) or 1
    shares = {}
    for kind, pattern in _walls().items():
        hits = [len(pattern.findall(line)) for line in lines]
        chars = sum(len(line) for line, n in zip(lines, hits, strict=True) if n)
        shares[kind] = (chars / total, sum(hits))
    return shares


def dominant_wall(text: str) -> str | None:
    """The wall kind whose lines make up most of `text`, if any passes `WALL_SHARE`."""
    shares = _wall_shares(text)
    kind, (share, hits) = max(shares.items(), key=lambda kv: kv[1])
    return kind if share >= WALL_SHARE and hits >= 1 else None


def _likely_wall(body: str, page: PageFacts) -> str | None:
    """For a short body: which wall, judged on the whole page, explains the missing article."""
    if page.not_free:
        return "paywall"
    scores: dict[str, float] = {}
    for kind, (share, hits) in _wall_shares(page.visible_text).items():
        in_body = bool(_walls()[kind].search(body))
        if kind == "cookie_wall":
            # Cookie banners sit on nearly every page: they explain a short body only when
            # they make up a real part of the page or of what trafilatura kept.
            counts = hits >= 2 and (share >= 0.15 or in_body)
        else:
            counts = hits >= 1
        if counts:
            scores[kind] = share + 0.1 * min(hits, 5) + (0.5 if in_body else 0.0)
    if page.has_password_field:
        scores["login"] = scores.get("login", 0.0) + 0.5
    return max(scores, key=scores.__getitem__) if scores else None


def _teaser_then_paywall(body: str) -> bool:
    """A teaser that clears the length bar but ends in a subscription box is still a paywall.

    Two phrases are needed: a lone "Already a subscriber? Sign in" closes many free articles.
    """
    if word_count(body) >= 300:
        return False
    tail = body[-max(200, len(body) // 4):]
    return len(_walls()["paywall"].findall(tail)) >= 2


def _link_lines_share(body: str, page: PageFacts) -> float:
    """Share of the body made of lines that are the text of a link on the page (headlines)."""
    lines = [line for line in body.split("\n") if line]
    total = sum(len(line) for line in lines)
    linked = sum(len(line) for line in lines if line.casefold() in page.link_texts)
    return linked / total if total else 0.0


# --- tables and date lines ---------------------------------------------------------------------

# trafilatura writes a table as "| cell | cell |" lines under a "|---|---|" rule; a row copied
# from elsewhere may have lost its outer bars ("6 | Ryan Blaney | 2339 | 1").
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)+\|?$")
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_WEEKDAYS = r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs(?:day)?)?|fri(?:day)?|" \
    r"sat(?:urday)?|sun(?:day)?"
# A line made only of a date and/or a time: "November 20, 2026", "Fri 20 Nov 2026 09.30 GMT",
# "2026-11-20T09:00:00Z", "Updated: 20/11/2026, 9:30 am". Nothing in it to summarize.
_DATE_LINE = re.compile(
    rf"^(?:(?:published|updated|posted|last\s+updated|on|at)\b:?|{_MONTHS}|{_WEEKDAYS}|"
    r"\d{1,4}(?:st|nd|rd|th)?|[ap]\.?m\.?|gmt|utc|bst|cet|cest|[ecmp][sd]?t|z|t(?=\d)|"
    r"[\s,./:\-–—|()+]|年|月|日|時|分)+$",
    re.IGNORECASE,
)


def is_table_row(line: str) -> bool:
    """A row (or the rule) of a table as extracted text: cells between bars, none of them prose."""
    if _TABLE_RULE.match(line.strip()):
        return True
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    return len(cells) >= 3 and all(word_count(c) <= 6 for c in cells)


def is_date_line(line: str) -> bool:
    """A line holding only a date and/or a time (a dateline or a "last updated" stamp)."""
    text = line.strip()
    return bool(text) and any(ch.isdigit() for ch in text) and bool(_DATE_LINE.match(text))


def table_share(body: str) -> float:
    """Share of the body's characters that sit in table rows."""
    lines = [line for line in body.split("\n") if line.strip()]
    total = sum(len(line) for line in lines)
    rows = sum(len(line) for line in lines if is_table_row(line))
    return rows / total if total else 0.0


def prose_only(body: str) -> str:
    """`body` without table rows and date-only lines, so neither becomes a bullet; unchanged
    when nothing else is left (a table-only text is the gate's business)."""
    lines = body.split("\n")
    kept = [line for line in lines if not (is_table_row(line) or is_date_line(line))]
    return "\n".join(kept) if any(line.strip() for line in kept) else body


# --- text helpers ------------------------------------------------------------------------------


def squash_lines(lines: Iterable[str]) -> str:
    """Whitespace inside each line collapsed, empty lines dropped, joined with newlines."""
    out = (" ".join(line.split()) for line in lines)
    return "\n".join(line for line in out if line)


def lang_code(value: str | None) -> str | None:
    if not value:
        return None
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None
