"""The language identifier loads from an uncompressed copy of its model after the first time."""

from __future__ import annotations

import pytest
from py3langid import langid

import summarizer.text.language as language

SAMPLES = {
    "en": "The council approved a new budget for the harbour on Monday evening after a debate.",
    "de": "Der Stadtrat hat am Dienstag den Bau einer neuen Brücke über den Fluss beschlossen.",
    "fr": "Le conseil municipal a approuvé lundi soir un nouveau budget pour le port de la ville.",
    "es": "El ayuntamiento aprobó el lunes por la noche un nuevo presupuesto para el puerto.",
    "ja": "市議会は月曜日の夜、長い議論の末に港の新しい予算を承認した。",
    "ru": "Городской совет в понедельник вечером утвердил новый бюджет для городского порта.",
}


@pytest.fixture
def fresh_identifier(monkeypatch):
    """No identifier loaded yet in this process (each test loads its own)."""
    monkeypatch.setattr(langid, "IDENTIFIER", None)


def test_the_copy_is_written_once_then_read_instead_of_the_packaged_model(
    fresh_identifier, monkeypatch
):
    first = {code: language.detect_language(text) for code, text in SAMPLES.items()}
    assert first == {code: code for code in SAMPLES}
    folder = language._cache_folder(langid.MODEL_DIR / langid.MODEL_FILE)
    assert (folder / "ptc.npy").is_file() and (folder / "meta.json").is_file()

    def unpack_again(*args, **kwargs):
        raise AssertionError("the packaged model was unpacked although the copy exists")

    monkeypatch.setattr(langid, "IDENTIFIER", None)
    monkeypatch.setattr(langid, "_load_identifier", unpack_again)
    again = {code: language.detect_language(text) for code, text in SAMPLES.items()}
    assert again == first


@pytest.mark.parametrize("damage", ["meta", "cut-off table", "empty table"])
def test_a_damaged_copy_falls_back_to_the_packaged_model(fresh_identifier, damage):
    language.detect_language(SAMPLES["en"])  # writes the copy
    folder = language._cache_folder(langid.MODEL_DIR / langid.MODEL_FILE)
    table = folder / "nextmove.bin"
    size = table.stat().st_size
    if damage == "meta":
        (folder / "meta.json").write_text("{not json")
    else:
        with table.open("r+b") as fh:
            fh.truncate(0 if damage == "empty table" else size - 1)
    langid.IDENTIFIER = None
    assert language.detect_language(SAMPLES["de"]) == "de"
    assert (folder / "meta.json").read_text().startswith("{\"")  # and the copy was rewritten
    assert table.stat().st_size == size
