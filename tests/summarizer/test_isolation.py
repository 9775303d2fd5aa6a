"""The model in a child process: same summaries, lower priority, survives a dead or hung child."""

from __future__ import annotations

import functools
import os
import signal
from pathlib import Path

import pytest

from summarizer import (
    InputError,
    ModelLoadError,
    SummarizerConfig,
    SummarizerError,
    Summary,
    load_summarizer,
)
from summarizer.serving.process import ProcessSummarizer
from summarizer.serving.runner import BatchingRunner
from tests.pages import SAMPLE_TEXT

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

CONFIG = SummarizerConfig(ranker="centrality")  # the real embedded encoder, in the child


@pytest.fixture(scope="module")
def isolated():
    summarizer = ProcessSummarizer(CONFIG, call_timeout=60)
    yield summarizer
    summarizer.close()


def _nice(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[16])  # field 19 of stat(5), counted after "pid (comm)"


def test_child_summaries_equal_in_process_ones(isolated):
    assert isolated.name == "extractive"
    got = isolated.summarize_many([SAMPLE_TEXT, "   "], max_bullets=3)
    expected = load_summarizer(CONFIG).summarize(SAMPLE_TEXT, max_bullets=3)
    assert isinstance(got[0], Summary)
    assert [(b.text, b.span) for b in got[0].bullets] == [
        (b.text, b.span) for b in expected.bullets
    ]
    # a per-text error comes back as that text's result, not as a failed batch
    assert isinstance(got[1], InputError)


def test_errors_for_a_single_text_are_raised(isolated):
    with pytest.raises(InputError):
        isolated.summarize("")


def test_child_runs_at_lower_cpu_priority(isolated):
    assert isolated.pid != os.getpid()
    assert _nice(isolated.pid) == _nice(os.getpid()) + CONFIG.worker_nice


def test_dead_child_fails_its_batch_and_is_replaced(isolated):
    first = isolated.pid
    os.kill(first, signal.SIGKILL)
    with pytest.raises(SummarizerError, match="stopped unexpectedly"):
        isolated.summarize(SAMPLE_TEXT)
    assert isolated.summarize(SAMPLE_TEXT).bullets  # a new child answers
    assert isolated.pid != first and isolated.restarts == 1


def test_hung_child_is_abandoned_and_replaced():
    summarizer = ProcessSummarizer(CONFIG, call_timeout=2)
    try:
        hung = summarizer.pid
        os.kill(hung, signal.SIGSTOP)
        with pytest.raises(SummarizerError, match="longer than 2 s"):
            summarizer.summarize(SAMPLE_TEXT)
        assert not Path(f"/proc/{hung}").exists() or _state(hung) == "Z"  # killed
        summarizer.call_timeout = 60  # a fresh child's first batch includes its warm-up
        assert summarizer.summarize(SAMPLE_TEXT).bullets
    finally:
        summarizer.close()


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_a_model_that_cannot_load_is_a_start_up_error(tmp_path):
    config = SummarizerConfig(backend="seq2seq", model=str(tmp_path / "missing"))
    with pytest.raises(ModelLoadError, match="cannot load model"):
        ProcessSummarizer(config)


def test_closing_the_runner_stops_the_child_cleanly():
    runner = BatchingRunner(ProcessSummarizer(CONFIG), batch_wait_ms=1)
    inner = runner.inner
    process = inner._process
    assert runner.summarize(SAMPLE_TEXT).bullets
    runner.close()
    assert process is not None and process.exitcode == 0  # it stopped when asked, not killed
    assert inner.pid is None


def test_child_setup_runs_first_in_every_child(tmp_path):
    marker = tmp_path / "setup-ran"
    setup = functools.partial(Path.write_text, marker, "yes")
    summarizer = ProcessSummarizer(CONFIG, child_setup=setup)
    try:
        assert marker.read_text() == "yes"
    finally:
        summarizer.close()
