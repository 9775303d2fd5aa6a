"""The chat workflow, written once for every platform: plain `ChatEvent`s in, typed outcomes out.

Adapters translate platform events into `ChatEvent`s and render the outcomes; everything in
between (policy, dedupe, rate limits, remembering posts, votes) is decided here.
"""

from bot.chat.events import ChatEvent, RequestOptions, Trigger
from bot.chat.outcomes import (
    Accepted,
    AlreadySummarized,
    AnswerPost,
    Failure,
    Notice,
    Outbox,
    Outcome,
    Silent,
    SummaryPost,
    VoteCounted,
)
from bot.chat.workflow import ChatWorkflow, Conversation, Feature, PostListener

__all__ = [
    "Accepted",
    "AlreadySummarized",
    "AnswerPost",
    "ChatEvent",
    "ChatWorkflow",
    "Conversation",
    "Failure",
    "Feature",
    "Notice",
    "Outbox",
    "Outcome",
    "PostListener",
    "RequestOptions",
    "Silent",
    "SummaryPost",
    "Trigger",
    "VoteCounted",
]
