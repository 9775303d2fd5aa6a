"""newsbot's summarizer: text in, bullets out. A library of its own; it never imports `bot`.

Start reading at `summarizer/pipeline.py`: the default backend's steps, top to bottom. The
rooms: `text/` (cleaning, sentences, furniture, bullets, language packs), `extractive/`
(encoders, features and ranker, set choice), `abstractive/` (model backends), `serving/`
(batching runner, model process). `bot` imports only the names listed here.
"""

from __future__ import annotations

import functools

from summarizer.base import (
    Bullet,
    BusyError,
    InputError,
    ModelLoadError,
    Pace,
    Summarizer,
    SummarizerError,
    Summary,
)
from summarizer.config import SummarizerConfig
from summarizer.serving.process import ProcessSummarizer
from summarizer.serving.runner import BatchingRunner
from summarizer.text.fragments import text_fragment_url
from summarizer.text.language import detect_language
from summarizer.text.mojibake import repair_mojibake
from summarizer.text.wordcount import unspaced_share, word_count

__all__ = [
    "DOESNT_SAY",
    "Answer",
    "AnswerFinder",
    "Quote",
    "AnswerComposer",
    "load_answer_composer",
    "load_encoder",
    "Bullet",
    "BusyError",
    "InputError",
    "ModelLoadError",
    "Pace",
    "Summarizer",
    "SummarizerConfig",
    "SummarizerError",
    "Summary",
    "load_summarizer",
    "load_encoder",
    "BACKENDS",
    # what the bot needs beyond a backend: the runner and model process it serves one with,
    # and the text helpers its page extraction and rendering share with the summarizer
    "BatchingRunner",
    "ProcessSummarizer",
    "detect_language",
    "repair_mojibake",
    "text_fragment_url",
    "unspaced_share",
    "word_count",
]

#: Backend name → "module:class". Modules import lazily so a missing optional backend
#: never slows or breaks the default.
BACKENDS = {
    "extractive": "summarizer.pipeline:ExtractiveSummarizer",
    "seq2seq": "summarizer.abstractive.seq2seq:Seq2SeqSummarizer",
    "instruct": "summarizer.abstractive.instruct:InstructSummarizer",
    "remote": "summarizer.abstractive.remote:RemoteSummarizer",
}


def load_summarizer(config: SummarizerConfig | None = None) -> Summarizer:
    """Build the backend `config.backend` names (loads its model once, here)."""
    import importlib

    config = config or SummarizerConfig()
    target = BACKENDS.get(config.backend)
    if target is None:
        raise ModelLoadError(
            f"unknown summarizer backend {config.backend!r}; choose one of {', '.join(BACKENDS)}"
        )
    from summarizer.extras import models_needed_for, require_models

    needs = models_needed_for(config)
    if needs:
        require_models(needs)
    from summarizer.text.language import preload

    preload()  # every backend detects the language; let its model load meanwhile
    module_name, cls_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise ModelLoadError(
            f"the {config.backend!r} backend is not available in this install ({exc.name})"
        ) from exc
    return getattr(module, cls_name)(config)


def load_encoder(config: SummarizerConfig | None = None):  # noqa: ANN201 - lazy import
    """The default sentence encoder (`.encode(list[str]) -> np.ndarray` of unit vectors): the
    static vectors the extractive backend uses, for comparing texts outside a summary (digests,
    questions) with no model of their own. Loaded once per process and config: the encoders
    are thread-safe, so every user shares one."""
    return _shared_encoder(config or SummarizerConfig())


@functools.lru_cache(maxsize=4)
def _shared_encoder(config: SummarizerConfig):  # noqa: ANN202 - lazy import
    from summarizer.pipeline import sentence_encoder

    return sentence_encoder(config)


_ANSWERING = ("DOESNT_SAY", "Answer", "AnswerFinder", "Quote")
_WRITING = ("AnswerComposer", "load_answer_composer")


def __getattr__(name: str):
    """Question answering loads on first use: summaries alone never pay for BM25."""
    if name in _ANSWERING:
        from summarizer.answers import finder

        return getattr(finder, name)
    if name in _WRITING:
        from summarizer.answers import writing

        return getattr(writing, name)
    raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
