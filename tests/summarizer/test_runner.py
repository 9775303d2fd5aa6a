"""Batching runner: one summarize_many call for concurrent requests, busy on overflow, timeouts."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence

import pytest

from summarizer import BusyError, SummarizerError
from summarizer.abstractive.faithfulness import Verifier
from summarizer.base import InputError
from summarizer.config import GenerationConfig, SummarizerConfig
from summarizer.serving.runner import BatchingRunner, load_runner
from tests.fakes import FakeSummarizer
from tests.summarizer.tiny_models import build_tiny_bart


class RecordingSummarizer(FakeSummarizer):
    """FakeSummarizer that records batch sizes and can hold the worker until released."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.batches: list[int] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def summarize_many(self, texts: Sequence[str], *, max_bullets=3, **_options):
        self.batches.append(len(texts))
        self.started.set()
        self.release.wait(5)
        return [
            InputError("empty") if not t else self.summarize(t, max_bullets=max_bullets)
            for t in texts
        ]


@pytest.fixture
def runners():
    made: list[BatchingRunner] = []
    yield made
    for runner in made:
        inner = runner.inner
        if isinstance(inner, RecordingSummarizer):
            inner.release.set()
        runner.close()


def make(runners, inner, **kwargs) -> BatchingRunner:
    runner = BatchingRunner(inner, **{"batch_wait_ms": 50, **kwargs})
    runners.append(runner)
    return runner


async def test_concurrent_requests_are_served_by_one_batched_call(runners):
    inner = RecordingSummarizer()
    runner = make(runners, inner)
    texts = [f"Story {i} happened. It mattered." for i in range(8)]
    results = await asyncio.gather(*(runner.asummarize(t, max_bullets=1) for t in texts))
    assert inner.batches == [8]
    assert list(runner.batches) == [8]
    assert [r.bullets[0].text for r in results] == [f"Story {i} happened." for i in range(8)]


async def test_the_runner_knows_its_recent_time_per_request_across_a_batch(runners):
    """A batch of 4 taking ~0.4 s is ~0.1 s a request: the newcomer's wait is made of that."""
    inner = RecordingSummarizer(delay=0.1)  # per text: a batch of 4 takes ~0.4 s
    runner = make(runners, inner)
    assert runner.seconds_per_item == 0.0  # nothing measured yet: no request is refused on a guess
    await asyncio.gather(*(runner.asummarize(f"Story {i} happened.") for i in range(4)))
    assert inner.batches == [4]
    assert 0.09 <= runner.seconds_per_item < 0.2


async def test_batches_are_capped_and_errors_stay_per_request(runners):
    inner = RecordingSummarizer()
    runner = make(runners, inner, max_batch=3)
    texts = ["A b c.", "", "D e f.", "G h i.", "J k l."]
    results = await asyncio.gather(*(runner.asummarize(t) for t in texts), return_exceptions=True)
    assert inner.batches == [3, 2]
    assert isinstance(results[1], InputError)
    assert results[4].bullets[0].text == "J k l."


async def test_full_queue_is_busy_at_once(runners):
    inner = RecordingSummarizer()
    inner.release.clear()
    runner = make(runners, inner, queue_size=2, max_batch=1, batch_wait_ms=0)
    first = runner.submit("One thing. Two.")
    assert await asyncio.to_thread(inner.started.wait, 5)  # the worker holds request 1
    queued = [runner.submit("Queued one."), runner.submit("Queued two.")]
    started = time.perf_counter()
    with pytest.raises(BusyError, match="try again"):
        runner.submit("One too many.")
    assert time.perf_counter() - started < 0.1
    inner.release.set()
    assert (await asyncio.wrap_future(first)).bullets
    for future in queued:
        assert (await asyncio.wrap_future(future)).bullets


async def test_slow_request_times_out_with_a_clear_error(runners):
    runner = make(runners, RecordingSummarizer(delay=2.0), request_timeout=0.2)
    started = time.perf_counter()
    with pytest.raises(SummarizerError, match="longer than 0.2 s"):
        await runner.asummarize("Slow story. Very slow.")
    assert time.perf_counter() - started < 1.0


def test_blocking_callers_from_threads_are_batched_too(runners):
    inner = RecordingSummarizer()
    runner = make(runners, inner)
    results = [None] * 4

    def call(i):
        results[i] = runner.summarize(f"Thread {i} story. More.", max_bullets=1)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert inner.batches == [4]
    assert [r.bullets[0].text for r in results] == [f"Thread {i} story." for i in range(4)]


@pytest.fixture(scope="module")
def bart(tmp_path_factory):
    return build_tiny_bart(tmp_path_factory.mktemp("models") / "bart")


async def test_runner_batches_a_real_seq2seq_model_into_one_generate_call(
    bart, runners, fake_extractive
):
    config = SummarizerConfig(
        backend="seq2seq",
        model=str(bart),
        faithfulness_guard=False,
        batch_wait_ms=100,
        generation=GenerationConfig(num_beams=1, min_new_tokens=2, max_new_tokens=8),
    )
    runner = load_runner(config)
    runners.append(runner)
    runner.inner.verifier = Verifier(
        config, encoder=fake_extractive.encoder, extractive=fake_extractive
    )
    texts = [f"The mayor said schools would open on monday {i}." for i in range(4)]
    results = await asyncio.gather(*(runner.asummarize(t, max_bullets=2) for t in texts))
    assert runner.inner.generate_calls == [4]
    assert list(runner.batches) == [4]
    assert all(len(r.bullets) <= 2 for r in results)


def test_int8_quantization_and_thread_count_come_from_config(bart, fake_extractive):
    import torch

    from summarizer import load_summarizer

    threads = torch.get_num_threads()
    try:
        config = SummarizerConfig(
            backend="seq2seq",
            model=str(bart),
            quantize_int8=True,
            torch_threads=1,
            faithfulness_guard=False,
            generation=GenerationConfig(num_beams=1, min_new_tokens=2, max_new_tokens=6),
        )
        summarizer = load_summarizer(config)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)
    linear = [m for m in summarizer.model.modules() if type(m) is torch.nn.Linear]
    quantized = [m for m in summarizer.model.modules() if ".quantized." in type(m).__module__]
    assert not linear and quantized
    (out,) = summarizer.generate(["The mayor said schools would open on monday."])
    assert len(out.split()) <= 6
