"""newsreader: a terminal news reader that reads the whole story, offline."""

import logging

__version__ = "0.1.0"

# Nothing is logged to stderr by default: the TUI draws there (the reader's log file is set up by cli.run_tui).
logging.getLogger(__name__).addHandler(logging.NullHandler())
