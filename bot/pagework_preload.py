"""Imported only by the `WorkPool` forkserver: loads and warms the page code once, so every
worker forked from it starts with it in (copy-on-write) memory."""

from bot import bodytext, pagework

__all__ = ["bodytext", "pagework"]

pagework.warm()
