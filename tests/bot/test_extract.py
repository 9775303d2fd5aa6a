"""Extraction and the quality gate, on small fictional pages written for these tests."""

from __future__ import annotations

import threading

import pytest

from bot.errors import ExtractError
from bot.extract import Article, article_from_text, extract_article
from bot.pagegate import MESSAGES, PageRejected

URL = "https://www.courier.example/news/tram-bridge"

NAV = """
<header><a href="/">The Harbourton Courier</a>
<nav><ul><li><a href="/news">News</a></li><li><a href="/politics">Politics</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/culture">Culture</a></li>
<li><a href="/login">Sign in</a></li></ul></nav></header>
"""
FOOTER = """
<footer><ul><li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li>
<li><a href="/privacy">Privacy policy</a></li><li><a href="/jobs">Jobs at the Courier</a></li></ul>
<p>Copyright 2024 Harbourton Courier Media Ltd. All rights reserved.</p></footer>
"""
COOKIE_BANNER = """
<div id="cookie-banner" class="cookie-consent">
<p>We use cookies to improve your experience. By clicking Accept all you agree to the storing
of cookies on your device.</p><button>Accept all</button><button>Manage preferences</button>
</div>
"""
ARTICLE_PARAS = [
    "The Harbourton city council voted on Tuesday evening to restore the old tram bridge over "
    "the Welland river, ending a dispute that has divided the town for almost a decade.",
    "The plan, approved by nine votes to four, sets aside 14 million euros for repairs to the "
    "steel arches and the stone piers, which engineers say have been weakened by repeated "
    "flooding since the bridge was closed to traffic in 2015.",
    "Deputy mayor Ilse Ferreira said the decision would reconnect the northern districts with "
    "the harbour and give cyclists a safe route into the centre. She told the chamber that the "
    "bridge was part of the town's identity and that demolishing it would have cost nearly as "
    "much as repairing it.",
    "Opponents argued that the money would be better spent on the new school in Eastfield, "
    "where classes are currently held in temporary buildings. Councillor Tomas Berg said the "
    "vote ignored the wishes of young families and promised to raise the issue again during "
    "next year's budget talks.",
    "Work is expected to begin in the autumn and to last about two years. During that time, a "
    "temporary footbridge will carry pedestrians across the river, and the ferry service "
    "between the two quays will run every fifteen minutes instead of every half hour.",
    "The regional heritage office welcomed the decision and said it would contribute a further "
    "two million euros if the restoration kept the original ironwork. A public exhibition of "
    "the restoration plans will open at the town library next month.",
]


