"""newsreader: a terminal news reader that reads the whole story, offline."""

__version__ = "0.1.0"
