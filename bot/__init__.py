"""newsbot: chat adapters, the platform-free core and the article pipeline."""

__version__ = "0.1.0"
