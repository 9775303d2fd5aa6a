"""Which settings need the `models` extra (torch, transformers, MiniLM), and a clear error
naming the install line when it is missing, instead of an ImportError deep in a backend."""

from __future__ import annotations

import importlib.util
import sys

from summarizer.base import ModelLoadError
from summarizer.config import SummarizerConfig

MODELS_INSTALL = "pip install 'newsbot[models]'"
#: What the model-running code imports; the default path imports none of them.
MODELS_MODULES = ("torch", "transformers")


class MissingExtraError(ModelLoadError):
    """The configured backend needs an optional extra that is not installed."""


def installed(module: str) -> bool:
    """True if `module` can be imported, without importing it (torch takes seconds)."""
    if module in sys.modules:
        return sys.modules[module] is not None  # None: import blocked (and how tests hide it)
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def models_needed_for(config: SummarizerConfig) -> str | None:
    """Why `config` runs a model (a phrase for the error message), or None if it runs none."""
    if config.backend in ("seq2seq", "instruct"):
        return f"the {config.backend} backend"
    if config.backend == "extractive" and (config.embedding_model or not config.embedding_static):
        return "the extractive backend with a sentence model (embedding_model / embedding_static)"
    if config.backend == "remote" and config.faithfulness_guard:
        return "the remote backend's faithfulness guard (faithfulness_guard = true)"
    return None


def require_models(what: str) -> None:
    """Raise MissingExtraError naming the install line if torch or transformers is missing."""
    missing = [m for m in MODELS_MODULES if not installed(m)]
    if missing:
        raise MissingExtraError(
            f"{what} needs the optional model packages ({', '.join(missing)} not installed): "
            f"{MODELS_INSTALL}"
        )
