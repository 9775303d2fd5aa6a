"""Sentence vectors from a table of static token vectors distilled from the embedded MiniLM.

The extractive ranker reads sentence vectors only through similarities (centrality, similarity
to the lead, MMR), and for those a weighted sum of per-token vectors taken from MiniLM scores
as well as running MiniLM itself in 5-fold cross-validation (BENCHMARKS.md), at a fraction of
the cost: one tokenizer call and a table look-up instead of a transformer pass per sentence,
and no torch in the default path. The table ships as package data beside MiniLM's tokenizer
(loaded with `tokenizers` alone); `benchmarks/distill.py` and `benchmarks/distill_static.py`
rebuild the table reproducibly.

A sentence vector is normalize(sum of its tokens' rows). The rows already carry the SIF
weight a/(a + p(token)) and have the corpus' first principal component removed, both linear,
so nothing but a sum is left to do at run time.
"""

from __future__ import annotations

import hashlib
import json
import struct
import threading
import zipfile
from collections.abc import Sequence
from contextlib import ExitStack
from importlib import resources
from pathlib import Path

import numpy as np

from summarizer.base import ModelLoadError
from summarizer.extractive.transformer_encoder import MAX_TOKENS

#: Package-data file of the table distilled from the embedded all-MiniLM-L6-v2.
PACKAGED_TABLE = "static_minilm.npz"
#: all-MiniLM-L6-v2's tokenizer.json, shipped beside the table (Apache-2.0, see
#: MINILM_TOKENIZER_LICENSE.txt) so the default needs neither torch nor the model package.
PACKAGED_TOKENIZER = "minilm_tokenizer.json"


#: The parts of a tokenizer.json that decide which ids a text gets (not its padding or
#: truncation settings, nor how the file happens to be formatted).
_TOKENIZATION_KEYS = ("normalizer", "pre_tokenizer", "model", "added_tokens")


class TableMismatchError(ModelLoadError):
    """The table was distilled for a different tokenizer than the one installed."""


