"""Backends that write their own bullets: seq2seq, instruct and remote models, the prompt
they share, and the faithfulness guard that checks their bullets against the article."""
