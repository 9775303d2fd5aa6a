"""English: the first language pack. Word lists are data; the patterns are built from them.

Page furniture and photo captions, the two large rule sets, live beside this file
(en_furniture.py, en_captions.py); everything else English is here.
"""

from __future__ import annotations

import functools
import re

from summarizer.text.lang import LanguagePack, QuestionRules, alternation
from summarizer.text.lang.en_captions import PHOTO_APPOSITIVE, is_photo_caption
from summarizer.text.lang.en_furniture import GLUED_FURNITURE, INLINE_CAPTION, is_furniture

# --- openings that lean on the sentence before (extractive/sets.py) -------------------------
#: A sentence opening on one of these points back at the previous one ("It said …").
BACK_REFERENCE_OPENINGS = (
    "this", "these", "that", "those", "it", "its", "they", "their", "them", "he", "his",
    "him", "she", "her", "such", "then", "also", "however", "but", "and", "so", "yet",
    "meanwhile", "instead", "still", "the same",
)  # fmt: skip
#: ... and so does one holding one of these anywhere ("… such a study …").
BACK_REFERENCE_PHRASES = ("such a", "such an", "the former", "the latter")
#: Conjunctions and adverbs (the adverbs with their comma) that may open a sentence before
#: the person it does not name ("But her lawyers …", "However, he …").
OPENING_CONJUNCTIONS = ("but", "and", "so", "yet")
OPENING_ADVERBS = ("however", "meanwhile")
#: "He said …", "Their lawyers …": a person the sentence does not name.
PERSON_PRONOUNS = ("he", "she", "they", "his", "her", "their", "him", "them")
#: "The teenager was …"
YOUNG_PEOPLE = ("teenager", "teenagers", "youngster", "youngsters")
#: "The England international has …", "the former Newcastle boss …" ("-" also matches a
#: space or nothing: "full back", "fullback").
ROLE_EPITHETS = (
    "international", "striker", "midfielder", "defender", "winger", "goalkeeper", "keeper",
    "full-back", "centre-back", "boss", "manager", "coach", "captain",
)  # fmt: skip

_LEANS_BACK = re.compile(
    rf"^(?:{alternation(BACK_REFERENCE_OPENINGS)})\b"
    rf"|\b(?:{alternation(BACK_REFERENCE_PHRASES)})\b",
    re.IGNORECASE,
)


def unnamed_person_pattern(roles: tuple[str, ...] = ROLE_EPITHETS) -> re.Pattern[str]:
    """The opening `names_nobody` looks for; without `roles`, no role epithet counts."""
    role_words = "|".join(re.escape(w).replace(r"\-", r"\s*-?\s*") for w in roles)
    # The age epithet also takes tokenised text ("the 40 - year - old").
    epithets = [
        r"the\s+\w+\s*-\s*year\s*-\s*olds?",
        rf"the\s+(?:{alternation(YOUNG_PEOPLE)})",
    ] + ([rf"the\s+(?:former\s+)?(?:[\w-]+\s+){{1,2}}(?:{role_words})"] if roles else [])
    return re.compile(
        rf"^[\"“'‘(]?(?:(?:{alternation(OPENING_CONJUNCTIONS)})\s+"
        rf"|(?:{alternation(OPENING_ADVERBS)}),\s+)?(?:"
        rf"{alternation(PERSON_PRONOUNS)}|{'|'.join(epithets)}"
        r")\b",
        re.IGNORECASE,
    )


_PERSONAL_OPENING = unnamed_person_pattern()


def needs_previous(text: str) -> bool:
    """True for a sentence that refers back ("It said …", "… such a study …")."""
    return bool(_LEANS_BACK.search(text))


def names_nobody(text: str) -> bool:
    """True for a sentence that opens on a person it does not name ("She had attributed …",
    "The 23-year-old earned …", "The England international has …"); "It" and "This" often
    open a story by themselves, these do not. The epithets also catch the odd thing or body
    ("the 100-year-old bridge"), which then only comes in with the sentence before it."""
    return bool(_PERSONAL_OPENING.match(text))


