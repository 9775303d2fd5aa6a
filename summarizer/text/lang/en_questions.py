"""English questions (part of en.py): words that carry no content, word endings to trim, names,
and the kind of answer a question asks for."""

from __future__ import annotations

import re

from summarizer.text.lang import QuestionRules

#: Words that carry no content in a question.
STOPWORDS = frozenset(
    "a an the and or but of to in on at by for with from as is are was were be been being "
    "do does did done has have had having it its this that these those there here what "
    "which who whom whose when where why how much many long old i you he she we they me "
    "him her us them my your his our their will would can could should may might shall "
    "about into over after before than then so not no yes any some if also just only "
    "tell say said says according article story".split()
)

#: Endings trimmed before words are compared ("prices"~"price", "approved"~"approve").
STEM_SUFFIXES = ("ies", "es", "s", "ed", "ing")


#: A name in a question: a capitalised word that does not open it. A name the article never
#: mentions ("When did China join?" of an article about Russia) is a sign it doesn't say.
NAMES = re.compile(r"(?<=\w)[\s,(']+([A-Z]\w*)")


#: What kind of words answer a question that opens this way: a sentence holding one is more
#: likely the answer, and a sentence holding none can't be it ("how many" wants a count, not a
#: price). Patterns over the question, then over a candidate sentence; the first that asks wins.
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_NUMBER_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|hundred|thousand"
ANSWER_TYPES = (
    (  # a count: a number that is not a price or a share
        re.compile(r"\bhow many\b", re.I),
        re.compile(
            rf"(?<![£$€\d.,])(?>\d+(?:[.,]\d+)*)(?!\s*(%|per ?cent))|"
            rf"\b({_NUMBER_WORDS}|million|billion|dozen|dozens|hundreds|thousands|"
            rf"third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\b",
            re.I,
        ),
    ),
    (  # an amount: money, a share, or a number with a magnitude or a unit
        re.compile(r"\bhow much\b", re.I),
        re.compile(
            r"[£$€¥]\s*\d|\d\s*%|\d\s*(per ?cent|bn|m|k|p|million|billion|trillion|thousand|"
            r"tonnes?|tons?|kg|litres?|liters?|gallons?|barrels?|miles?|km|metres?|feet|ft|"
            r"points?|pence|pounds|dollars|euros)\b",
            re.I,
        ),
    ),
    (  # a duration
        re.compile(r"\bhow long\b", re.I),
        re.compile(
            rf"\b(\d+|a|an|{_NUMBER_WORDS}|several|few|many)[- ](seconds?|minutes?|hours?|"
            r"days?|weeks?|months?|years?|decades?|seasons?|centur(y|ies))\b(?![- ]old)|"
            r"\b(decades?|since|until)\b",
            re.I,
        ),
    ),
    (  # a time of day
        re.compile(r"\bwhat time\b", re.I),
        re.compile(
            r"\b\d{1,2}[:.]\d{2}\b|\b\d{3,4}\s*(GMT|BST|CET|UTC)\b|\b\d{1,2}\s*(am|pm|a\.m\.|"
            r"p\.m\.)|\b(noon|midnight|o'clock|morning|afternoon|evening|tonight)\b",
            re.I,
        ),
    ),
    (
        re.compile(
            r"\b(how (many|much|old|long|fast|big)|what (share|percentage|proportion|"
            r"time|price|level|score|rank)|where .* ranked)\b",
            re.I,
        ),
        re.compile(
            r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|"
            r"hundred|thousand|million|billion|decade|dozen|half|third)\b",
            re.I,
        ),
    ),
    (
        re.compile(r"^\s*(when|what (day|date|year|month))\b", re.I),
        re.compile(rf"\b({_MONTHS}|{_DAYS}|tomorrow|yesterday|next|last|\d{{4}})\b", re.I),
    ),
    (
        re.compile(
            r"^\s*(who|whom|whose|where|which (cit(y|ies)|countr(y|ies)|clubs?|compan(y|ies)|"
            r"firms?|teams?))\b",
            re.I,
        ),
        re.compile(r"(?<=\w)[\s,(]+[A-Z][a-z]+"),
    ),
)


RULES = QuestionRules(STOPWORDS, STEM_SUFFIXES, NAMES, ANSWER_TYPES)
