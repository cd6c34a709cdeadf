"""Command line: the TUI by default; headless subcommands on the same core."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsreader import __version__, logs, safe, urls
from newsreader.config import (
    Config,
    ConfigError,
    config_path,
    db_path,
    demo_db_path,
    load_config,
    log_path,
    save_dir,
    state_path,
)
from newsreader.model import Folder, Selection, Source, Story, Tag, folder_path
from newsreader.words import plural

if TYPE_CHECKING:
    from newsreader.store import Store

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A failure to report as one line on stderr."""


def _clean_json(value: Any) -> Any:
    # The same gate for machine output: it may well end up printed on a terminal.
    if isinstance(value, str):
        return safe.block(value) if "\n" in value else safe.line(value)
    if isinstance(value, list):
        return [_clean_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean_json(v) for k, v in value.items()}
    return value


def _print_json(value: Any) -> None:
    print(json.dumps(_clean_json(value), ensure_ascii=False, indent=2))


def _say(*parts: object) -> None:
    print(" ".join(safe.line(p) for p in parts))


def _open_store(args: argparse.Namespace) -> Any:
    from newsreader.store import Store, StoreError

    if args.demo:
        from newsreader.refresh import load_demo

        path = demo_db_path()
    else:
        path = Path(args.db) if args.db else db_path()
    try:
        store = Store(path)
        if args.demo:
            from newsreader.config import image_cache_dir
            from newsreader.images import ImageCache, ImageError

            try:
                load_demo(store, ImageCache(image_cache_dir()))
            except (OSError, ImageError) as exc:  # the stories still load; their photos say why they are missing
                print(f"newsreader: the demo's photos could not be kept: {exc}", file=sys.stderr)
                load_demo(store)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    if store.notice:
        print(f"newsreader: {store.notice}", file=sys.stderr)
    if not args.demo:
        store.sync_sources = _account(args) is not None  # sync (issue #18): add/import/remove queued for the server
    return store


def _account(args: argparse.Namespace) -> Any:
    """The [sync] account, or None (none configured, or a bad [sync] table: said on stderr, changes stay local).

    Read once per command (opening the store and starting the TUI both ask), so a bad table is said once."""
    from newsreader.sync.account import load_account

    if "sync_account" in vars(args):
        return args.sync_account
    try:
        args.sync_account = load_account(Path(args.config) if getattr(args, "config", None) else None)
    except ConfigError as exc:  # `newsreader sync` says it in full
        log = logging.getLogger("newsreader.sync")
        log.warning("sync: bad [sync] table, not syncing: %s", exc)
        print(f"newsreader: bad [sync] table ({safe.line(exc)}): not syncing", file=sys.stderr)
        args.sync_account = None
    return args.sync_account


def _no_fetching(args: argparse.Namespace) -> None:
    """Refuse a command that fetches when told never to fetch (--offline, or the demo, which has no network)."""
    if args.demo:
        raise CliError(f"`{args.command}` fetches from the network, and the demo (--demo) never does")
    if args.offline:
        raise CliError(f"`{args.command}` fetches from the network, and --offline means never to fetch")


def _config(args: argparse.Namespace) -> Config:
    try:
        return load_config(Path(args.config) if args.config else None)
    except ConfigError as exc:
        raise CliError(f"bad config file: {exc}") from None


async def _with_refresher(args: argparse.Namespace, work: Any, pool_for: Callable[[Store], int] | None = None) -> Any:
    """Run `work(refresher)` over one open store, parsing and extracting in worker processes under a time limit
    (two that also save, when `pool_for(store)` gives many sources)."""
    from newsreader.fetch import Fetcher
    from newsreader.refresh import Refresher, worker_pool

    config = _config(args)
    store = _open_store(args)
    executor = worker_pool(pool_for(store) if pool_for else 1)
    try:
        async with Fetcher(config.network) as fetcher:
            return await work(Refresher(store, fetcher, config, executor=executor))
    finally:
        executor.shutdown(cancel_futures=True)
        store.close()


ASSUMED_HTTPS = "no scheme was given, so https:// was assumed; write http:// for a site without https"


def _target(given: str) -> tuple[str, str]:
    """A URL argument to fetch, and a hint for its errors: without a scheme it is read as https (only)."""
    url = urls.with_scheme(given)
    problem = urls.problem(url)
    if problem:
        raise CliError(f"{given}: {problem}")
    return url, (f" ({ASSUMED_HTTPS})" if url != given.strip() else "")