def article_page(extra: str = "") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in ARTICLE_PARAS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Council approves restoration of the old tram bridge | The Harbourton Courier</title>
<meta property="og:site_name" content="The Harbourton Courier">
<meta property="og:title" content="Council approves restoration of the old tram bridge">
<meta name="author" content="Mara Lindqvist">
<meta property="article:published_time" content="2024-03-12T18:30:00+01:00">
</head><body>
{NAV}
{COOKIE_BANNER}
<main><article>
<h1>Council approves restoration of the old tram bridge</h1>
<p class="byline">By <span class="author">Mara Lindqvist</span>,
<time datetime="2024-03-12">12 March 2024</time></p>
{body}
{extra}
<div class="share"><a href="https://facebook.example/share">Share on Facebook</a>
<a href="https://x.example/share">Share on X</a><a href="mailto:?subject=bridge">Share by email</a>
</div>
</article>
<aside><h2>Most read</h2><ul><li><a href="/a">Ferry timetable changes from May</a></li>
<li><a href="/b">New bakery opens on Quay Street</a></li></ul></aside>
</main>
{FOOTER}
<script>window.dataLayer = [];</script>
</body></html>"""


def page(inner: str, lang: str = "en", head: str = "") -> str:
    return (
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>Courier</title>"
        f"{head}</head><body>{NAV}{inner}{FOOTER}</body></html>"
    )


PAYWALL = page("""<main><article><h1>Inside the fight over Harbourton's water prices</h1>
<p>For three years the town's water company has raised prices faster than inflation, and
residents in the northern districts say they have had enough.</p>
<p>At a packed meeting in the library hall on Monday, more than two hundred people</p>
<div class="paywall"><h2>Subscribe to continue reading</h2>
<p>Get unlimited access to the Harbourton Courier from 1 euro a week. Cancel anytime.</p>
<a href="/subscribe">Subscribe now</a><p>Already a subscriber? <a href="/login">Sign in</a></p>
</div></article></main>""")

COOKIE_WALL = page("""<div class="consent-wall"><h2>We value your privacy</h2>
<p>We use cookies and similar technologies to store and/or access information on a device. We
and our partners use data for personalised ads and content, ad and content measurement,
audience research and services development.</p>
<p>With your consent, we and our 142 partners may use precise geolocation data and
identification through device scanning. You may click to give your consent to our and our
partners' processing as described above.</p>
<p>Alternatively you may click Manage preferences to refuse consent or access more detailed
information. Some partners process your data based on legitimate interest, which you can
object to.</p>
<button>Accept all</button><button>Reject all</button><button>Manage preferences</button></div>
""")

JS_WALL = """<!DOCTYPE html><html lang="en"><head><title>Just a moment...</title></head><body>
<div class="main"><h1>courier.example</h1>
<h2>Checking your browser before accessing courier.example.</h2>
<p>Please enable JavaScript and cookies to continue.</p>
<p>Verify you are human by completing the action below.</p>
<noscript>JavaScript is required to view this site.</noscript></div>
<script>var challenge = 1;</script></body></html>"""

LOGIN = page("""<main><h1>Sign in</h1><p>Please sign in to continue reading this article.</p>
<form action="/login" method="post"><label>Email <input type="email" name="email"></label>
<label>Password <input type="password" name="password"></label>
<label><input type="checkbox"> Remember me</label><button>Sign in</button></form>
<p><a href="/reset">Forgot your password?</a></p>
<p>New here? <a href="/register">Create an account</a></p></main>""")

HEADLINES = [
    "Ferry timetable changes from May", "New bakery opens on Quay Street",
    "Harbourton FC wins cup semi-final", "Library extends weekend opening hours",
    "Storm warning for the coast this weekend", "School board elects new chair",
    "Road works on the ring road until June", "Museum shows forgotten harbour photographs",
]
LINK_FARM = page(
    "<main><h1>Latest news</h1><ul>"
    + "".join(
        f"<li><a href='/story/{i}'>{HEADLINES[i % len(HEADLINES)]} (part {i})</a></li>"
        for i in range(40)
    )
    + "</ul></main>"
)

SPA_SHELL = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Courier</title>
<script src="/static/js/main.3f2a.js" defer></script></head>
<body><div id="root"></div>
<script>window.__INITIAL_STATE__ = {"page": "article", "id": 4411};</script></body></html>"""

GERMAN_PARAS = [
    "Der Stadtrat von Hafenstedt hat am Dienstagabend beschlossen, die alte Straßenbahnbrücke "
    "über die Welle zu sanieren. Damit endet ein Streit, der die Stadt fast zehn Jahre lang "
    "beschäftigt hat.",
    "Der Plan wurde mit neun zu vier Stimmen angenommen und sieht 14 Millionen Euro für die "
    "Reparatur der Stahlbögen und der Steinpfeiler vor. Nach Angaben der Ingenieure wurden sie "
    "durch wiederholte Hochwasser geschwächt, seit die Brücke im Jahr 2015 für den Verkehr "
    "gesperrt wurde.",
    "Die stellvertretende Bürgermeisterin Ilse Ferreira sagte, die Entscheidung verbinde die "
    "nördlichen Stadtteile wieder mit dem Hafen und gebe Radfahrern einen sicheren Weg in die "
    "Innenstadt.",
    "Gegner der Sanierung meinten, das Geld wäre für die neue Schule in Ostfeld besser "
    "angelegt, wo der Unterricht derzeit in Containern stattfindet. Die Bauarbeiten sollen im "
    "Herbst beginnen und etwa zwei Jahre dauern.",
]
GERMAN = page(
    "<main><article><h1>Stadtrat beschließt Sanierung der alten Brücke</h1>"
    + "".join(f"<p>{p}</p>" for p in GERMAN_PARAS)
    + "</article></main>",
    lang="de",
)


def rejected(html: str) -> PageRejected:
    with pytest.raises(ExtractError) as info:
        extract_article(html, URL)
    assert isinstance(info.value, PageRejected)
    return info.value


# --- a proper article ---------------------------------------------------------------------------


