"""Shared pieces of the benchmarks: data files, the fixed train/eval split, ROUGE scoring.

The split is fixed by article id so that anything trained or tuned (the learned ranker)
never sees the articles it is scored on:

    eval  ⇔  int(sha1(id.encode("utf-8")).hexdigest(), 16) % 3 == 0      (about a third)
    train ⇔  otherwise

The same rule applies to cnndm_dev.jsonl and xsum_dev.jsonl. bbc_dev.jsonl was itself cut from
its source by that rule (it holds only ids the rule calls train; the rest is kept for
independent checks), so its eval part is a third by the same rule on a salted id:

    eval  ⇔  int(sha1(("bbc_dev/" + id).encode("utf-8")).hexdigest(), 16) % 3 == 0
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("NEWSBOT_DATA", ROOT.parent / "shared" / "data"))
CACHE_DIR = Path(os.environ.get("NEWSBOT_BENCH_CACHE", "/tmp/newsbot-bench-cache"))

#: dataset name → (file, bullets per summary): what the ranker and the static table learn from
DATASETS = {"cnndm": ("cnndm_dev.jsonl", 3), "xsum": ("xsum_dev.jsonl", 1)}
#: Every data set the quality benchmark scores: the training sets, and raw, cased BBC News
#: (bbc_dev: extractive references, the article sentences its summary keeps).
BENCH_DATASETS = {**DATASETS, "bbc": ("bbc_dev.jsonl", 3)}
SPLIT_MODULUS = 3


#: Salts for data sets already cut by the plain rule (see the module docstring).
SPLIT_SALT = {"bbc": "bbc_dev/"}


def split_of(article_id: str, dataset: str = "") -> str:
    """'eval' or 'train' for an article id (see the module docstring)."""
    key = SPLIT_SALT.get(dataset, "") + str(article_id)
    h = int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16)
    return "eval" if h % SPLIT_MODULUS == 0 else "train"


@dataclass(frozen=True)
class Article:
    id: str
    dataset: str
    group: str  # "cnn" / "dailymail" for cnndm, "bbc" for xsum, "bbcnews" for bbc
    text: str
    reference: str  # one reference sentence per line
    split: str


def load_articles(dataset: str, split: str = "eval", limit: int | None = None) -> list[Article]:
    """Articles of one dataset and split ("train", "eval" or "all"), in file order.

    With `limit`, an evenly spaced sample of that many articles (deterministic).
    """
    name, _ = BENCH_DATASETS[dataset]
    out: list[Article] = []
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            part = split_of(row["id"], dataset)
            if split != "all" and part != split:
                continue
            out.append(
                Article(
                    row["id"], dataset, _group(dataset, row["article"]), row["article"],
                    _reference(dataset, row), part,
                )
            )
    if limit and len(out) > limit:
        # evenly spaced, so a sample keeps the file's mix (CNN rows come first in cnndm_dev)
        out = [out[i * len(out) // limit] for i in range(limit)]
    return out


def _reference(dataset: str, row: dict) -> str:
    """One reference sentence per line: bbc_dev's are the article sentences its summary keeps."""
    if dataset == "bbc":
        return "\n".join(s.strip() for s in row["summary_sentences"])
    return row["reference"].strip()


def _group(dataset: str, article: str) -> str:
    if dataset == "xsum":
        return "bbc"
    if dataset == "bbc":
        return "bbcnews"
    # a CNN article opens with its dateline and "( cnn )"; Daily Mail ones don't
    return "cnn" if "( cnn )" in article[:200] else "dailymail"


_scorer = None


def rouge(summary_sentences: list[str], reference: str) -> tuple[float, float, float]:
    """ROUGE-1/2/Lsum F1 x100; Lsum with one sentence per line on both sides."""
    global _scorer
    if _scorer is None:
        from rouge_score import rouge_scorer

        _scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    pred = "\n".join(s.strip() for s in summary_sentences)
    scores = _scorer.score(reference, pred)
    return (
        100 * scores["rouge1"].fmeasure,
        100 * scores["rouge2"].fmeasure,
        100 * scores["rougeLsum"].fmeasure,
    )


#: Resamples for the paired bootstrap; seeded, so a rerun prints the same interval.
BOOTSTRAP_RESAMPLES = 2000


def paired_gain(
    system: list[float], baseline: list[float], resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Mean per-article gain of `system` over `baseline` and its 95 % bootstrap interval.

    Both lists score the same articles in the same order. Articles are resampled with
    replacement and the two systems stay paired, so the interval says how far the gain could
    move on another draw of articles like these: a gain whose interval holds the target is
    short of it by no more than the data can tell.
    """
    if not system or len(system) != len(baseline):
        raise ValueError("paired_gain needs two equally long, non-empty score lists")
    diff = np.asarray(system, dtype=np.float64) - np.asarray(baseline, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(resamples, len(diff)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(diff.mean()), float(low), float(high)


SHARD = 256


def ranked_sentences(article_text: str) -> tuple[str, list]:
    """(cleaned text, sentences) exactly as the summarizer splits an article for ranking:
    same cleaning and language, capped at MAX_SENTENCES."""
    from summarizer.pipeline import MAX_SENTENCES
    from summarizer.text.cleaning import clean_text
    from summarizer.text.language import detect_language
    from summarizer.text.sentences import split_sentences

    text = clean_text(article_text)
    return text, split_sentences(text, detect_language(text))[:MAX_SENTENCES]


def cached_embeddings(
    dataset: str, split: str, encoder_factory, limit: int | None = None, settings: str = ""
):
    """(article, text, sentences, vectors) per article; embeddings cached on disk in shards.

    `settings` names the encoder configuration (e.g. "int8-t64") and is part of the cache
    key, so embeddings from different encoder settings never mix.

    Sentences are split exactly as the summarizer splits them (`ranked_sentences`), so
    features computed from them match what the ranker sees at run time.
    """
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    articles = load_articles(dataset, split, limit)
    encoder = None
    for lo in range(0, len(articles), SHARD):
        prepared = []
        for art in articles[lo : lo + SHARD]:
            prepared.append((art, *ranked_sentences(art.text)))
        counts = np.array([len(p[2]) for p in prepared])
        # ids and sentence texts: a splitter or clean-up change re-embeds what it changed
        digest = hashlib.sha1()
        for art, _, sents in prepared:
            digest.update(art.id.encode())
            for s in sents:
                digest.update(b"\0" + s.text.encode())
        key = digest.hexdigest()[:12]
        name = f"{dataset}-{settings}-{key}" if settings else f"{dataset}-{key}"
        path = CACHE_DIR / f"{name}.npz"
        if path.exists():  # the key fixes the sentences, so a file under it always fits
            vectors = np.load(path, allow_pickle=False)["vectors"]
        else:
            encoder = encoder or encoder_factory()
            flat = [s.text for _, _, ss in prepared for s in ss]
            vectors = encoder.encode(flat).astype(np.float16)
            np.savez(path, vectors=vectors)
            print(f"  embedded {dataset} {split} {lo + len(prepared)}/{len(articles)}",
                  file=sys.stderr)
        offset = 0
        for (art, text, sents), n in zip(prepared, counts, strict=True):
            yield art, text, sents, np.asarray(vectors[offset : offset + n], dtype=np.float32)
            offset += n