# -- subcommands ----------------------------------------------------------------------------------------


def cmd_add(args: argparse.Namespace) -> int:
    _no_fetching(args)
    from newsreader.refresh import Refresher, SubscribeError

    async def work(r: Refresher) -> Any:
        return await r.subscribe(args.url, scrape=args.scrape, full_text=not args.no_full_text)

    _, hint = _target(args.url)
    try:
        done = asyncio.run(_with_refresher(args, work))
    except SubscribeError as exc:
        raise CliError(f"{exc}{hint}") from None
    _say(done.message)
    return EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    from newsreader.refresh import find_source

    store = _open_store(args)
    with store:
        source = find_source(store, args.url)
        if source is None or not store.remove_source(source.url):
            raise CliError(f"not subscribed to {args.url}")
    _say(f"removed {source.name}" + (f" <{source.url}>" if source.title else ""))
    return EXIT_OK


def cmd_purge(args: argparse.Namespace) -> int:
    import time

    from newsreader.words import plural

    config = _config(args)
    days = config.keep_days if args.days is None else args.days
    if days <= 0:
        raise CliError("keeping stories forever (keep_days = 0 in the config): give --days N to purge now")
    store = _open_store(args)
    with store:
        gone = store.purge(time.time() - days * 86400, keep_unread=not args.unread and config.keep_unread)
    kept = "starred stories kept" + ("" if args.unread or not config.keep_unread else ", and unread ones")
    _say(f"purged {plural(gone, 'story', 'stories')} older than {plural(days, 'day')} ({kept})")
    return EXIT_OK


IMPORT_EXAMPLES = 3  # skipped lines shown by `import`


@dataclass(frozen=True, slots=True)
class Candidate:
    url: str
    title: str = ""
    folder: str = ""
    kind: str = "feed"
    html_url: str = ""


def _import_candidates(data: bytes, text: str) -> tuple[list[Candidate], list[tuple[str, str]]]:
    """An OPML file's or a URL list's entries: ([Candidate] that can be subscribed, [(entry, why not)])."""
    from newsreader import opml

    entries: list[tuple[str, opml.Entry]] = []  # (where, entry)
    if text.lstrip().startswith("<"):
        try:
            parsed = opml.parse(data)
        except opml.OpmlError as exc:
            raise CliError(f"not an OPML file we read: {exc}") from None
        entries = [(f"“{e.title or e.url}”", e) for e in parsed]
    else:
        for number, raw in enumerate(text.splitlines(), 1):
            entry = raw.strip()
            if entry and not entry.startswith("#"):
                entries.append((f"line {number}", opml.Entry(entry)))
    good: dict[str, Candidate] = {}
    skipped: list[tuple[str, str]] = []
    for where, e in entries:
        command = opml.command_url(e.url)
        problem = (
            f"it is a newsboat {command} source, which runs a command: never imported"
            if command
            else urls.problem(e.url)
        )
        if problem:
            skipped.append((f"{where} ({e.url[:60]}{'…' if len(e.url) > 60 else ''})", problem))
        else:
            url = urls.normalise(e.url)
            good.setdefault(url, Candidate(url, e.title, e.folder, e.kind, _page(e.html_url)))
    return list(good.values()), skipped


def _page(url: str) -> str:
    return url if url and urls.problem(url) is None else ""


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None
    text = data.decode("utf-8", errors="replace")
    if b"\0" in data or text.count("\ufffd") > len(text) // 100:
        raise CliError(f"{path} is not an OPML file or a list of URLs (it is not UTF-8 text)")
    try:
        good, skipped = _import_candidates(data, text)
    except CliError as exc:
        raise CliError(f"{path}: {exc}") from None
    examples = "; ".join(f"{where}: {why}" for where, why in skipped[:IMPORT_EXAMPLES])
    more = f"; and {len(skipped) - IMPORT_EXAMPLES} more" if len(skipped) > IMPORT_EXAMPLES else ""
    if not good:
        what = f" (skipped {plural(len(skipped), 'entry', 'entries')}: {examples}{more})" if skipped else ""
        raise CliError(f"{path}: found no http or https URL to subscribe to{what}")
    store = _open_store(args)
    added = 0
    with store:
        # Each source's URL as stored and normalised (older databases hold other spellings), read once.
        known = {spelling for s in store.sources() for spelling in (s.url, urls.normalise(s.url), safe.url(s.url))}
        with store.batch():
            for c in good:
                if c.url not in known:
                    # The file's titles are the reader's (their names from another reader): kept over the feed's.
                    store.add_source(c.url, c.kind, c.title, c.html_url, folder=c.folder, own_title=True)
                    known.add(c.url)
                    added += 1
    there = len(good) - added
    report = f"imported {plural(added, 'new source')}"
    if there:
        report += f" ({there} already subscribed)"
    _say(report)
    if skipped:
        _say(
            f"skipped {plural(len(skipped), 'entry', 'entries')} that"
            f" {'is not an http(s) URL' if len(skipped) == 1 else 'are not http(s) URLs'}: {examples}{more}"
        )
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime
    from email.utils import format_datetime

    from newsreader import opml

    with _open_store(args) as store:
        sources = store.sources()
    sys.stdout.write(opml.export(sources, created=format_datetime(datetime.now(UTC))))
    return EXIT_OK


