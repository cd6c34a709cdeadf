"""Orchestration, in parts: `reading` (how a response becomes stories, the one place), `pool` (the worker
processes of a big refresh), `refresher` (Refresher: refresh, whole stories, write batching), `subscribe`,
`oneoff` (headlines and one article without subscribing) and `demo` (the bundled sample source).

Parsing and extraction run in an executor and every store call in a thread, so the event loop (the TUI's, when
it drives this) only waits on sockets.
"""

from newsreader.refresh.demo import DEMO_URL, load_demo
from newsreader.refresh.oneoff import WrongKindError, article_of, headlines_of
from newsreader.refresh.pool import POOL_MIN_SOURCES, parse_and_save, worker_pool
from newsreader.refresh.reading import Read, no_headlines, page_title, read_response
from newsreader.refresh.refresher import ArticleBudget, Outcome, Refresher
from newsreader.refresh.subscribe import Subscribed, SubscribeError, find_source

__all__ = [
    "DEMO_URL",
    "POOL_MIN_SOURCES",
    "ArticleBudget",
    "Outcome",
    "Read",
    "Refresher",
    "SubscribeError",
    "Subscribed",
    "WrongKindError",
    "article_of",
    "find_source",
    "headlines_of",
    "load_demo",
    "no_headlines",
    "page_title",
    "parse_and_save",
    "read_response",
    "worker_pool",
]