# --- bullet polish (text/bullets.py) ----------------------------------------------------------
#: ', he said.' after a quotation: the pronoun names nobody in a bullet.
ATTRIBUTION_SUBJECTS = ("he", "she", "they", "it", "we", "i")
SPEECH_VERBS = ("said", "says", "added", "told", "explained", "continued", "wrote", "insisted")
#: Verbs followed by whom they spoke to (", she told reporters.").
VERBS_WITH_LISTENER = frozenset({"told"})
#: "But …", "However, …": a link to a sentence the bullet list may not show; "But for" and
#: "And then" style openings are part of the clause and stay.
LEADING_CONJUNCTIONS = ("but", "and")
CONJUNCTION_KEEPERS = ("for", "then", "so", "yet")
LEADING_ADVERBS = (
    "however", "meanwhile", "moreover", "furthermore", "nevertheless", "in addition",
    "additionally",
)  # fmt: skip
#: "(right)", "(centre left)", "(pictured)": pointers at a photo the chat reader cannot see.
PHOTO_POSITIONS = (
    "left", "right", "centre", "center", "above", "below", "inset", "pictured", "l-r", "top",
    "bottom", "middle",
)  # fmt: skip
PHOTO_POSITION_WORDS = (
    "far", "second", "third", "fourth", *PHOTO_POSITIONS, "back", "front", "main", "picture",
    "image", "to", "from", "and", "row", "in",
)  # fmt: skip
#: ", which …" at the end of a long bullet is a clause it can lose.
RELATIVE_PRONOUNS = ("which", "who", "whose")
#: PTB tokenisation splits these off their word ("do n't", "it 's").
CLITICS = ("n't", "'s", "'re", "'ve", "'ll", "'d", "'m")

_verbs = "|".join(
    rf"{re.escape(v)}\s+\w+(?:\s+\w+)?" if v in VERBS_WITH_LISTENER else re.escape(v)
    for v in SPEECH_VERBS
)
_PRONOUN_ATTRIBUTION = re.compile(
    rf"[,.!?]?\s*[\"”]?\s*,?\s*(?:{alternation(ATTRIBUTION_SUBJECTS)})\s+(?:{_verbs})"
    r"\s*([.!?]?)\s*$",
    re.IGNORECASE,
)
_KEEPERS = "|".join(re.escape(w) + r"\b" for w in CONJUNCTION_KEEPERS)
_LEADING_CONNECTIVE = re.compile(
    rf"^(?:(?:{alternation(LEADING_CONJUNCTIONS)})\s+(?!{_KEEPERS})"
    rf"|(?:{alternation(LEADING_ADVERBS)}),\s+)"
    r"(?=[^\W\d_])",
    re.IGNORECASE,
)
_POSITION = alternation(PHOTO_POSITIONS)
_PHOTO_PARENTHETICAL = re.compile(
    rf"\s*\((?=[^()]*\b(?:{_POSITION})\b)(?:\b(?:{alternation(PHOTO_POSITION_WORDS)}|\d{{4}})\b"
    r"|[\s,-])+\)",
    re.IGNORECASE,
)
# "(pictured with their daughter)", "(pictured in 2010)": whatever follows, it is a photo.
_PICTURED_PARENTHETICAL = re.compile(r"\s*\(\s*pictured\b[^()]{0,80}\)", re.IGNORECASE)
_TRAILING_RELATIVE = re.compile(
    rf",\s+(?:{alternation(RELATIVE_PRONOUNS)})\b[^,;]*[.!?]?$", re.IGNORECASE
)
_CLITIC_FORMS = "|".join(re.escape(c).replace("'", "['’]") for c in CLITICS)
_TOKENISED_CLITIC = re.compile(rf"\s+({_CLITIC_FORMS})(?=\s|$|[,.;:!?])", re.IGNORECASE)
_SHOWS_CLITICS = re.compile(r"\s(?:n't|'s)\b")
#: Polishing never shortens a bullet below this many words.
MIN_WORDS = 8


def polish(text: str) -> str:
    """Drop a pronoun attribution after a quote, photo pointers and a leading connective."""
    return _drop_leading_connective(_drop_photo_references(_drop_pronoun_attribution(text)))


