"""Language packs: English rules run only on English text; other languages get a best effort."""

from __future__ import annotations

import dataclasses

import pytest

from summarizer.abstractive.prompting import parse_bullets
from summarizer.answers.finder import AnswerFinder, terms
from summarizer.config import SummarizerConfig
from summarizer.pipeline import ExtractiveSummarizer, read_article
from summarizer.text.bullets import clean_bullet
from summarizer.text.lang import LanguagePack, language_pack, register, restore

#: An English furniture line (a BBC player notice).
FURNITURE = "Media playback is unsupported on your device"
# Invented articles (not from any dataset). The English one holds a rule of each kind: page
# furniture, a photo caption, a sentence opening on an unnamed person, an attribution to trim.
ENGLISH_RULES_BAIT = (
    "The harbour board in Porthallow approved a new sea wall on Monday after a winter of "
    "record storms flooded forty homes.\n"
    f"{FURNITURE}\n"
    "\"We will rebuild the harbour wall before the next winter storms arrive,\" he said.\n"
    "Mayor Jane Pengelly poses with the plans at the town hall.\n"
    "She said the wall would cost the town four million pounds over three years.\n"
    "Engineers from the county council will start work on the sea wall in March."
)
GERMAN = (
    "Der Stadtrat von Kleinfeld hat am Montag den Bau einer neuen Brücke über den Fluss "
    "beschlossen. Die Brücke soll im Frühjahr fertig sein und rund vier Millionen Euro kosten. "
    "Viele Anwohner hatten seit Jahren eine sichere Verbindung zur Altstadt gefordert. "
    "Der Bürgermeister sagte, die Arbeiten beginnen noch in diesem Monat."
)
JAPANESE = (
    "市議会は月曜日、川に新しい橋を建設することを決めた。"
    "橋は来年の春に完成する予定で、費用は約四億円になる。"
    "住民は長年、旧市街への安全な道を求めてきた。"
    "市長は工事が今月中に始まると述べた。"
)
#: A model's reply that opens on English chatter ("Sure, here are …").
CHATTY_REPLY = (
    "- Sure, here are the three bullet points about the new harbour wall.\n"
    "- The harbour board approved a new sea wall on Monday after the storms."
)
#: A sentence opening on a publication's tag in brackets (not a news agency's dateline).
TAGGED = "(The New York Times) Engineers will start work on the sea wall in March."
ARABIC = (
    "وافق مجلس المدينة يوم الاثنين على بناء جسر جديد فوق النهر. "
    "ومن المتوقع أن يكتمل الجسر في الربيع المقبل بتكلفة تبلغ أربعة ملايين يورو. "
    "وطالب السكان منذ سنوات بطريق آمن إلى المدينة القديمة. "
    "وقال رئيس البلدية إن الأعمال ستبدأ هذا الشهر."
)


class _Tripwire:
    """Stands in for every rule of a pack: any use fails the test, naming the rule."""

    def __init__(self, rule: str) -> None:
        self.rule = rule

    def _tripped(self, *_args, **_kwargs):
        raise AssertionError(f"the English rule {self.rule!r} was applied")

    __call__ = __contains__ = __and__ = __rand__ = __getitem__ = __iter__ = __bool__ = _tripped
    finditer = sub = search = match = get = _tripped


@pytest.fixture
def english_tripwired():
    """The English pack, with every rule replaced by a tripwire."""
    english = language_pack("en")
    rules = {f.name: _Tripwire(f.name) for f in dataclasses.fields(english) if f.name != "code"}
    previous = register(dataclasses.replace(english, **rules))
    yield
    restore("en", previous)


@pytest.fixture
def made_up_language():
    """A pack for the made-up language "xx": no rules of its own."""
    previous = register(LanguagePack("xx"))
    yield "xx"
    restore("xx", previous)


def _summarizer(encoder) -> ExtractiveSummarizer:
    return ExtractiveSummarizer(SummarizerConfig(), encoder=encoder)


