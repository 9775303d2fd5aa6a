"""Italian: page furniture only so far; every other rule stays off (the generic pipeline)."""

from __future__ import annotations

from summarizer.text.lang import LanguagePack, phrase_furniture

#: "Read also" lines, photo or source credits before a colon, advertisement labels.
READ_MORE = ("leggi anche",)
CREDITS = (
    "foto",
    "fotos",
    "fonte",
)
ADVERTS = ("pubblicità",)

PACK = LanguagePack("it", is_furniture=phrase_furniture(READ_MORE, CREDITS, ADVERTS))
