"""Language packs: every rule that depends on the article's language, chosen by its code.

The generic steps (text/, extractive/) ask the article's pack; a language without a pack
gets `GENERIC`, which applies no rule at all: its sentences are split, ranked and polished
on language-free evidence only. English (`en.py`) is the first full pack.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


def _never(_text: str) -> bool:
    return False


def _unchanged(text: str) -> str:
    return text


@dataclass(frozen=True)
class QuestionRules:
    """answers/: how a language asks; every default is "no rule" (BM25's idf and the encoder
    judge the question alone)."""

    #: words that carry no content in a question, lower-cased
    stopwords: frozenset[str] = frozenset()
    #: endings trimmed before words are compared ("prices"~"price")
    stem_suffixes: tuple[str, ...] = ()
    #: a name in a question (group 1); a name the article never mentions hints it doesn't say
    names: re.Pattern[str] | None = None
    #: (what a question asks for, what a sentence answering it holds), first match wins
    answer_types: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = ()


NO_QUESTION_RULES = QuestionRules()


def _no_question_rules() -> QuestionRules:
    return NO_QUESTION_RULES


@dataclass(frozen=True)
class LanguagePack:
    """What one language contributes; every default is "no rule"."""

    code: str
    #: text/furniture.py: a whole line or sentence that is page furniture, not story
    is_furniture: Callable[[str], bool] = _never
    #: ... and widgets a page glues into a line, cut out before the line is judged
    glued_furniture: re.Pattern[str] | None = None
    #: extractive/selection.py: a sentence describing a photo rather than the story
    is_caption: Callable[[str], bool] = _never
    #: text/sentences.py: a caption inside a sentence ("[File: … /Reuters]"), cut out
    inline_caption: re.Pattern[str] | None = None
    #: ... abbreviations a stop after which ends no sentence ("Mr.", "Gov.")
    abbreviations: frozenset[str] = frozenset()
    #: extractive/sets.py: a sentence that refers back ("It said …") ...
    needs_previous: Callable[[str], bool] = _never
    #: ... or opens on a person it does not name ("She had …", "The 23-year-old …")
    names_nobody: Callable[[str], bool] = _never
    #: extractive/features.py: first-person words, lower-cased
    first_person: frozenset[str] = frozenset()
    #: text/bullets.py: the language's edits that make a sentence stand alone as a bullet
    #: (attribution after a quote, photo pointers, a leading connective), before shortening
    polish: Callable[[str], str] = _unchanged
    #: ... a safe cut for a long bullet (a trailing non-restrictive clause)
    cut_trailing_clause: Callable[[str], str] = _unchanged
    #: ... tokenised clitics glued back ("do n't" → "don't"), and whether a text shows them
    join_clitics: Callable[[str], str] = _unchanged
    shows_clitics: Callable[[str], bool] = _never
    #: abstractive/faithfulness.py: number words → digits ("two" → "2")
    number_words: Mapping[str, str] = field(default_factory=dict)
    #: abstractive/prompting.py: how a model's chatter around its bullets opens (refusals,
    #: preambles, sign-offs), lower-cased phrases; a line opening on one is no bullet
    chatter_openings: tuple[str, ...] = ()
    #: answers/finder.py: the question rules, built at the first question (a summary never
    #: compiles them)
    question_rules: Callable[[], QuestionRules] = _no_question_rules


#: The pack of a language nobody wrote rules for: the generic pipeline, no rule applied.
GENERIC = LanguagePack("generic")

_PACKS: dict[str, LanguagePack] = {}


def register(pack: LanguagePack) -> LanguagePack | None:
    """Make `pack` the one for its language code; returns the pack it replaces, if any (so a
    caller, e.g. a test adding a made-up language, can put it back with `restore`)."""
    if not _PACKS:
        _load_builtin()
    previous = _PACKS.get(pack.code)
    _PACKS[pack.code] = pack
    return previous


def restore(code: str, previous: LanguagePack | None) -> None:
    """Undo `register`: put back `previous`, or forget the code if there was none."""
    if previous is None:
        _PACKS.pop(code, None)
    else:
        _PACKS[code] = previous


def language_pack(language: str | None) -> LanguagePack:
    """The pack for an ISO 639-1 code ("en", "en-GB"); English when the language is unknown
    (too little text to tell), `GENERIC` for a language without a pack."""
    if not _PACKS:
        _load_builtin()
    if not language:
        return _PACKS["en"]
    return _PACKS.get(language.split("-")[0].lower(), GENERIC)


def _load_builtin() -> None:
    from summarizer.text.lang import de, en, es, fr, it

    for module in (en, de, fr, es, it):
        _PACKS.setdefault(module.PACK.code, module.PACK)


def alternation(words: tuple[str, ...] | frozenset[str]) -> str:
    """A regex alternation matching any of `words` literally (for patterns built from lists)."""
    return "|".join(re.escape(word) for word in words)


def phrase_furniture(
    read_more: tuple[str, ...], credits: tuple[str, ...], adverts: tuple[str, ...]
) -> Callable[[str], bool]:
    """A furniture test from a language's commonest page phrases: "read also" lines (alone or
    before a colon), "photo: …" credits, and advertisement labels."""
    def words(phrases: tuple[str, ...]) -> str:
        return "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in phrases)

    pattern = re.compile(
        rf"^\s*(?:(?:{words(read_more)})\s*(?::.*)?"
        rf"|(?:{words(credits)})\s*:.{{0,120}}"
        rf"|(?:{words(adverts)}))\s*$",
        re.IGNORECASE,
    )
    return lambda line: bool(pattern.match(line))
