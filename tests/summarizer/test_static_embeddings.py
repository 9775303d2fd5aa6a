"""Static token vectors: distillation from a tiny random BERT, the packaged table, the encoder."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from summarizer.base import ModelLoadError
from summarizer.config import SummarizerConfig
from summarizer.extractive.static_encoder import (
    StaticSentenceEncoder,
    load_quantized,
    load_table,
    save_table,
)
from summarizer.extractive.transformer_encoder import MAX_TOKENS, SentenceEncoder
from summarizer.pipeline import ExtractiveSummarizer, sentence_encoder

_DISTILL = Path(__file__).resolve().parents[2] / "benchmarks" / "distill.py"


def _distill_module():
    """benchmarks/distill.py (the table is built beside the training scripts, not at run time)."""
    spec = importlib.util.spec_from_file_location("bench_distill", _DISTILL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

WORDS = (
    "the a of and to in bank rates interest central raised cut match team won lost goal "
    "city council vote budget river flood rain storm police said on monday"
).split()
CORPUS = [
    "the central bank raised interest rates",
    "the bank cut rates on monday",
    "the team won the match",
    "the city council vote on the budget",
    "police said the river flood followed the storm",
    "the team lost the match in the rain",
] * 5


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> Path:
    """A random 1-layer BERT with a fast tokenizer (tokenizer.json), saved to a directory."""
    pytest.importorskip("torch")
    from tests.summarizer.tiny_models import build_tiny_bert

    path = build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"), WORDS, hidden_size=16)
    assert (path / "tokenizer.json").is_file()
    return path


@pytest.fixture(scope="module")
def tiny_table(tiny_bert, tmp_path_factory) -> Path:
    distill = _distill_module().distill

    table, meta = distill(tiny_bert, CORPUS, name="tiny-bert")
    path = tmp_path_factory.mktemp("table") / "static.npz"
    save_table(path, table, meta)
    return path


def test_token_vectors_are_the_models_output_for_each_token_alone(tiny_bert):
    import torch
    from transformers import AutoModel, AutoTokenizer

    token_vectors = _distill_module().token_vectors

    vectors = token_vectors(tiny_bert, batch_size=7)  # batches that don't divide the vocabulary
    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    model = AutoModel.from_pretrained(tiny_bert).eval()
    assert vectors.shape == (len(tokenizer), 16)
    for word in ("bank", "match", "monday"):
        token = tokenizer.convert_tokens_to_ids(word)
        ids = torch.tensor([[tokenizer.cls_token_id, token, tokenizer.sep_token_id]])
        with torch.inference_mode():
            expected = model(input_ids=ids).last_hidden_state[0, 1].numpy()
        np.testing.assert_allclose(vectors[token], expected, rtol=1e-4, atol=1e-5)


def test_distillation_is_deterministic_and_records_what_it_was_built_from(tiny_bert):
    distill = _distill_module().distill
    from summarizer.extractive.static_encoder import tokenizer_digest

    first, meta = distill(tiny_bert, CORPUS, name="tiny-bert")
    second, _ = distill(tiny_bert, CORPUS, name="tiny-bert")
    np.testing.assert_array_equal(first, second)
    assert meta["tokenizer_sha256"] == tokenizer_digest(tiny_bert / "tokenizer.json")
    assert meta["corpus_sentences"] == len(CORPUS) and meta["components"] == 1


def test_sif_weights_shrink_frequent_tokens_and_the_top_component_is_removed():
    sif_table = _distill_module().sif_table

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(6, 8)).astype(np.float32)
    corpus = [[0, 1]] * 90 + [[2]] * 20  # 200 tokens: 0 and 1 45 % each, 2 10 %, 3-5 unseen
    plain = sif_table(vectors, corpus, sif_a=0.05, components=0)
    expected_weights = 0.05 / (0.05 + np.array([0.45, 0.45, 0.1, 0, 0, 0]))
    np.testing.assert_allclose(plain, vectors * expected_weights[:, None], rtol=1e-5)

    projected = sif_table(vectors, corpus, sif_a=0.05, components=1)
    sums = np.stack([plain[ids].sum(axis=0) for ids in corpus])
    sums /= np.linalg.norm(sums, axis=1, keepdims=True)
    top = np.linalg.svd(sums, full_matrices=False)[2][0]
    assert np.abs(projected @ top).max() < 1e-5
    assert np.abs(plain @ top).max() > 0.1  # it was there before


def test_the_int8_table_round_trips_with_its_metadata(tmp_path):
    table = np.random.default_rng(1).normal(size=(50, 24)).astype(np.float32)
    table[3] = 0.0  # an all-zero row must not divide by zero
    save_table(tmp_path / "t.npz", table, {"model": "m", "tokenizer_sha256": "x"})
    loaded, meta = load_table(tmp_path / "t.npz")
    assert meta == {"model": "m", "tokenizer_sha256": "x"}
    assert loaded.dtype == np.float32 and loaded.shape == table.shape
    assert not loaded[3].any()
    cosine = (loaded * table).sum(1)[table.any(1)] / (
        np.linalg.norm(loaded, axis=1) * np.linalg.norm(table, axis=1)
    )[table.any(1)]
    assert cosine.min() > 0.999


def test_a_sentence_vector_is_the_normalised_sum_of_its_token_rows(tiny_bert, tiny_table):
    from tokenizers import Tokenizer

    encoder = StaticSentenceEncoder(tiny_table, tiny_bert)
    table, _ = load_table(tiny_table)
    tokenizer = Tokenizer.from_file(str(tiny_bert / "tokenizer.json"))
    sentences = ["The Central Bank raised rates.", "", "the team won", "police said"]
    vectors = encoder.encode(sentences)
    assert vectors.shape == (4, 16) and vectors.dtype == np.float32
    for i in (0, 2, 3):
        ids = tokenizer.encode(sentences[i], add_special_tokens=False).ids
        expected = table[ids].sum(axis=0)
        np.testing.assert_allclose(vectors[i], expected / np.linalg.norm(expected), atol=1e-5)
    assert not vectors[1].any()  # nothing to sum: a zero vector, not NaN
    assert encoder.encode([]).shape == (0, 16)
    assert encoder.model_id == "static:tiny-bert"


def test_long_sentences_are_cut_at_the_same_token_budget_as_the_encoder(tiny_bert, tiny_table):
    encoder = StaticSentenceEncoder(tiny_table, tiny_bert)
    head = " ".join(["bank"] * MAX_TOKENS)
    long, cut = encoder.encode([head + " match" * 30, head])
    np.testing.assert_allclose(long, cut, atol=1e-6)


def test_a_damaged_table_is_a_load_error_not_a_crash(tiny_bert, tmp_path):
    (tmp_path / "damaged.npz").write_bytes(b"PK\x03\x04 not really a zip file")
    with pytest.raises(ModelLoadError, match="cannot be read"):
        StaticSentenceEncoder(tmp_path / "damaged.npz", tiny_bert)


def test_the_rows_are_mapped_from_the_file_and_read_the_same(tiny_table):
    """A start maps the int8 rows instead of reading them (11.7 MB for the packaged table)."""
    mapped, scales, meta = load_quantized(tiny_table, mapped=True)
    read, scales_read, meta_read = load_quantized(tiny_table)
    assert isinstance(mapped, np.memmap) and not isinstance(read, np.memmap)
    np.testing.assert_array_equal(mapped, read)
    np.testing.assert_array_equal(scales, scales_read)
    assert meta == meta_read


def test_the_packaged_encoder_maps_its_rows():
    encoder = StaticSentenceEncoder()
    assert isinstance(encoder._rows, np.memmap)
    assert encoder.encode(["The council approved the plan."]).shape == (1, encoder.dimension)


def test_a_cut_off_table_is_a_load_error_when_mapped(tiny_table, tmp_path):
    data = tiny_table.read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelLoadError, match="cannot be read"):
        load_quantized(cut, mapped=True)


def test_a_table_built_for_another_tokenizer_is_refused(tiny_bert, tiny_table, tmp_path):
    table, meta = load_table(tiny_table)
    save_table(tmp_path / "other.npz", table, {**meta, "tokenizer_sha256": "0" * 64})
    with pytest.raises(ModelLoadError, match="another tokenizer"):
        StaticSentenceEncoder(tmp_path / "other.npz", tiny_bert)


def test_the_tokenizer_digest_follows_token_ids_not_file_formatting(tiny_bert, tmp_path):
    import json

    from summarizer.extractive.static_encoder import tokenizer_digest

    original = tiny_bert / "tokenizer.json"
    spec = json.loads(original.read_text(encoding="utf-8"))
    spec["padding"] = None  # settings the encoder overrides anyway
    (tmp_path / "reformatted.json").write_text(json.dumps(spec, indent=4), encoding="utf-8")
    assert tokenizer_digest(tmp_path / "reformatted.json") == tokenizer_digest(original)
    spec["model"]["vocab"]["bank"], spec["model"]["vocab"]["match"] = (
        spec["model"]["vocab"]["match"], spec["model"]["vocab"]["bank"]
    )
    (tmp_path / "swapped.json").write_text(json.dumps(spec), encoding="utf-8")
    assert tokenizer_digest(tmp_path / "swapped.json") != tokenizer_digest(original)


def test_a_stale_packaged_table_falls_back_to_the_model_with_a_warning(monkeypatch, caplog):
    import summarizer.pipeline as extractive
    from summarizer.extractive.static_encoder import TableMismatchError

    def stale_table():
        raise TableMismatchError("the static token vectors were built for another tokenizer")

    monkeypatch.setattr(extractive, "StaticSentenceEncoder", stale_table)
    with caplog.at_level("WARNING", logger="summarizer.pipeline"):
        encoder = sentence_encoder(SummarizerConfig())
    assert isinstance(encoder, SentenceEncoder)
    assert "running the sentence model itself" in caplog.text


def test_the_packaged_table_loads_offline_and_keeps_meaning():
    encoder = StaticSentenceEncoder()
    assert encoder.dimension == 384 and encoder.model_id == "static:all-MiniLM-L6-v2"
    rates, rates_again, football = encoder.encode([
        "The central bank raised interest rates by half a point on Thursday.",
        "Borrowing costs went up after the central bank increased its key rate.",
        "The home side won the football match with a late goal.",
    ])
    assert rates @ rates_again > rates @ football + 0.2


def test_the_default_config_uses_static_vectors_and_a_named_model_runs_the_encoder(tiny_bert):
    assert isinstance(sentence_encoder(SummarizerConfig()), StaticSentenceEncoder)
    switched_off = sentence_encoder(SummarizerConfig(embedding_static=False, embedding_int8=False))
    assert isinstance(switched_off, SentenceEncoder)
    named = sentence_encoder(SummarizerConfig(embedding_model=str(tiny_bert), embedding_int8=False))
    assert isinstance(named, SentenceEncoder) and named.dimension == 16


def test_the_default_extractive_path_never_imports_torch():
    code = (
        "import sys\n"
        "from summarizer.pipeline import ExtractiveSummarizer\n"
        "from tests.summarizer.tiny_models import news_article\n"
        "summary = ExtractiveSummarizer().summarize(news_article(), max_bullets=3)\n"
        "assert len(summary.bullets) == 3, summary\n"
        "print('torch' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                            text=True, timeout=300, check=True)
    assert result.stdout.strip() == "False"


def test_static_and_model_vectors_rank_an_article_alike():
    """The distilled vectors stand in for MiniLM: the learned ranker picks mostly the same
    sentences with either (the quality numbers are in BENCHMARKS.md)."""
    from tests.summarizer.tiny_models import news_article

    text = news_article(paragraphs=8)
    static = ExtractiveSummarizer(SummarizerConfig()).summarize(text, max_bullets=3)
    model = ExtractiveSummarizer(SummarizerConfig(embedding_static=False)).summarize(
        text, max_bullets=3
    )
    assert len({b.span for b in static.bullets} & {b.span for b in model.bullets}) >= 2
