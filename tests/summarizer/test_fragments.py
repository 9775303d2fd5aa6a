from urllib.parse import unquote

import pytest

from summarizer.text.fragments import encode_term, text_fragment_url


def test_short_sentence_is_one_encoded_term():
    url = text_fragment_url("https://news.example/story", "Rents rose by 5% in Tuesday's count.")
    assert url == "https://news.example/story#:~:text=Rents%20rose%20by%205%25%20in%20Tuesday%27s%20count."


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [("-", "%2D"), (",", "%2C"), ("&", "%26"), (" ", "%20"), ("#", "%23"), ("(", "%28"),
     ('"', "%22"), ("é", "%C3%A9"), ("€", "%E2%82%AC"), ("a.b_c~", "a.b_c~")],
)
def test_directive_characters_are_percent_encoded(raw, encoded):
    assert encode_term(raw) == encoded


def test_dash_comma_ampersand_never_appear_raw_inside_a_term():
    url = text_fragment_url("https://x.example/", "Smith-Jones, Lee & Co. won")
    directive = url.split("#:~:text=", 1)[1]
    assert "-" not in directive and "&" not in directive and "," not in directive
    assert unquote(directive) == "Smith-Jones, Lee & Co. won"


def test_long_sentence_uses_start_and_end_form():
    sentence = (
        "The harbour board voted on Monday to close the old ferry pier, citing storm damage "
        "and the rising cost of repairs."
    )
    url = text_fragment_url("https://x.example/a", sentence)
    directive = url.split("#:~:text=", 1)[1]
    start, end = directive.split(",")
    assert unquote(start) == "The harbour board voted"
    assert unquote(end) == "rising cost of repairs."


def test_existing_fragment_is_replaced_and_query_kept():
    url = text_fragment_url("https://x.example/a?id=7#comments", "Short line here.")
    assert url == "https://x.example/a?id=7#:~:text=Short%20line%20here."
    again = text_fragment_url(url, "Other words.")
    assert again == "https://x.example/a?id=7#:~:text=Other%20words."


def test_surrounding_quotes_and_spacing_are_dropped():
    url = text_fragment_url("https://x.example/", '  "We will   rebuild," she said.  ')
    assert unquote(url.split("=", 1)[1]) == 'We will rebuild," she said.'
