"""Distil a sentence encoder into a table of static token vectors (see static_embeddings).

Each vocabulary entry gets the encoder's output vector for that token alone between the
model's special tokens (`[CLS] tok [SEP]` for BERT-style models). Rows are then weighted by
SIF, a / (a + p(token)) with p counted over a corpus of news sentences, so frequent words
count little, and the corpus' first principal component is projected out (Arora et al.,
"A simple but tough-to-beat baseline for sentence embeddings", ICLR 2017). Deterministic for
a given model and corpus; needs torch (only here, not at run time).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from summarizer.extractive.static_encoder import load_tokenizer, tokenizer_digest
from summarizer.extractive.transformer_encoder import MAX_TOKENS

#: SIF smoothing; 1e-4 beat 1e-5 and 3e-4 in 5-fold CV of the ranker (BENCHMARKS.md).
SIF_A = 1e-4
#: Principal components removed; 1 beat 0 and 2 in the same CV.
COMPONENTS = 1
#: Sentences (evenly spaced over the corpus) the principal components are estimated from.
COMPONENT_SAMPLE = 20_000


def token_vectors(model_dir: str | Path, *, batch_size: int = 512) -> np.ndarray:
    """(vocabulary, hidden) float32: the model's output for each token on its own."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModel.from_pretrained(model_dir, local_files_only=True).eval()
    vocabulary = len(tokenizer)
    # where one token sits between the model's special tokens, e.g. [CLS] tok [SEP] → 1
    framed = tokenizer("the", add_special_tokens=True)["input_ids"]
    bare = tokenizer("the", add_special_tokens=False)["input_ids"]
    position = next(i for i in range(len(framed)) if framed[i : i + len(bare)] == bare)
    template = torch.tensor(framed[:position] + [0] + framed[position + len(bare) :])
    out = np.zeros((vocabulary, model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for lo in range(0, vocabulary, batch_size):
            ids = torch.arange(lo, min(vocabulary, lo + batch_size))
            batch = template.repeat(len(ids), 1)
            batch[:, position] = ids
            hidden = model(input_ids=batch, attention_mask=torch.ones_like(batch)).last_hidden_state
            out[lo : lo + len(ids)] = hidden[:, position].float().numpy()
    return out


def token_ids(tokenizer_file: Path, sentences: Sequence[str]) -> list[list[int]]:
    """Token ids of each sentence exactly as StaticSentenceEncoder tokenizes it."""
    tokenizer = load_tokenizer(tokenizer_file)
    return [e.ids for e in tokenizer.encode_batch(list(sentences), add_special_tokens=False)]


def sif_table(
    vectors: np.ndarray,
    corpus_ids: Sequence[Sequence[int]],
    *,
    sif_a: float = SIF_A,
    components: int = COMPONENTS,
) -> np.ndarray:
    """Token vectors weighted by a/(a+p) and with the corpus' top principal components removed."""
    flat = np.fromiter((i for ids in corpus_ids for i in ids), dtype=np.int64)
    counts = np.bincount(flat, minlength=len(vectors)).astype(np.float64)
    if not counts.sum():
        raise ValueError("the corpus has no tokens to count frequencies from")
    weights = sif_a / (sif_a + counts / counts.sum())
    table = vectors.astype(np.float64) * weights[:, None]
    if components:
        step = max(1, len(corpus_ids) // COMPONENT_SAMPLE)
        sample = [ids for ids in corpus_ids[::step] if len(ids)]
        sums = np.stack([table[np.asarray(ids)].sum(axis=0) for ids in sample])
        sums /= np.linalg.norm(sums, axis=1, keepdims=True) + 1e-12
        _, _, vt = np.linalg.svd(sums, full_matrices=False)
        top = vt[:components]
        table = table - (table @ top.T) @ top
    return table.astype(np.float32)


def distill(
    model_dir: str | Path,
    corpus: Sequence[str],
    *,
    name: str,
    sif_a: float = SIF_A,
    components: int = COMPONENTS,
) -> tuple[np.ndarray, dict]:
    """(table, metadata) ready for `static_embeddings.save_table`."""
    tokenizer_file = Path(model_dir) / "tokenizer.json"
    if not tokenizer_file.is_file():
        raise FileNotFoundError(f"{tokenizer_file} is missing: a fast tokenizer is required")
    vectors = token_vectors(model_dir)
    corpus_ids = token_ids(tokenizer_file, corpus)
    table = sif_table(vectors, corpus_ids, sif_a=sif_a, components=components)
    meta = {
        "model": name,
        "tokenizer_sha256": tokenizer_digest(tokenizer_file),
        "sif_a": sif_a,
        "components": components,
        "corpus_sentences": len(corpus),
        "max_tokens": MAX_TOKENS,
    }
    return table, meta
