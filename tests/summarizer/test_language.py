"""Language routing: detection picks the splitter's rules; a local multilingual model loads."""

import pytest

from summarizer.config import SummarizerConfig
from summarizer.pipeline import ExtractiveSummarizer
from summarizer.text.language import detect_language
from summarizer.text.sentences import split_sentences

# Invented sample articles (not from any dataset).
GERMAN = (
    "Der Bürgermeister von Kleinfeld, Dr. Anton Weber, hat am 3. Oktober den neuen Bahnhof "
    "eröffnet. Die Bauarbeiten dauerten z. B. wegen des langen Regens viel länger als geplant. "
    "Viele Bürger kamen am Nachmittag zur Feier auf den Marktplatz."
)
FRENCH = (
    "Selon M. Dupont, le chantier de la nouvelle gare a coûté env. 3 millions d'euros. "
    "Les travaux ont duré plus longtemps que prévu à cause de la pluie. "
    "De nombreux habitants sont venus à la fête sur la place du marché."
)


def test_german_and_french_are_detected():
    assert detect_language(GERMAN) == "de"
    assert detect_language(FRENCH) == "fr"


def test_german_rules_keep_ordinals_and_abbreviations_inside_sentences():
    sentences = [s.text for s in split_sentences(GERMAN, "de")]
    assert sentences == [
        "Der Bürgermeister von Kleinfeld, Dr. Anton Weber, hat am 3. Oktober den neuen "
        "Bahnhof eröffnet.",
        "Die Bauarbeiten dauerten z. B. wegen des langen Regens viel länger als geplant.",
        "Viele Bürger kamen am Nachmittag zur Feier auf den Marktplatz.",
    ]
    # English rules would cut after "3." — the language really changes the split
    assert len(split_sentences(GERMAN, "en")) > 3


def test_french_rules_keep_abbreviations_inside_sentences():
    sentences = [s.text for s in split_sentences(FRENCH, "fr")]
    assert sentences[0] == (
        "Selon M. Dupont, le chantier de la nouvelle gare a coûté env. 3 millions d'euros."
    )
    assert len(sentences) == 3


@pytest.mark.parametrize(("text", "lang"), [(GERMAN, "de"), (FRENCH, "fr")])
def test_summarizer_routes_detected_language_to_the_splitter(encoder, text, lang):
    summarizer = ExtractiveSummarizer(SummarizerConfig(ranker="learned"), encoder=encoder)
    summary = summarizer.summarize(text, max_bullets=3)
    assert summary.language == lang
    assert len(summary.bullets) == 3
    for bullet in summary.bullets:  # whole sentences, spans exact
        start, end = bullet.span
        assert text[start:end] == bullet.text


def _tiny_local_model(path):
    """A tiny random BERT whose vocabulary covers the German and French samples."""
    pytest.importorskip("torch")
    from tests.summarizer.tiny_models import build_tiny_bert

    text = (GERMAN + " " + FRENCH).lower().replace(".", " . ").replace(",", " , ")
    return build_tiny_bert(path, sorted(set(text.split())), hidden_size=32)


def test_a_multilingual_model_from_a_local_directory_is_usable(tmp_path):
    model_dir = _tiny_local_model(tmp_path / "multilingual-model")
    config = SummarizerConfig(embedding_model=str(model_dir), ranker="learned")
    summarizer = ExtractiveSummarizer(config)
    assert summarizer.encoder.dimension == 32
    for text, lang in ((GERMAN, "de"), (FRENCH, "fr")):
        summary = summarizer.summarize(text, max_bullets=1)
        assert summary.language == lang
        (bullet,) = summary.bullets
        assert text[bullet.span[0] : bullet.span[1]] == bullet.text