def _source_arg(store: Store, given: str) -> Source:
    """A source named on the command line: its id (as `sources --json` and the TUI show it) or its URL."""
    from newsreader.refresh import find_source

    source = store.source(int(given)) if given.strip().isdigit() else find_source(store, given)
    if source is None or source.id is None:
        raise CliError(f"no source {given} (give its id or URL, as `newsreader sources` lists them)")
    return source


def cmd_rename(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        source = _source_arg(store, args.source)
        assert source.id is not None
        store.rename_source(source.id, args.title)
        after = store.source(source.id)
    name = after.name if after else args.title
    _say(f"renamed {source.name} to {name}" if args.title.strip() else f"{name} has its feed's title again")
    return EXIT_OK


def cmd_move(args: argparse.Namespace) -> int:
    from newsreader.model import folder_path

    folder = folder_path(args.folder)
    with _open_store(args) as store:
        source = _source_arg(store, args.source)
        assert source.id is not None
        store.move_source(source.id, folder)
    _say(f"moved {source.name} to " + (f"folder {folder}" if folder else "the top level"))
    return EXIT_OK


def cmd_tag(args: argparse.Namespace) -> int:
    from newsreader.store.sources import clean_tags

    wanted = clean_tags(args.tags)
    if not wanted:
        raise CliError("no tag given (`newsreader tag ID TAG...`)")
    with _open_store(args) as store:
        source = _source_arg(store, args.source)
        assert source.id is not None
        if args.remove:
            gone = {t.casefold() for t in wanted}
            tags = [t for t in source.tags if t.casefold() not in gone]
        else:
            tags = source.tags + wanted
        store.set_source_tags(source.id, tags)
        after = store.source(source.id)
    shown = ", ".join(after.tags) if after and after.tags else "none"
    _say(f"{source.name}: tags {shown}")
    return EXIT_OK


def cmd_sources(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        sources = store.sources()
    if args.json:
        _print_json([{"id": s.id, **s.to_json()} for s in sources])
        return EXIT_OK
    for s in sources:
        state = f"  ERROR: {s.error}" if s.error else ""
        where = f" in {s.folder}" if s.folder else ""
        tags = f" #{' #'.join(s.tags)}" if s.tags else ""
        _say(f"{s.id:>4} {s.unread:>5}/{s.total:<5} [{s.kind}] {s.name} <{s.url}>{where}{tags}{state}")
    return EXIT_OK


def cmd_refresh(args: argparse.Namespace) -> int:
    _no_fetching(args)
    from newsreader.refresh import Outcome, Refresher, find_source

    def report(outcome: Outcome) -> None:
        if not args.json:
            _say(outcome.describe())

    async def work(r: Refresher) -> list[Outcome]:
        sources = await asyncio.to_thread(r.store.sources)
        if args.urls:
            found = {url: await asyncio.to_thread(find_source, r.store, url) for url in args.urls}
            missing = [url for url, source in found.items() if source is None]
            if missing:
                raise CliError(f"not subscribed to {', '.join(missing)}")
            wanted = {source.id for source in found.values() if source is not None}
            sources = [s for s in sources if s.id in wanted]
        r.on_outcome = report
        return await r.refresh_all(sources, full_text=not args.no_full_text)

    def sources_to_refresh(store: Store) -> int:
        return len(args.urls) if args.urls else len(store.sources())

    outcomes = asyncio.run(_with_refresher(args, work, pool_for=sources_to_refresh))
    if args.json:
        _print_json([o.to_json() for o in outcomes])
    elif not outcomes:
        _say("no sources yet: add one with `newsreader add URL`")
    return EXIT_OK


def _story_lines(stories: Sequence[Story]) -> None:
    for s in stories:
        mark = (" " if s.read else "N") + ("*" if s.starred else " ")
        when = s.when.strftime("%Y-%m-%d %H:%M") if s.when else "          "
        _say(f"{s.id:>6} {mark} {when}  {s.title}  ({s.source_title})")


def cmd_list(args: argparse.Namespace) -> int:
    from newsreader.refresh import find_source

    with _open_store(args) as store:
        source_id: Selection = None
        if args.source:
            source = find_source(store, args.source)
            if source is None:
                raise CliError(f"not subscribed to {args.source}")
            source_id = source.id
        elif args.folder:
            source_id = Folder(folder_path(args.folder))
        elif args.tag:
            source_id = Tag(args.tag.strip())
        stories = store.headlines(source_id, limit=args.limit, unread_only=args.unread, starred_only=args.starred)
        if args.json:
            full = [store.story(s.id) for s in stories if s.id is not None]
            _print_json([_story_json(s) for s in full if s is not None])
            return EXIT_OK
    _story_lines(stories)
    return EXIT_OK


def _story_json(story: Story) -> dict[str, Any]:
    data = story.to_json()
    data["id"] = story.id
    data["article"] = story.article.to_json() if story.article else None
    return data


def _cached_story(store: Store, story_id: int) -> Story:
    story = store.story(story_id)
    if story is None:
        raise CliError(f"no story {story_id}")
    return story


def cmd_show(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        story = _cached_story(store, args.id)
        if not args.keep_unread and story.id is not None:
            store.set_read(story.id)
    if args.json:
        _print_json(_story_json(story))
        return EXIT_OK
    from newsreader.render import story_markdown

    print(safe.block(story_markdown(story)))
    return EXIT_OK


def cmd_star(args: argparse.Namespace) -> int:
    starred = args.command == "star"
    with _open_store(args) as store:
        story = _cached_story(store, args.id)
        assert story.id is not None
        store.set_starred(story.id, starred)
        queued = store.item_of_story(story.id) is not None
    note = " (queued for the next sync)" if queued else ""
    _say(f"{'starred' if starred else 'unstarred'} {story.id}: {story.title}{note}")
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    _no_fetching(args)
    from newsreader.store import StoreError
    from newsreader.sync.account import load_account
    from newsreader.sync.base import SyncAuthError, SyncError, SyncUnavailable
    from newsreader.sync.engine import SyncReport, sync

    config = _config(args)
    try:
        account = load_account(Path(args.config) if args.config else None)
    except ConfigError as exc:
        raise CliError(f"bad config file: {exc}") from None
    if account is None:
        raise CliError(f"no sync account: add a [sync] table to {args.config or config_path()} (see README, Sync)")
    log = logging.getLogger("newsreader.sync")

    async def work(store: Store) -> SyncReport:
        async with account.backend(config.network) as backend:
            return await sync(store, backend)

    with _open_store(args) as store:
        try:
            report = asyncio.run(work(store))
        except SyncUnavailable as exc:
            # Not a failure of the command: the queue is kept whole and drains at the next sync.
            kept = store.pending_count()
            log.warning("sync: server unreachable: %s", exc)
            message = f"server unreachable; {plural(kept, 'change')} kept for the next sync"
            if args.json:
                _print_json({"status": "unavailable", "error": str(exc), "pending": kept})
            else:
                _say(f"{message} ({exc})")
            return EXIT_OK
        except SyncAuthError as exc:
            raise CliError(f"sync: {exc}") from None
        except SyncError as exc:
            raise CliError(f"sync: {exc} ({plural(store.pending_count(), 'change')} kept for the next sync)") from None
        except StoreError as exc:
            raise CliError(f"sync: {exc}") from None
    if args.json:
        _print_json({"status": "ok", **report.to_json()})
        return EXIT_OK
    _say(
        f"synced: pushed {plural(report.pushed, 'change')}, {plural(report.new_stories, 'new story', 'new stories')},"
        f" {plural(report.new_sources, 'new source')}, {plural(report.adopted, 'flag')} taken from the server;"
        f" {report.pending} pending"
        + (
            f"; subscribed {report.subscribed}, unsubscribed {report.unsubscribed} there"
            if report.subscribed or report.unsubscribed
            else ""
        )
        + (f"; dropped {plural(report.dropped, 'refused change')}" if report.dropped else "")
    )
    for note in report.notes:
        _say(f"  {note}")
    return EXIT_OK


def cmd_save(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        story = _cached_story(store, args.id)
    try:
        from newsreader.render import save_story

        path = save_story(story, Path(args.dir).expanduser() if args.dir else save_dir(_config(args)))
    except OSError as exc:
        raise CliError(f"could not save: {exc.strerror or exc}") from None
    _say("saved", str(path))
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    if not args.query.strip():
        raise CliError("nothing to search for: give one or more words (`newsreader search WORDS`)")
    with _open_store(args) as store:
        stories = store.search(args.query, limit=args.limit)
        if args.json:  # whole stories, as `list --json` and `show --json` give them
            full = [store.story(s.id) for s in stories if s.id is not None]
            _print_json([_story_json(s) for s in full if s is not None])
            return EXIT_OK
    _story_lines(stories)
    return EXIT_OK


def cmd_headlines(args: argparse.Namespace) -> int:
    _no_fetching(args)
    from newsreader.fetch import Fetcher, FetchError
    from newsreader.refresh import headlines_of
    from newsreader.refresh.guard import TimeLimitError
    from newsreader.sources.feed import FeedError
    from newsreader.sources.scrape import ScrapeError

    config = _config(args)

    async def work() -> list[Story]:
        async with Fetcher(config.network) as fetcher:
            return await headlines_of(fetcher, url, config, scrape=args.scrape)

    url, hint = _target(args.url)
    try:
        stories = asyncio.run(work())
    except FetchError as exc:
        raise CliError(f"{url}: {exc}{hint}") from None
    except (FeedError, ScrapeError, TimeLimitError) as exc:
        raise CliError(f"{url}: {exc}") from None
    if args.json:
        keys = ("title", "url", "published", "author", "summary")
        _print_json([{k: s.to_json()[k] for k in keys} for s in stories])
    else:
        for s in stories:
            _say(f"{s.title}  <{s.url}>")
    return EXIT_OK


def cmd_article(args: argparse.Namespace) -> int:
    _no_fetching(args)
    from newsreader.extract import ExtractError
    from newsreader.fetch import Fetcher, FetchError
    from newsreader.refresh import WrongKindError, article_of
    from newsreader.refresh.guard import TimeLimitError

    config = _config(args)

    async def work() -> Any:
        async with Fetcher(config.network) as fetcher:
            return await article_of(fetcher, url, pages_only=True, limit=config.extract_timeout)

    url, hint = _target(args.url)
    try:
        article = asyncio.run(work())
    except FetchError as exc:
        raise CliError(f"{url}: {exc}{hint}") from None
    except (ExtractError, WrongKindError, TimeLimitError) as exc:  # an ExtractError is logged whole, where raised
        raise CliError(f"{url}: {exc}") from None
    if args.json:
        _print_json(article.to_json())
    else:
        from newsreader.render import article_markdown

        print(safe.block(article_markdown(article)))
    return EXIT_OK


def cmd_config(args: argparse.Namespace) -> int:
    from newsreader.config import write_default_config

    path = write_default_config(Path(args.config) if args.config else None)
    _say(str(path))
    return EXIT_OK


def _first_headlines(store: Store) -> Future[tuple[int, list[Story]]]:
    """The first page of "All stories" and their number, read from the store in a thread of its own."""
    from newsreader.store import HEADLINE_PAGE

    future: Future[tuple[int, list[Story]]] = Future()

    def read() -> None:
        try:
            future.set_result((store.count_stories(), store.headlines(None, 0, HEADLINE_PAGE)))
        except BaseException as exc:  # handed to whoever waits for the page (the list's worker)
            future.set_exception(exc)

    threading.Thread(target=read, name="newsreader-first-page", daemon=True).start()
    return future


def _ask_terminal_for_graphics() -> None:
    """Ask the terminal what it can draw (Kitty graphics? Sixel? cell size?) in one round trip ending with DA1,
    and import textual-image with those answers so that it asks nothing itself (newsreader/tui/terminal_probe.py).
    It must be done before Textual reads the terminal's input: so here, in a thread while Textual is imported.
    A terminal that answers nothing costs one bounded wait (terminal_probe.TIMEOUT)."""
    import termios

    from newsreader.tui import terminal_probe  # the standard library only: asked first, imported after

    try:
        answers = terminal_probe.ask()
    except (OSError, termios.error) as exc:  # no terminal to ask: pictures fall back to half cells
        logging.getLogger("newsreader.cli").warning("could not ask the terminal about graphics: %s", exc)
        answers = terminal_probe.Answers()
    from textual_image._terminal import TerminalError

    try:
        terminal_probe.use_answers(answers)  # and textual-image asks nothing itself
    except (OSError, TerminalError) as exc:
        logging.getLogger("newsreader.cli").warning("textual-image could not be loaded: %s", exc)


def run_tui(args: argparse.Namespace) -> int:
    config = _config(args)
    # Asked first (one round trip; at most terminal_probe.TIMEOUT when the terminal answers nothing, in a thread
    # while the store opens and Textual is imported), and done before the app starts.
    asking = threading.Thread(target=_ask_terminal_for_graphics, name="newsreader-graphics", daemon=True)
    if config.images != "off":  # halfcell too: the cell size is asked
        asking.start()
    try:
        store = _open_store(args)
    except BaseException:
        if asking.is_alive():  # the terminal's mode is restored before the error is printed
            asking.join(timeout=2)
        raise
    offline = args.offline or args.demo
    first_page = _first_headlines(store)  # read while the UI's modules load: they take ~0.3 s
    # No garbage collection until the first frame is up (the app turns it back on): start-up makes ~10^5 objects
    # that all live on, and collecting them again and again cost ~30 ms of the first paint.
    gc.disable()
    import difflib

    from newsreader.tui import commands
    from newsreader.tui.app import NewsReaderApp

    unknown = commands.unknown_ids(config.keys)  # issue #16: [keys] names bindings by id
    if unknown:
        gc.enable()
        if asking.is_alive():  # the terminal's mode is restored before the error is printed
            asking.join(timeout=2)
        first_page.exception()  # the read started above ends before its store is closed
        store.close()
        where = Path(args.config) if args.config else config_path()
        close = difflib.get_close_matches(unknown[0], sorted(commands.binding_ids()), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise CliError(
            f"bad config file: {where} [keys]: unknown binding id {unknown[0]!r} ({hint}the README's Keys lists them)"
        )
    try:
        app = NewsReaderApp(
            store,
            config,
            offline=offline,
            demo=args.demo,
            notice=store.notice,
            first_page=first_page,
            state_path=state_path(),
        )
        if not args.demo:
            app.sync_account = _account(args)  # sync (issue #18): the account line and the periodic sync
        if asking.is_alive():  # the terminal's answers are read before Textual reads the terminal
            asking.join(timeout=2)
        app.run()
    finally:
        store.close()
    return EXIT_OK


# -- parser ---------------------------------------------------------------------------------------------


def _global_options(parser: argparse.ArgumentParser, *, after_command: bool) -> None:
    """The options every command takes, before or after its name.

    After the name they default to SUPPRESS: the subcommand's parser leaves what was given before it standing.
    """

    def default(value: object) -> object:
        return argparse.SUPPRESS if after_command else value

    parser.add_argument("--db", default=default(None), help=f"the database file (default: {db_path()})")
    parser.add_argument("--config", default=default(None), help=f"the config file (default: {config_path()})")
    parser.add_argument(
        "--demo", action="store_true", default=default(False), help="use the bundled sample source (no network)"
    )
    parser.add_argument(
        "--offline", action="store_true", default=default(False), help="read the cache only; never fetch"
    )


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, after_command=True)

    p = argparse.ArgumentParser(
        prog="newsreader",
        description="A terminal news reader that reads the whole story, offline. Without a command, opens the reader.",
    )
    p.add_argument("--version", action="version", version=f"newsreader {__version__}")
    _global_options(p, after_command=False)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, parents=[common])

    a = add("add", "subscribe to a feed, or to a page (its advertised feed, else its headlines scraped)")
    a.add_argument("url")
    a.add_argument("--scrape", action="store_true", help="scrape the page even when it advertises a feed")
    a.add_argument("--no-full-text", action="store_true", help="never fetch this source's story pages")
    a.set_defaults(func=cmd_add)

    a = add("remove", "unsubscribe and drop a source's stories")
    a.add_argument("url")
    a.set_defaults(func=cmd_remove)

    a = add("purge", "delete cached stories older than keep_days (config) or --days N; starred ones always stay")
    a.add_argument("--days", type=int, help="older than this many days (default: the config's keep_days)")
    a.add_argument("--unread", action="store_true", help="unread stories too (kept by default)")
    a.set_defaults(func=cmd_purge)

    a = add("import", "subscribe to every feed of an OPML file or a list of URLs (one a line)")
    a.add_argument("file")
    a.set_defaults(func=cmd_import)

    a = add("export", "write every subscription as OPML 2.0 (folders kept) to stdout")
    a.set_defaults(func=cmd_export)

    a = add("rename", 'give a source (by id or URL) a title of your own ("" for its feed\'s again)')
    a.add_argument("source", metavar="ID|URL")
    a.add_argument("title")
    a.set_defaults(func=cmd_rename)

    a = add("move", 'put a source (by id or URL) in a folder ("Tech/Python" nests; "" is the top level)')
    a.add_argument("source", metavar="ID|URL")
    a.add_argument("folder")
    a.set_defaults(func=cmd_move)

    a = add("tag", "tag a source (by id or URL); --remove takes the tags off")
    a.add_argument("source", metavar="ID|URL")
    a.add_argument("tags", nargs="+", metavar="TAG")
    a.add_argument("--remove", action="store_true")
    a.set_defaults(func=cmd_tag)

    a = add("sources", "list subscriptions (id, unread/total, folder, tags)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_sources)

    a = add("refresh", "fetch new stories (and their full text) for all or the named sources")
    a.add_argument("urls", nargs="*", metavar="URL")
    a.add_argument("--json", action="store_true")
    a.add_argument("--no-full-text", action="store_true", help="do not fetch stories' pages")
    a.set_defaults(func=cmd_refresh)

    a = add("list", "list cached stories, newest first")
    a.add_argument("--unread", action="store_true")
    a.add_argument("--starred", action="store_true")
    group = a.add_mutually_exclusive_group()
    group.add_argument("--source", metavar="URL")
    group.add_argument("--folder", metavar="PATH", help="the stories of a folder's sources (subfolders too)")
    group.add_argument("--tag", metavar="TAG", help="the stories with this tag (or of sources tagged so)")
    a.add_argument("--limit", type=int, default=1000)
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_list)

    a = add("show", "print a cached story (by the id `list` shows) and mark it read")
    a.add_argument("id", type=int)
    a.add_argument("--keep-unread", action="store_true")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_show)

    for name, what in (("star", "star"), ("unstar", "unstar")):
        a = add(name, f"{what} a cached story (by the id `list` shows); synced stories' stars go to the server")
        a.add_argument("id", type=int)
        a.set_defaults(func=cmd_star)

    a = add("sync", "push read and starred changes to the [sync] server, pull its feeds, stories and states")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_sync)

    a = add("save", "save a cached story as a Markdown file (named from its title)")
    a.add_argument("id", type=int)
    a.add_argument(
        "--dir",
        help="where to save it (default: the config's save_dir, else your downloads folder if there is one, else here)",
    )
    a.set_defaults(func=cmd_save)

    a = add("search", "full-text search of cached stories")
    a.add_argument("query")
    a.add_argument("--limit", type=int, default=100)
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_search)

    a = add("headlines", "fetch a feed or page once, without subscribing, and print its headlines")
    a.add_argument("url")
    a.add_argument("--scrape", action="store_true", help="ask for the page and scrape it, even if it advertises a feed")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_headlines)

    a = add("article", "fetch one story's page and print what extraction makes of it")
    a.add_argument("url")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_article)

    a = add("config", "write the default config file (if there is none) and print its path")
    a.set_defaults(func=cmd_config)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.demo and args.db:
        parser.error("--demo has a database of its own: give --db or --demo, not both")
    func = getattr(args, "func", run_tui)
    logs.setup(log_path())
    try:
        return int(func(args))
    except CliError as exc:
        print(f"newsreader: error: {safe.line(exc)}", file=sys.stderr)
        logging.getLogger("newsreader.cli").warning(
            "%s: %s", getattr(args, "command", None) or "reader", safe.line(exc)
        )
        return EXIT_FAIL
    except KeyboardInterrupt:
        print("newsreader: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
