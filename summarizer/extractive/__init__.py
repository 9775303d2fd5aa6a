"""The default backend's model parts: sentence encoders (static table, transformers), the
sentence features and ranker, and the choice of the bullets as a set."""