def test_a_made_up_language_runs_no_english_rule(encoder, made_up_language, english_tripwired):
    summary = _summarizer(encoder).summarize(
        ENGLISH_RULES_BAIT, max_bullets=3, article_language=made_up_language
    )
    assert summary.language == "xx" and len(summary.bullets) == 3
    sentences = [s.text for s in read_article(ENGLISH_RULES_BAIT, 100_000, "xx").sentences]
    assert FURNITURE in sentences  # English furniture is not furniture in "xx"
    # nor is English chatter chatter, nor a bracketed tag a dateline: no generic English rule
    bullets = parse_bullets(CHATTY_REPLY, 3, made_up_language)
    assert bullets[0].startswith("Sure, here are") and len(bullets) == 2
    assert clean_bullet(TAGGED, pack=language_pack(made_up_language)) == TAGGED
    # a question about it: no English stop word, word ending, name or answer type either
    finder = AnswerFinder(encoder)
    index = finder.index(ENGLISH_RULES_BAIT, made_up_language)
    assert finder.answer(index, "How many homes did the storms flood?").question
    assert ("the", "the") in terms("The prices rose", made_up_language)
    assert ("prices", "prices") in terms("The prices rose", made_up_language)


def test_the_tripwire_catches_english_rules_on_english_text(encoder, english_tripwired):
    with pytest.raises(AssertionError, match="English rule"):
        _summarizer(encoder).summarize(ENGLISH_RULES_BAIT, article_language="en")


def test_english_rules_apply_to_english_and_not_to_a_made_up_language(made_up_language):
    english = [s.text for s in read_article(ENGLISH_RULES_BAIT, 100_000, "en").sentences]
    made_up = [s.text for s in read_article(ENGLISH_RULES_BAIT, 100_000, "xx").sentences]
    assert FURNITURE not in english and FURNITURE in made_up
    # the attribution after a quote is trimmed only by the English polish
    quote = next(s for s in english if s.startswith('"We will'))
    polish_en, polish_xx = language_pack("en").polish, language_pack("xx").polish
    assert polish_en(quote).endswith('arrive."') and polish_xx(quote) == quote
    assert language_pack("en").is_caption("Mayor Jane Pengelly poses with the plans.")
    assert not language_pack("xx").is_caption("Mayor Jane Pengelly poses with the plans.")
    assert parse_bullets(CHATTY_REPLY, 3, "en") == [
        "The harbour board approved a new sea wall on Monday after the storms."
    ]


@pytest.mark.parametrize(("text", "language"), [(GERMAN, "de"), (JAPANESE, "ja"), (ARABIC, "ar")])
def test_languages_without_a_full_pack_get_sentences_in_article_order(
    encoder, english_tripwired, text, language
):
    summary = _summarizer(encoder).summarize(text, max_bullets=3)
    assert summary.language == language
    assert len(summary.bullets) == 3
    spans = [b.span for b in summary.bullets]
    assert spans == sorted(spans)  # in article order
    for bullet in summary.bullets:  # whole source sentences, nothing English done to them
        start, end = bullet.span
        assert text[start:end].strip() == bullet.text or text[start:end] in bullet.text


def test_mixed_language_text_gets_a_best_effort(encoder):
    mixed = GERMAN + "\n" + ENGLISH_RULES_BAIT + "\n" + JAPANESE
    summary = _summarizer(encoder).summarize(mixed, max_bullets=3)
    assert summary.language in {"de", "en", "ja"}
    assert len(summary.bullets) == 3
    assert [b.span for b in summary.bullets] == sorted(b.span for b in summary.bullets)


def test_one_long_paragraph_is_split_into_sentences(encoder):
    paragraph = " ".join(ENGLISH_RULES_BAIT.split("\n") + [
        "Fishermen said the old quay had cracked in two places during the January gales.",
        "A public meeting about the timetable is planned for the village hall in April.",
        "The county's flood officer warned that sea levels along the coast keep rising.",
        "Shops on the front have stayed shut since the last storm surge in February.",
    ])  # fmt: skip
    assert "\n" not in paragraph
    assert len(read_article(paragraph, 100_000).sentences) >= 9
    summary = _summarizer(encoder).summarize(paragraph, max_bullets=3)
    assert len(summary.bullets) == 3
    assert [b.span for b in summary.bullets] == sorted(b.span for b in summary.bullets)
    for bullet in summary.bullets:
        start, end = bullet.span
        assert end - start < 200  # a sentence, not the paragraph
