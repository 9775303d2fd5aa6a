"""newsbot's summarizer: text in, bullets out. A library of its own; it never imports `bot`."""

from __future__ import annotations

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
    "BACKENDS",
]

#: Backend name → "module:class". Modules import lazily so a missing optional backend
#: never slows or breaks the default.
BACKENDS = {
    "extractive": "summarizer.extractive:ExtractiveSummarizer",
    "seq2seq": "summarizer.seq2seq:Seq2SeqSummarizer",
    "instruct": "summarizer.instruct:InstructSummarizer",
    "remote": "summarizer.remote:RemoteSummarizer",
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
    from summarizer.language import preload

    preload()  # every backend detects the language; let its model load meanwhile
    module_name, cls_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise ModelLoadError(
            f"the {config.backend!r} backend is not available in this install ({exc.name})"
        ) from exc
    return getattr(module, cls_name)(config)


def load_encoder(config: SummarizerConfig | None = None):
    """The default sentence encoder (`.encode(list[str]) -> np.ndarray` of unit vectors): the
    static vectors the extractive backend uses, so questions need no model of their own."""
    from summarizer.extractive import sentence_encoder

    return sentence_encoder(config or SummarizerConfig())


_ANSWERING = ("DOESNT_SAY", "Answer", "AnswerFinder", "Quote")
_WRITING = ("AnswerComposer", "load_answer_composer")


def __getattr__(name: str):
    """Question answering loads on first use: summaries alone never pay for BM25."""
    if name in _ANSWERING:
        from summarizer import answering

        return getattr(answering, name)
    if name in _WRITING:
        from summarizer import answer_writing

        return getattr(answer_writing, name)
    raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
