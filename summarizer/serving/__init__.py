"""Serving a backend under load: model loading, the batching runner with its bounded queue,
and the child process that keeps model work off the bot's event loop."""
