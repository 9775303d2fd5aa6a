"""seq2seq backend on tiny random BART / T5 models: chunking, map-reduce, batching, errors."""

from __future__ import annotations

from dataclasses import replace

import pytest

from summarizer import ModelLoadError, Summary, load_summarizer
from summarizer.abstractive.faithfulness import Verifier
from summarizer.abstractive.seq2seq import Seq2SeqSummarizer
from summarizer.base import InputError
from summarizer.config import GenerationConfig, SummarizerConfig
from tests.summarizer.tiny_models import (
    build_tiny_bart,
    build_tiny_llama,
    build_tiny_t5,
    news_article,
)

SHORT = "The city council said the new budget was two million. The mayor said schools would open."


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    return {
        "bart": build_tiny_bart(root / "bart"),
        "t5": build_tiny_t5(root / "t5"),
        "llama": build_tiny_llama(root / "llama"),
    }


def make(path, fake_extractive, **changes) -> Seq2SeqSummarizer:
    config = SummarizerConfig(
        backend="seq2seq",
        model=str(path),
        faithfulness_guard=False,
        generation=GenerationConfig(num_beams=2, min_new_tokens=4, max_new_tokens=12),
    )
    config = replace(config, **changes)
    summarizer = load_summarizer(config)
    assert isinstance(summarizer, Seq2SeqSummarizer)
    summarizer.verifier = Verifier(
        config, encoder=fake_extractive.encoder, extractive=fake_extractive
    )
    return summarizer


def test_long_input_is_chunked_on_sentence_boundaries(models, fake_extractive):
    summarizer = make(models["bart"], fake_extractive)
    sentences = [s for p in news_article(6).split("\n\n") for s in p.split(". ")]
    sentences = [s if s.endswith(".") else s + "." for s in sentences]
    chunks = summarizer.chunk(sentences)
    assert len(chunks) >= 3
    # Every sentence lands whole in exactly one chunk, in order.
    assert " ".join(chunks) == " ".join(sentences)
    tokenizer = summarizer.tokenizer
    for chunk in chunks:
        assert len(tokenizer(chunk, add_special_tokens=False)["input_ids"]) <= summarizer.budget


def test_long_article_is_map_reduced(models, fake_extractive):
    summarizer = make(models["bart"], fake_extractive)
    summary = summarizer.summarize(news_article(6), max_bullets=3)
    chunks = len(summarizer.chunk([s.text for s in _sentences(news_article(6))]))
    assert chunks > 1
    # Map: one batched call over every chunk; reduce: the joined chunk summaries.
    assert summarizer.generate_calls[0] == chunks
    assert len(summarizer.generate_calls) >= 2
    assert any(n.startswith(f"map-reduce over {chunks} chunks") for n in summary.notes)
    assert 1 <= len(summary.bullets) <= 3


def test_short_article_takes_one_generate_call(models, fake_extractive):
    summarizer = make(models["bart"], fake_extractive)
    summary = summarizer.summarize(SHORT, max_bullets=2)
    assert summarizer.generate_calls == [1]
    assert not any("map-reduce" in n for n in summary.notes)
    assert summary.backend in ("seq2seq", "extractive")
    texts = [b.text for b in summary.bullets]
    assert len(texts) <= 2 and len(set(texts)) == len(texts)


def test_summarize_many_batches_requests_into_one_generate_call(models, fake_extractive):
    summarizer = make(models["bart"], fake_extractive)
    texts = [SHORT, "", SHORT.upper(), "Police officials reported the storm flooded roads.", SHORT]
    results = summarizer.summarize_many(texts, max_bullets=2)
    assert summarizer.generate_calls == [4]  # the empty text never reaches the model
    assert isinstance(results[1], InputError)
    assert all(isinstance(r, Summary) for i, r in enumerate(results) if i != 1)


def test_generation_settings_come_from_config(models, fake_extractive):
    gen = GenerationConfig(num_beams=1, min_new_tokens=0, max_new_tokens=3)
    summarizer = make(models["bart"], fake_extractive, generation=gen)
    (out,) = summarizer.generate([SHORT])
    assert len(out.split()) <= 3
    gen = GenerationConfig(num_beams=1, min_new_tokens=9, max_new_tokens=9)
    summarizer = make(models["bart"], fake_extractive, generation=gen)
    (out,) = summarizer.generate([SHORT])
    assert len(out.split()) >= 7  # a few of the 9 tokens may be specials/punctuation merges


def test_output_becomes_deduplicated_sentence_bullets(models, fake_extractive):
    summarizer = make(models["bart"], fake_extractive)
    output = (
        "The council approved the budget. The council approved the budget today. "
        "Schools open on Monday. Ok."
    )
    assert summarizer.to_bullets(output, "en") == [
        "The council approved the budget.",
        "Schools open on Monday.",
    ]


def test_t5_gets_its_task_prefix_and_a_window_from_the_tokenizer(models, fake_extractive):
    summarizer = make(models["t5"], fake_extractive)
    assert summarizer.prefix == "summarize: "
    assert summarizer.window == 48
    summary = summarizer.summarize(news_article(4), max_bullets=2)
    assert any("map-reduce" in n for n in summary.notes)
    assert len(summary.bullets) <= 2


def test_unloadable_model_is_a_model_load_error_naming_the_fix(tmp_path, models):
    with pytest.raises(ModelLoadError, match=r"seq2seq.*summarizer\.model to a local directory"):
        load_summarizer(SummarizerConfig(backend="seq2seq", model=str(tmp_path / "missing")))
    with pytest.raises(ModelLoadError, match="seq2seq"):  # wrong architecture
        load_summarizer(SummarizerConfig(backend="seq2seq", model=str(models["llama"])))
    with pytest.raises(ModelLoadError, match="needs a model"):
        load_summarizer(SummarizerConfig(backend="seq2seq"))


def _sentences(text):
    from summarizer.text.sentences import split_sentences

    return split_sentences(text, "en")
