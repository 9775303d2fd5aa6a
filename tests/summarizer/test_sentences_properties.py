"""Property tests: the splitter never crashes and its spans always point at the input."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer.text.sentences import split_sentences

WORDS = st.sampled_from(
    ["The", "council", "U.S.", "Mr.", "3.5%", "said", '"quote"', "(CNN)", "--", "-", "By",
     "Reuters", "\n", "\n\n", ".", "?", "!", "[File:", "/AP]", "Read", "more:", "é", "Ünïcode",
     "•", "1.", "Gen.", "WASHINGTON", "—", "'s", "n't", "\t", "\x00"]
)
TEXTS = st.one_of(st.text(max_size=400), st.lists(WORDS, max_size=80).map(" ".join))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_spans_are_ordered_and_point_into_the_input(text):
    sentences = split_sentences(text)
    last_end = 0
    for i, s in enumerate(sentences):
        assert s.index == i
        assert 0 <= s.start < s.end <= len(text)
        assert s.start >= last_end  # ordered, non-overlapping
        last_end = s.end
        source_words = text[s.start : s.end].split()
        # the cleaned text only removes (captions, spacing); it never invents words
        for word in s.text.split():
            assert any(word in w for w in source_words)
        assert s.text == " ".join(s.text.split()) and s.text