def test_article_body_excludes_boilerplate_and_keeps_every_paragraph():
    article = extract_article(article_page(), URL)
    assert article.text.split("\n") == ARTICLE_PARAS
    for boilerplate in ("We use cookies", "Accept all", "Share on Facebook", "Most read",
                        "Copyright 2024", "Politics", "dataLayer", "By Mara"):
        assert boilerplate not in article.text


def test_article_metadata():
    article = extract_article(article_page(), URL)
    assert article.title == "Council approves restoration of the old tram bridge"
    assert article.site_name == "The Harbourton Courier"
    assert article.author == "Mara Lindqvist"
    assert article.date == "2024-03-12"
    assert article.language == "en"
    assert article.url == URL
    assert article.word_count == sum(len(p.split()) for p in ARTICLE_PARAS) == 251
    assert article.reading_minutes == 2


def test_article_is_frozen():
    article = extract_article(article_page(), URL)
    with pytest.raises(AttributeError):
        article.text = "changed"  # type: ignore[misc]


def test_reading_minutes_is_at_least_one():
    assert Article(None, "a b c", None, None, None, None, None, 3).reading_minutes == 1
    assert Article(None, "", None, None, None, None, None, 231).reading_minutes == 2


def test_article_mentioning_cookies_and_newsletter_passes():
    # "we use cookies" is a cookie-wall phrase; one paragraph of seven must not reject the page.
    extra = (
        "<p>The council will also drop the banner reading 'we use cookies' from its booking "
        "website and publish the full minutes of the meeting on Friday. Subscribe to our "
        "newsletter for weekly updates from the town hall.</p>"
    )
    article = extract_article(article_page(extra), URL)
    assert article.text.endswith("weekly updates from the town hall.")
    assert ARTICLE_PARAS[0] in article.text


@pytest.mark.parametrize(
    "extra",
    [
        "<div class='promo'><p>Already a subscriber? <a href='/login'>Sign in</a> for the full "
        "archive.</p></div>",
        "<p>To continue reading the Courier at half price, subscribe before May.</p>",
    ],
)
def test_full_article_ending_in_one_subscription_line_passes(extra):
    article = extract_article(article_page(extra), URL)
    assert article.text.startswith(ARTICLE_PARAS[0])
    assert ARTICLE_PARAS[-1] in article.text


def test_language_is_read_from_a_bounded_sample_of_the_opening():
    """A 100 KB text costs what a 3 KB one does: only its opening is classified."""
    german = "\n\n".join(GERMAN_PARAS)
    while len(german) < 3000:
        german += "\n\n" + "\n\n".join(GERMAN_PARAS)
    text = german + "\n\n" + "\n\n".join(ARTICLE_PARAS * 60)  # far more English after it
    assert len(text) > 30_000
    assert article_from_text(text).language == "de"


def test_german_article_passes_with_language_detected():
    article = extract_article(GERMAN, "https://www.courier.example/de/bruecke")
    assert article.language == "de"
    assert article.text.split("\n") == GERMAN_PARAS
    assert article.title == "Stadtrat beschließt Sanierung der alten Brücke"
    # No og:site_name on this page: fall back to the host name without "www.".
    assert article.site_name == "courier.example"


def test_xhtml_with_xml_declaration_is_read():
    html = '<?xml version="1.0" encoding="utf-8"?>\n' + article_page()
    assert extract_article(html, URL).text.split("\n") == ARTICLE_PARAS


def test_extraction_runs_in_worker_threads():
    # trafilatura 1.x armed SIGALRM inside extract(), which fails outside the main thread.
    results: list[Article | BaseException] = []

    def work() -> None:
        try:
            results.append(extract_article(article_page(), URL))
        except BaseException as exc:  # surfaced by the assertion below
            results.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.text.split("\n") for r in results] == [ARTICLE_PARAS] * 3  # type: ignore[union-attr]


# --- the quality gate -----------------------------------------------------------------------


def test_paywall_teaser():
    error = rejected(PAYWALL)
    assert error.reason == "paywall"
    assert "paywalled" in error.message
    assert "/summarize" in error.message
    assert error.kind == "extract"


def test_long_teaser_ending_in_a_subscription_offer_is_a_paywall():
    teaser = "".join(f"<p>{p}</p>" for p in ARTICLE_PARAS[:3])
    html = page(
        f"<article><h1>Bridge</h1>{teaser}<div class='paywall'><h2>Subscribe to continue "
        "reading</h2><p>Already a subscriber? <a href='/login'>Sign in</a></p></div></article>"
    )
    assert rejected(html).reason == "paywall"


