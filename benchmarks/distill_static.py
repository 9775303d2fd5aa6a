"""Rebuild summarizer/data/static_minilm.npz: static token vectors distilled from the embedded
all-MiniLM-L6-v2 (see benchmarks/distill.py for the method).

Token frequencies for the SIF weights and the removed principal component come from the
sentences of the TRAIN part of both dev files only (split rule in benchmarks/common.py), split
exactly as the summarizer splits them. Deterministic; about 2 minutes on 2 cores.

    HF_HUB_OFFLINE=1 python benchmarks/distill_static.py
"""

from __future__ import annotations

import argparse
import sys
import time

from common import DATASETS, ROOT, load_articles, ranked_sentences
from distill import COMPONENTS, SIF_A, distill

from summarizer.extractive.static_encoder import PACKAGED_TABLE, save_table
from summarizer.extractive.transformer_encoder import resolve_model

OUT = ROOT / "summarizer" / "data" / PACKAGED_TABLE


def train_sentences() -> list[str]:
    return [
        sentence.text
        for dataset in DATASETS
        for article in load_articles(dataset, "train")
        for sentence in ranked_sentences(article.text)[1]
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--sif-a", type=float, default=SIF_A)
    parser.add_argument("--components", type=int, default=COMPONENTS)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    corpus = train_sentences()
    print(f"corpus: {len(corpus)} train sentences ({time.perf_counter() - started:.0f} s)",
          file=sys.stderr)
    table, meta = distill(
        resolve_model(""), corpus, name="all-MiniLM-L6-v2", sif_a=args.sif_a,
        components=args.components,
    )
    save_table(args.out, table, meta)
    print(f"wrote {args.out}: {table.shape[0]} x {table.shape[1]} "
          f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
