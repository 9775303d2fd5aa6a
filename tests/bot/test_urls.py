"""Link finding in chat markup and URL normalisation for cache keys."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import BlockedURLError, BotError, UsageError
from bot.urls import SCHEME_REFUSAL, TRACKING_PARAMS, find_links, looks_like_url, normalize_url

# --- find_links -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("read <https://example.com/a|Example>", ["https://example.com/a"]),
        ("read <https://example.com/a>", ["https://example.com/a"]),
        ("read <https://example.com/a?x=1&amp;y=2|label>", ["https://example.com/a?x=1&y=2"]),
        ("discord no-embed <https://example.com/b>", ["https://example.com/b"]),
        ("markdown [the story](https://example.com/c)", ["https://example.com/c"]),
        ("discord masked [story](<https://example.com/d>)", ["https://example.com/d"]),
        ("bare https://example.com/e here", ["https://example.com/e"]),
        ("UPPER HTTPS://EXAMPLE.com/f", ["HTTPS://EXAMPLE.com/f"]),
    ],
)
def test_find_links_understands_chat_markup(text: str, expected: list[str]) -> None:
    assert find_links(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://example.com/a.", "https://example.com/a"),
        ("see https://example.com/a, then", "https://example.com/a"),
        ("really?! https://example.com/a?!", "https://example.com/a"),
        ("list: https://example.com/a; more", "https://example.com/a"),
        ("(see https://example.com/a)", "https://example.com/a"),
        ("(https://en.wikipedia.org/wiki/Foo_(bar))", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("https://en.wikipedia.org/wiki/Foo_(bar).", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ('"https://example.com/q"', "https://example.com/q"),
        ("'https://example.com/q'", "https://example.com/q"),
        ("“https://example.com/q”", "https://example.com/q"),
        ("**https://example.com/bold**", "https://example.com/bold"),
        ("日本 https://example.com/jp。", "https://example.com/jp"),
        ("[https://example.com/x]", "https://example.com/x"),
    ],
)
def test_find_links_strips_trailing_punctuation(text: str, expected: str) -> None:
    assert find_links(text) == [expected]


def test_find_links_ignores_code() -> None:
    text = (
        "```\ncurl https://example.com/in-block\n``` and `https://example.com/inline` "
        "but https://example.com/real"
    )
    assert find_links(text) == ["https://example.com/real"]


def test_find_links_keeps_order_dedupes_and_caps() -> None:
    text = (
        "https://b.example/1 https://a.example/2?utm_source=x "
        "<https://B.EXAMPLE/1#frag> https://a.example/2 https://c.example/3 https://d.example/4"
    )
    assert find_links(text) == [
        "https://b.example/1",
        "https://a.example/2?utm_source=x",
        "https://c.example/3",
    ]
    assert find_links(text, max_links=1) == ["https://b.example/1"]
    assert find_links(text, max_links=10)[-1] == "https://d.example/4"
    assert find_links(text, max_links=0) == []


def test_find_links_returns_only_http_links() -> None:
    text = "ftp://example.com/x <mailto:a@b.c|mail> <@U123> <#C1|general> javascript:alert(1)"
    assert find_links(text) == []


def test_find_links_skips_malformed_links() -> None:
    assert find_links("broken http://[::1 and ok https://example.com/") == ["https://example.com/"]


# --- normalize_url ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM/Path", "http://example.com/Path"),  # scheme/host lower, path kept
        ("https://example.com", "https://example.com/"),  # empty path
        ("http://example.com:80/a", "http://example.com/a"),  # default port
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),  # not default for http
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#section-2", "https://example.com/a"),  # fragment
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),  # sorted
        ("https://example.com/a?b=2&a=1&b=1", "https://example.com/a?a=1&b=2&b=1"),  # stable
        ("https://example.com/a?utm_source=tw&utm_Medium=x&id=7", "https://example.com/a?id=7"),
        ("https://example.com/a?fbclid=1&gclid=2&id=7&_ga=3", "https://example.com/a?id=7"),
        ("https://example.com/a?q=a%20b&x=", "https://example.com/a?q=a%20b&x="),  # raw kept
        ("https://example.com/a?", "https://example.com/a"),
        ("https://bücher.de/x", "https://xn--bcher-kva.de/x"),  # IDNA
        ("https://faß.de/", "https://xn--fa-hia.de/"),  # IDNA 2008, like yarl/aiohttp
        ("https://example.com./a", "https://example.com/a"),  # trailing dot
        ("http://[2001:DB8::1]:80/", "http://[2001:db8::1]/"),
        ("  https://example.com/a  ", "https://example.com/a"),
    ],
)
def test_normalize_url_rules(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


@pytest.mark.parametrize("name", sorted(TRACKING_PARAMS))
def test_every_tracking_param_is_dropped(name: str) -> None:
    assert normalize_url(f"https://example.com/?{name}=1&keep=2") == "https://example.com/?keep=2"


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.com/x", "gopher://example.com/", "data:text/html,hi",
     "javascript:alert(1)", "JAVASCRIPT:alert(1)", "ws://example.com/"],
)  # fmt: skip
def test_non_http_schemes_are_refused(url: str) -> None:
    with pytest.raises(BlockedURLError) as info:
        normalize_url(url)
    assert str(info.value) == SCHEME_REFUSAL


def test_credentials_are_refused() -> None:
    with pytest.raises(BlockedURLError, match="user name or password"):
        normalize_url("https://user:secret@example.com/")


@pytest.mark.parametrize(
    "url",
    ["", "   ", "example.com/x", "example.com:8080/x", "http://", "http:///path", "https:/x.com",
     "http://[::1/", "http://exa mple.com/", "http://example.com:99999/", "http://ex:ab/",
     "http://a..b/", "http://%31.0.0.1/", "http://evil.com\\@good.com/"],
)  # fmt: skip
def test_malformed_urls_raise_usage_error(url: str) -> None:
    with pytest.raises(UsageError):
        normalize_url(url)


def test_looks_like_url() -> None:
    assert looks_like_url("https://example.com/x")
    assert looks_like_url("  HTTP://example.com  ")
    assert looks_like_url("ftp://example.com/x")  # so the caller reports the scheme refusal
    assert looks_like_url("javascript:alert(1)")
    assert not looks_like_url("article.txt")
    assert not looks_like_url("./news/article.html")
    assert not looks_like_url("C:\\news\\a.txt")


# --- properties -------------------------------------------------------------------------------

_label = st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?", fullmatch=True)
_host = st.one_of(
    st.lists(_label, min_size=1, max_size=4).map(".".join),
    st.sampled_from(["bücher.de", "例え.jp", "ÉCOLE.fr", "[2001:db8::1]", "127.0.0.1"]),
)
_segment = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs"), blacklist_characters="#?/\\%"),
    max_size=8,
)
_param = st.one_of(
    st.sampled_from(["utm_source", "UTM_Campaign", "fbclid", "gclid", "id", "q", "page", "a"]),
    st.from_regex(r"[a-z_]{1,6}", fullmatch=True),
)
_pair = st.tuples(_param, st.from_regex(r"[A-Za-z0-9%._~-]{0,6}", fullmatch=True)).map(
    lambda kv: f"{kv[0]}={kv[1]}"
)


@st.composite
def _urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https"]))
    port = draw(st.one_of(st.just(""), st.sampled_from([":80", ":443", ":8080"])))
    path = "/".join(draw(st.lists(_segment, max_size=4)))
    query = "&".join(draw(st.lists(_pair, max_size=5)))
    fragment = draw(st.one_of(st.just(""), st.text(max_size=5).map(lambda t: "#" + t.strip())))
    return f"{scheme}://{draw(_host)}{port}/{path}" + (f"?{query}" if query else "") + fragment


@given(_urls())
def test_normalize_url_is_idempotent_and_clean(url: str) -> None:
    once = normalize_url(url)
    assert normalize_url(once) == once
    parts = urlsplit(once)
    assert "#" not in once
    assert parts.scheme in ("http", "https")
    names = [p.split("=", 1)[0].lower() for p in parts.query.split("&") if p]
    assert not any(n.startswith("utm_") or n in TRACKING_PARAMS for n in names)


@given(st.one_of(st.text(max_size=60), st.text(max_size=60).map(lambda t: "https://" + t)))
def test_normalize_url_fails_only_with_bot_errors(text: str) -> None:
    try:
        once = normalize_url(text)
    except BotError:
        return
    assert normalize_url(once) == once