def test_structured_data_marking_the_article_not_free_is_a_paywall():
    ld = (
        '<script type="application/ld+json">'
        '{"@type": "NewsArticle", "isAccessibleForFree": false}</script>'
    )
    html = page(f"<article><h1>Water</h1><p>{ARTICLE_PARAS[0]}</p></article>", head=ld)
    assert rejected(html).reason == "paywall"


def test_cookie_wall():
    error = rejected(COOKIE_WALL)
    assert error.reason == "cookie_wall"
    assert "cookie" in error.message and "consent" in error.message


def test_javascript_bot_wall():
    error = rejected(JS_WALL)
    assert error.reason == "bot_wall"
    assert "JavaScript" in error.message and "bot check" in error.message


def test_login_page():
    error = rejected(LOGIN)
    assert error.reason == "login"
    assert "sign in" in error.message


def test_link_farm():
    error = rejected(LINK_FARM)
    assert error.reason == "link_page"
    assert "list of links" in error.message
    assert "link of the article itself" in error.message


def test_empty_spa_shell():
    error = rejected(SPA_SHELL)
    assert error.reason == "no_text"
    assert "couldn't find any readable text" in error.message
    assert "JavaScript" in error.message


def test_spa_shell_with_noscript_notice_is_a_javascript_wall():
    html = SPA_SHELL.replace(
        '<div id="root"></div>',
        "<noscript>You need to enable JavaScript to run this app.</noscript><div id='root'></div>",
    )
    assert rejected(html).reason == "bot_wall"


@pytest.mark.parametrize("html", ["", "   \n ", "<html></html>"])
def test_no_text_at_all(html):
    assert rejected(html).reason == "no_text"


def test_too_little_text():
    html = page(
        "<article><h1>Video: storm hits the quay</h1>"
        "<p>Watch the waves crash over the harbour wall on Sunday morning.</p></article>"
    )
    error = rejected(html)
    assert error.reason == "too_short"
    assert "too little text" in error.message


def test_every_reason_has_its_own_message():
    assert len(set(MESSAGES.values())) == len(MESSAGES) == 8


# --- plain text ----------------------------------------------------------------------------


def test_article_from_text_joins_hard_wrapped_lines_into_paragraphs():
    # Hard wraps at 60 columns and blank lines between paragraphs, as PDF text comes out.
    wrapped = "\n\n".join(_wrap(p, 60) for p in ARTICLE_PARAS)
    article = article_from_text(wrapped, "https://www.courier.example/report.pdf", "Report")
    assert article.text.split("\n") == ARTICLE_PARAS
    assert article.title == "Report"
    assert article.site_name == "courier.example"
    assert article.language == "en"
    assert article.word_count == 251


def test_article_from_text_keeps_single_line_paragraphs():
    article = article_from_text("\n".join(ARTICLE_PARAS))
    assert article.text.split("\n") == ARTICLE_PARAS
    assert article.url is None and article.title is None


def test_article_from_text_too_short_and_threshold_override():
    with pytest.raises(ExtractError, match="too short"):
        article_from_text(ARTICLE_PARAS[0])
    article = article_from_text(ARTICLE_PARAS[0], min_chars=100, min_words=20)
    assert article.text == ARTICLE_PARAS[0]


def test_article_from_text_rejects_an_empty_paste():
    with pytest.raises(ExtractError, match="no text"):
        article_from_text(" \n\n ")


def test_article_from_text_rejects_a_pasted_cookie_wall():
    text = "\n\n".join(
        p.replace("\n", " ")
        for p in (
            "We use cookies and similar technologies to store and/or access information on a "
            "device. We and our partners use data for personalised ads and content.",
            "With your consent, we and our partners may use precise geolocation data. You may "
            "click Accept all to give your consent to our and our partners' processing.",
            "Alternatively you may click Manage preferences to refuse consent or access more "
            "detailed information. Some partners process your data based on legitimate "
            "interest, which you can object to at any time in the privacy settings.",
        )
    )
    with pytest.raises(PageRejected) as info:
        article_from_text(text, min_chars=100, min_words=20)
    assert info.value.reason == "cookie_wall"


def _wrap(text: str, width: int) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def test_a_mis_decoded_title_is_repaired():
    article = article_from_text(" ".join(ARTICLE_PARAS), URL, title="Bridge to cost Â£14m")
    assert article.title == "Bridge to cost £14m"