def tokenizer_digest(tokenizer_file: Path) -> str:
    """sha256 of what decides a text's token ids: a table is only valid for that tokenizer."""
    spec = json.loads(tokenizer_file.read_text(encoding="utf-8"))
    relevant = {key: spec.get(key) for key in _TOKENIZATION_KEYS}
    return hashlib.sha256(
        json.dumps(relevant, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()


def save_table(path: Path, table: np.ndarray, meta: dict) -> None:
    """Store a float table as int8 rows with one float32 scale per row: 4x smaller than fp32,
    each row keeps a cosine above 0.999 to its original, and the ranker's CV with the int8
    table (76.34) matched the fp32 experiment's (76.33, BENCHMARKS.md)."""
    table = np.asarray(table, dtype=np.float32)
    scales = np.abs(table).max(axis=1) / 127.0
    safe = np.where(scales > 0, scales, 1.0)
    rows = np.rint(table / safe[:, None]).astype(np.int8)
    # Uncompressed: int8 rows barely deflate (11.8 -> 10.7 MB) and inflating them cost ~55 ms
    # of every CLI start.
    np.savez(path, rows=rows, scales=scales.astype(np.float32), meta=np.array(json.dumps(meta)))


def load_table(source) -> tuple[np.ndarray, dict]:
    """(float32 table, metadata) from a file written by `save_table`."""
    rows, scales, meta = load_quantized(source)
    return rows.astype(np.float32) * scales[:, None], meta


def load_quantized(source, *, mapped: bool = False) -> tuple[np.ndarray, np.ndarray, dict]:
    """(int8 rows, float32 scale per row, metadata) as stored: the encoder dequantizes only the
    rows a sentence uses, so a start never builds the whole 47 MB float table (~0.1 s).
    `mapped` maps the rows from the file instead of reading its 11.7 MB: a summary touches a
    few hundred of them (the file must stay in place while they are used)."""
    try:
        # opened here, not by np.load, so that a damaged file is closed as well
        with open(source, "rb") as fh, np.load(fh, allow_pickle=False) as blob:
            rows = _mapped_rows(fh) if mapped else None
            if rows is None:
                rows = blob["rows"]
            scales, meta = blob["scales"], json.loads(str(blob["meta"]))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ModelLoadError(f"the static token vectors cannot be read: {exc}") from exc
    return rows, scales, meta


def _mapped_rows(fh) -> np.ndarray | None:  # noqa: ANN001 - an open binary file
    """`rows.npy` of an uncompressed .npz (what `save_table` writes) as a read-only memory map,
    or None if it is stored any other way."""
    info = zipfile.ZipFile(fh).getinfo("rows.npy")
    if info.compress_type != zipfile.ZIP_STORED:
        return None
    fh.seek(info.header_offset)
    local = fh.read(30)  # the member's local header: its name and extra field come next
    if local[:4] != b"PK\x03\x04":
        return None
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    fh.seek(info.header_offset + 30 + name_length + extra_length)
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
    else:
        return None
    if fortran or dtype != np.int8 or len(shape) != 2:
        return None
    return np.memmap(fh.name, dtype=np.int8, mode="r", offset=fh.tell(), shape=shape)


def load_tokenizer(tokenizer_file: Path):
    """The fast tokenizer as sentences are encoded: no padding, MAX_TOKENS tokens at most."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)
    return tokenizer


class StaticSentenceEncoder:
    """Encodes sentences into unit vectors by summing static token vectors; thread-safe."""

    def __init__(
        self, table_path: str | Path | None = None, tokenizer_dir: str | Path | None = None
    ) -> None:
        with ExitStack() as files:
            if tokenizer_dir is None:
                source = resources.files("summarizer.data").joinpath(PACKAGED_TOKENIZER)
                tokenizer_file = files.enter_context(resources.as_file(source))
            else:
                tokenizer_file = Path(tokenizer_dir) / "tokenizer.json"
            if not tokenizer_file.is_file():
                raise ModelLoadError(
                    f"the sentence tokenizer {tokenizer_file} is missing; reinstall newsbot, "
                    "or set summarizer.embedding_static = false with a configured "
                    "summarizer.embedding_model"
                )
            table_is_packaged = table_path is None
            in_place = True  # a file that stays where it is, so its rows can be mapped
            if table_path is None:
                source = resources.files("summarizer.data").joinpath(PACKAGED_TABLE)
                in_place = isinstance(source, Path)  # not a temporary copy out of a zip
                table_path = files.enter_context(resources.as_file(source))
            self._rows, self._scales, self.meta = load_quantized(table_path, mapped=in_place)
            # The packaged pair ships together (a test checks it matches): no need to re-hash
            # the 466 kB tokenizer on every start.
            packaged = tokenizer_dir is None and table_is_packaged
            if not packaged and self.meta.get("tokenizer_sha256") != tokenizer_digest(
                tokenizer_file
            ):
                raise TableMismatchError(
                    f"the static token vectors were built for another tokenizer than "
                    f"{tokenizer_file}; rebuild them (benchmarks/distill_static.py) or set "
                    "summarizer.embedding_static = false"
                )
            self._tokenizer = load_tokenizer(tokenizer_file)
        self._lock = threading.Lock()
        self.model_id = f"static:{self.meta.get('model', 'unknown')}"
        self.dimension = int(self._rows.shape[1])

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """(len(sentences), dim) float32 array of L2-normalised sentence vectors."""
        out = np.zeros((len(sentences), self.dimension), dtype=np.float32)
        if not sentences:
            return out
        with self._lock:
            encodings = self._tokenizer.encode_batch(list(sentences), add_special_tokens=False)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        ids = np.fromiter(
            (i for e in encodings for i in e.ids), dtype=np.int64, count=int(lengths.sum())
        )
        nonempty = lengths > 0
        if ids.size:
            starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[nonempty]
            vectors = self._rows[ids].astype(np.float32) * self._scales[ids, None]
            out[nonempty] = np.add.reduceat(vectors, starts, axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.where(norms > 0, norms, 1.0)).astype(np.float32, copy=False)
