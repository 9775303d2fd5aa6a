"""Guess an article's language so sentence splitting and output use the right rules."""

from __future__ import annotations

import array
import contextlib
import json
import mmap
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

_lock = threading.Lock()
_preloader: threading.Thread | None = None
#: Below this many letters a guess is noise; callers then get None.
MIN_LETTERS = 20


def preload() -> None:
    """Start loading the identifier's model in a background thread (~0.3 s of LZMA, which
    runs outside the GIL), so it overlaps the backend's own loading instead of delaying the
    first summary. Safe to call more than once."""
    global _preloader
    with _lock:
        if _preloader is not None:
            return
        _preloader = threading.Thread(target=_load, name="newsbot-langid", daemon=True)
        _preloader.start()


def _load() -> None:
    import py3langid

    with _lock:
        if py3langid.langid.IDENTIFIER is None:
            py3langid.langid.IDENTIFIER = _identifier_from_cache()


def _identifier_from_cache() -> Any:
    """py3langid's identifier, from an uncompressed copy of its model in the user cache.

    The packaged model is LZMA-compressed (4.5 MB → 68 MB): unpacking it took most of a CLI
    call's start-up (~0.3-0.7 s); the copy loads in a few ms. Any problem with the copy falls
    back to the packaged model.
    """
    from py3langid import langid

    folder = _cache_folder(langid.MODEL_DIR / langid.MODEL_FILE)
    try:
        return _read_model(folder, langid.LanguageIdentifier)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError):  # a damaged copy: make a new one
        shutil.rmtree(folder, ignore_errors=True)
    identifier = langid._load_identifier()
    with contextlib.suppress(OSError, ValueError):
        _write_model(folder, identifier)
    return identifier


def _cache_folder(source: Path) -> Path:
    import platformdirs
    import py3langid

    stat = source.stat()
    stamp = f"{py3langid.__version__}-{stat.st_size}-{int(stat.st_mtime)}"
    return Path(platformdirs.user_cache_dir("newsbot")) / "langid" / stamp


def _read_model(folder: Path, identifier_class: Any) -> Any:
    import numpy as np

    meta = json.loads((folder / "meta.json").read_text())
    nextmove = _mapped(folder / "nextmove.bin", meta["nextmove"])
    row = array.array(meta["row"])
    row.frombytes((folder / "row.bin").read_bytes())
    return identifier_class(
        np.load(folder / "ptc.npy", mmap_mode="r"),
        np.load(folder / "pc.npy"),
        meta["classes"],
        nextmove,
        np.load(folder / "output.npy").tolist(),
        tk_row=row,
    )


def _mapped(path: Path, typecode: str) -> memoryview:
    """The file's items, mapped rather than read: the 39 MB state table costs ~50 ms to read
    and the walk touches only a few pages of it."""
    with path.open("rb") as fh:
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        return memoryview(mapped).cast(typecode)
    except TypeError as exc:  # a cut-off file: not a whole number of items
        mapped.close()
        raise ValueError(f"{path} is damaged: {exc}") from None


def _write_model(folder: Path, identifier: Any) -> None:
    """Write the copy beside its final place, then rename it there: readers never see half."""
    import numpy as np

    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent))
    try:
        np.save(staging / "ptc.npy", np.asarray(identifier.nb_ptc), allow_pickle=False)
        np.save(staging / "pc.npy", np.asarray(identifier.nb_pc), allow_pickle=False)
        np.save(staging / "output.npy", np.asarray(identifier.tk_output), allow_pickle=False)
        (staging / "nextmove.bin").write_bytes(identifier.tk_nextmove.tobytes())
        (staging / "row.bin").write_bytes(identifier.tk_row.tobytes())
        meta = {
            "classes": list(identifier.nb_classes),
            "nextmove": identifier.tk_nextmove.typecode,
            "row": identifier.tk_row.typecode,
        }
        (staging / "meta.json").write_text(json.dumps(meta))
        os.replace(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when it is too short to tell."""
    sample = text[:3000]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    import py3langid

    with _lock:  # py3langid's shared identifier is not documented as thread-safe
        if py3langid.langid.IDENTIFIER is None:
            py3langid.langid.IDENTIFIER = _identifier_from_cache()
        lang, _score = py3langid.classify(sample)
    return str(lang)
