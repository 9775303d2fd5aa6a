import pytest

from summarizer.config import SummarizerConfig
from summarizer.pipeline import ExtractiveSummarizer
from tests.fakes import BagOfWordsEncoder


@pytest.fixture
def encoder() -> BagOfWordsEncoder:
    return BagOfWordsEncoder()


@pytest.fixture
def fake_extractive(encoder) -> ExtractiveSummarizer:
    return ExtractiveSummarizer(SummarizerConfig(ranker="centrality"), encoder=encoder)


@pytest.fixture(scope="session")
def real_encoder():
    from summarizer.extractive.transformer_encoder import SentenceEncoder

    return SentenceEncoder()
