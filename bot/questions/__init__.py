"""Follow-up questions about a posted summary, answered from its article with quotes."""

from bot.questions.feature import QuestionFeature

__all__ = ["QuestionFeature"]
