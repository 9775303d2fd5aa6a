"""German: page furniture only so far; every other rule stays off (the generic pipeline)."""

from __future__ import annotations

from summarizer.text.lang import LanguagePack, phrase_furniture

#: "Read also" lines, photo or source credits before a colon, advertisement labels.
READ_MORE = (
    "lesen sie auch",
    "lesen sie mehr",
    "mehr zum thema",
    "das könnte sie auch interessieren",
)
CREDITS = (
    "foto",
    "fotos",
    "bild",
    "quelle",
)
ADVERTS = (
    "anzeige",
    "werbung",
)

PACK = LanguagePack("de", is_furniture=phrase_furniture(READ_MORE, CREDITS, ADVERTS))
