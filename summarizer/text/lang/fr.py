"""French: page furniture only so far; every other rule stays off (the generic pipeline)."""

from __future__ import annotations

from summarizer.text.lang import LanguagePack, phrase_furniture

#: "Read also" lines, photo or source credits before a colon, advertisement labels.
READ_MORE = (
    "lire aussi",
    "à lire aussi",
    "voir aussi",
)
CREDITS = (
    "crédit photo",
    "crédits photo",
)
ADVERTS = ("publicité",)

PACK = LanguagePack("fr", is_furniture=phrase_furniture(READ_MORE, CREDITS, ADVERTS))
