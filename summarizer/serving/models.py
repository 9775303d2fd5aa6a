"""Load transformers models once: tokenizer + model (offline when the path is local), torch's
thread count, and optional int8 quantization of the Linear layers for CPU inference."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from summarizer.base import ModelLoadError
from summarizer.config import SummarizerConfig


def load_pretrained(config: SummarizerConfig, backend: str, auto_model: Any) -> tuple[Any, Any]:
    """(tokenizer, model) for `config.model`; any failure → ModelLoadError saying what to do."""
    import torch
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    if config.torch_threads:
        torch.set_num_threads(config.torch_threads)
    if not config.model:
        raise ModelLoadError(
            f"the {backend} backend needs a model: set summarizer.model to a local directory "
            "or a Hugging Face hub id (see docs/backends.md)"
        )
    offline = Path(config.model).exists() or os.environ.get("HF_HUB_OFFLINE") == "1"
    kwargs: dict[str, Any] = {"local_files_only": offline}
    if config.gguf_file:
        kwargs["gguf_file"] = config.gguf_file
    try:
        tokenizer = AutoTokenizer.from_pretrained(config.model, **kwargs)
        model = auto_model.from_pretrained(config.model, **kwargs)
    except (OSError, ValueError, KeyError, ImportError, TypeError) as exc:
        raise ModelLoadError(
            f"the {backend} backend cannot load model {config.model!r} "
            f"({exc.__class__.__name__}: {str(exc).splitlines()[0][:200]}); "
            "set summarizer.model to a local directory holding a "
            f"{'seq2seq' if backend == 'seq2seq' else 'causal LM'} model "
            "(hub ids need network access at start-up)"
        ) from exc
    model.eval()
    if config.quantize_int8:
        model = quantize_int8(model)
    return tokenizer, model


def quantize_int8(model: Any) -> Any:
    """Dynamic int8 quantization of every Linear layer (CPU inference)."""
    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        # torch.ao.quantization is deprecated in favour of torchao, but still works on CPU.
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\.ao")
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def model_window(tokenizer: Any, model_config: Any) -> int:
    """Most input tokens the model accepts (tokenizer limit, position table, or 512)."""
    limits = [int(tokenizer.model_max_length)] if tokenizer.model_max_length < 1e9 else []
    for attr in ("max_position_embeddings", "n_positions", "max_source_positions"):
        value = getattr(model_config, attr, None)
        if isinstance(value, int) and value > 0:
            limits.append(value)
            break
    return min(limits) if limits else 512