def _drop_pronoun_attribution(text: str) -> str:
    """'"We will rebuild," he said.' → '"We will rebuild."' (the quote marks keep it a quote)."""
    if not text.startswith(('"', "“")):
        return text
    m = _PRONOUN_ATTRIBUTION.search(text)
    if not m:
        return text
    quote = text[: m.start()].rstrip(" ,")
    if len(quote.split()) < MIN_WORDS - 4 or quote.count('"') + quote.count("“") != 1:
        return text  # the attribution is not simply trailing one quotation
    closing = "”" if quote.startswith("“") else '"'
    stop = m.group(1) or "."
    if quote[-1] not in ".!?":
        quote += stop
    return quote + closing


def _drop_photo_references(text: str) -> str:
    """'Sven Bender (right) says ...' → 'Sven Bender says ...'; 'Robinson, pictured in 2007,
    has revealed' → 'Robinson has revealed'."""
    text = _PHOTO_PARENTHETICAL.sub("", text)
    text = _PICTURED_PARENTHETICAL.sub("", text)
    # mid-sentence the appositive's two commas go with it; before the final stop, nothing is left
    text = PHOTO_APPOSITIVE.sub(lambda m: " " if m.group(0).rstrip().endswith(",") else "", text)
    return " ".join(text.split())


def _drop_leading_connective(text: str) -> str:
    """'But RMT bosses said ...' → 'RMT bosses said ...'; 'However, the plan ...' → 'The plan ...'.

    A bullet stands alone: the sentence the connective answered may not be among the bullets.
    """
    m = _LEADING_CONNECTIVE.match(text)
    rest = text[m.end() :] if m else ""
    if len(rest.split()) < MIN_WORDS:
        return text
    return rest[0].upper() + rest[1:]


def cut_trailing_clause(text: str) -> str:
    """Drop a trailing ", which …" clause (not inside a quotation)."""
    head = _TRAILING_RELATIVE.sub("", text)
    if head == text or head.count('"') % 2:
        return text
    return head.rstrip(" ,") + "."


def join_clitics(text: str) -> str:
    return _TOKENISED_CLITIC.sub(r"\1", text)


def shows_clitics(text: str) -> bool:
    return bool(_SHOWS_CLITICS.search(text))


# --- the rest ----------------------------------------------------------------------------------
#: Titles and short forms a stop after which ends no sentence ("Mr. Smith", "Gov. Lee").
ABBREVIATIONS = frozenset(
    "mr mrs ms dr st gen sen rep gov lt col sgt capt prof jr sr no vs etc co corp inc ltd fig "
    "approx dept est vol op ch".split()
)
FIRST_PERSON = frozenset("i we me my our us".split())
NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "twenty": "20", "hundred": "100", "thousand": "1000", "dozen": "12", "half": "50",
}  # fmt: skip

#: How a model's chatter opens, where it writes it instead of (or around) its bullets.
CHATTER_OPENINGS = (
    "sure", "certainly", "of course", "okay", "ok", "here is", "here are", "i can", "i cannot",
    "i can't", "i won't", "i am", "i'm", "sorry", "as an ai", "note:", "summary:", "i hope",
)  # fmt: skip

@functools.cache
def question_rules() -> QuestionRules:
    """The English question rules (en_questions.py), compiled at the first question."""
    from summarizer.text.lang.en_questions import RULES

    return RULES


PACK = LanguagePack(
    code="en",
    is_furniture=is_furniture,
    glued_furniture=GLUED_FURNITURE,
    inline_caption=INLINE_CAPTION,
    is_caption=is_photo_caption,
    abbreviations=ABBREVIATIONS,
    needs_previous=needs_previous,
    names_nobody=names_nobody,
    first_person=FIRST_PERSON,
    polish=polish,
    cut_trailing_clause=cut_trailing_clause,
    join_clitics=join_clitics,
    shows_clitics=shows_clitics,
    number_words=NUMBER_WORDS,
    chatter_openings=CHATTER_OPENINGS,
    question_rules=question_rules,
)
