"""The sync engine (issue #18): one `sync(store, backend)` pushes the queued changes, pulls subscriptions and new
items, then adopts the server's unread and starred sets.

The conflict rule (README, "Sync"): a change made here and still queued wins over the server's state for that
item and that flag until it is pushed; otherwise the server's state wins. Pushes are set operations (never
toggles), so a push repeated after a lost answer is harmless, and a change is cleared from the queue only once the
server has accepted it.

Offline or server down: `SyncUnavailable` stops the sync where it is; what was pushed is cleared, the rest stays
queued (the caller says how many). `SyncAuthError` and the other SyncErrors propagate the same way. The store is
called from the event loop here (its calls are short); a TUI worker runs `sync` on a loop in a thread.

Server text (titles, URLs, folder names) goes into the store as it came, like a feed's: it reaches a screen or
stdout only through `newsreader.safe`.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from newsreader import urls
from newsreader.model import Story, folder_path
from newsreader.refresh import find_source
from newsreader.store import PendingChange, Store, SyncedStory
from newsreader.sync.base import Action, Backend, Item, Subscription, SyncError, SyncRefused, SyncUnsupported

log = logging.getLogger(__name__)

MAX_PULLS = 100  # pulls per sync (each up to the back-end's own bound): a server whose marks never end stops here
MAX_TRIES = 5  # a queued change the server refuses (4xx) this many times is dropped, with a note in the report
MAX_FETCH_MISSING = 1000  # unread or starred items the pulls did not bring (older than the mark), fetched per sync

_ACTIONS = {
    ("read", True): Action.READ,
    ("read", False): Action.UNREAD,
    ("starred", True): Action.STARRED,
    ("starred", False): Action.UNSTARRED,
}


@dataclass(slots=True)
class SyncReport:
    """What one sync did. `pending` is what is still queued when it ended (after an error, the changes kept)."""

    pushed: int = 0  # changes (item and flag) the server accepted
    subscribed: int = 0  # subscribes and unsubscribes done on the server
    unsubscribed: int = 0
    dropped: int = 0  # queued changes the server refused MAX_TRIES times (or cannot do), given up (see notes)
    new_sources: int = 0
    removed_sources: int = 0  # the server's feeds it no longer lists (unsubscribed elsewhere), removed here
    new_stories: int = 0
    adopted: int = 0  # flags of stories here changed to the server's (read, unread, starred, unstarred)
    pending: int = 0
    requests: int = 0
    complete: bool = True  # False when MAX_PULLS stopped the pull early (the next sync goes on from the mark)
    skipped_items: int = 0  # items of feeds the subscription list did not name
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def backend_key(backend: Backend) -> str:
    """Which server and protocol a pull mark belongs to (a mark of one is meaningless to another)."""
    where = getattr(backend, "base", "") or getattr(backend, "url", "")
    return f"{type(backend).__name__.lower()}:{where}"


async def sync(store: Store, backend: Backend) -> SyncReport:
    """Push, pull, adopt. A SyncError from the back-end is recorded (`store.sync_state("last_error")`) and raised
    as it came; what was pushed before it is cleared from the queue, the rest stays."""
    report = SyncReport()
    start = backend.requests
    try:
        report.pushed = await push_pending(store, backend, report)
        subs = await push_sources(store, backend, await backend.subscriptions(), report)
        feeds = await pull_subscriptions(store, backend, report, subs)
        await pull_items(store, backend, feeds, report)
        unread = await backend.unread_ids()
        starred = await backend.starred_ids()
        await fetch_missing(store, backend, feeds, unread | starred, report)
        report.adopted += store.adopt(unread, starred)
    except SyncError as exc:
        store.set_sync_state({"last_error": str(exc), "last_attempt": str(time.time())})
        raise
    finally:
        report.requests = backend.requests - start
        report.pending = store.pending_count()
    now = str(time.time())
    store.set_sync_state({"last_sync": now, "last_attempt": now, "last_error": None})
    return report


async def push_pending(store: Store, backend: Backend, report: SyncReport | None = None) -> int:
    """Push the queue, one set operation at a time (the back-end batches each); each is cleared once accepted.

    A set the server refuses (SyncRefused, a 4xx) does not stop the sync: each of its changes counts a try and
    is dropped after MAX_TRIES refusals, with a note (so one bad change never blocks the queue)."""
    groups: dict[Action, list[PendingChange]] = defaultdict(list)
    for change in store.pending_changes():
        groups[_ACTIONS[change.flag, change.value]].append(change)
    pushed = 0
    for action, changes in groups.items():
        try:
            await backend.push(action, [c.item_id for c in changes])
        except SyncRefused as exc:
            dropped = store.refused(changes, MAX_TRIES)
            _note(report, f"the server refused to mark {len(changes)} item(s) {action.value}: {exc}", dropped)
            continue
        store.clear_pending(changes)
        pushed += len(changes)
        log.info("sync: pushed %d %s", len(changes), action.value)
    return pushed


def _note(report: SyncReport | None, what: str, dropped: int, kept: str = "kept to try again") -> None:
    note = f"{what}; " + (f"dropped {dropped} after {MAX_TRIES} refusals" if dropped else kept)
    log.warning("sync: %s", note)
    if report is not None:
        report.notes.append(note)
        report.dropped += dropped


async def push_sources(
    store: Store, backend: Backend, subs: list[Subscription], report: SyncReport
) -> list[Subscription]:
    """Do the queued subscribes and unsubscribes on the server (`subs`: its list now); returns its list after.

    Each is a set operation against that list: a subscribe of a feed the server lists, or an unsubscribe of one it
    does not, is done already. The protocol cannot (Fever): a subscribe is dropped with a note (the source stays
    here only); an unsubscribe is kept, so the pull does not bring the source back, until the server no longer
    lists the feed (unsubscribe there). A refusal counts a try; MAX_TRIES drop it."""
    pending = store.pending_sources()
    if not pending:
        return subs
    on_server = {urls.normalise(s.feed_url): s for s in subs}
    changed = False
    for change in pending:
        there = on_server.get(urls.normalise(change.url))
        try:
            if change.action == "subscribe" and there is None:
                await backend.subscribe(change.url, title=change.title)
                report.subscribed += 1
                changed = True
            elif change.action == "unsubscribe" and there is not None:
                await backend.unsubscribe(there.feed_url)
                report.unsubscribed += 1
                changed = True
        except SyncUnsupported as exc:
            if change.action == "subscribe":
                store.clear_pending_source(change)
                _note(report, f"not subscribed to {change.url} on the server: {exc}", 0, "subscribed here only")
            else:
                _note(report, f"{change.url} is still on the server: {exc}", 0, "removed here, kept so until it is")
            continue
        except SyncRefused as exc:
            dropped = int(store.refused_source(change, MAX_TRIES))
            _note(report, f"the server refused to {change.action} {change.url}: {exc}", dropped)
            continue
        store.clear_pending_source(change)
        log.info("sync: %s %s done on the server", change.action, change.url)
    return await backend.subscriptions() if changed else subs


async def pull_subscriptions(
    store: Store, backend: Backend, report: SyncReport, subs: list[Subscription] | None = None
) -> dict[str, int]:
    """The server's feeds as local sources (subscribed here when new, matched by feed URL): feed id -> source id.

    Sources subscribed here but not on the server are left alone (their queued subscribe is push_sources'), and a
    feed with an unsubscribe still queued is not brought back: the pending unsubscribe wins."""
    feeds: dict[str, int] = {}
    mapping: list[tuple[str, int, tuple[str, ...]]] = []
    leaving = {urls.normalise(p.url) for p in store.pending_sources() if p.action == "unsubscribe"}
    for sub in await backend.subscriptions() if subs is None else subs:
        if urls.normalise(sub.feed_url) in leaving:
            continue
        source_id = _source_for(store, sub, report)
        if source_id is None:
            continue
        feeds[sub.id] = source_id
        mapping.append((sub.id, source_id, sub.folders))
    if feeds:  # an empty list is more likely a server's trouble than every feed unsubscribed: keep them
        _drop_unsubscribed(store, set(feeds.values()), report)
    store.map_feeds(mapping)
    return feeds


def _drop_unsubscribed(store: Store, listed: set[int], report: SyncReport) -> None:
    """Sources that were the server's feeds and are no longer listed (unsubscribed on another device) go here too;
    sources never on the server, or with a subscribe queued, are left alone."""
    queued = {urls.normalise(p.url) for p in store.pending_sources() if p.action == "subscribe"}
    for source_id in store.mapped_sources().keys() - listed:
        source = store.source(source_id)
        if source is None or urls.normalise(source.url) in queued:
            continue
        store.remove_server_source(source.url)
        report.removed_sources += 1
        log.info("sync: %s unsubscribed on the server: removed here", source.url)


def _source_for(store: Store, sub: Subscription, report: SyncReport) -> int | None:
    url = urls.normalise(sub.feed_url)
    problem = urls.problem(url)
    if problem:
        note = f"skipped the server's feed {sub.feed_url[:200]!r}: {problem}"
        log.warning("sync: %s", note)
        report.notes.append(note)
        return None
    source = find_source(store, url)
    if source is None:
        # A new source takes the server's first folder (GReader labels are one level; one folder a source here).
        folder = folder_path(sub.folders[0].replace("/", "\u2215")) if sub.folders else ""
        source = store.add_server_source(url, title=sub.title, site_url=sub.html_url, folder=folder)
        report.new_sources += 1
        log.info("sync: new source %s", url)
    assert source.id is not None
    return int(source.id)


async def pull_items(store: Store, backend: Backend, feeds: dict[str, int], report: SyncReport) -> None:
    key = "mark:" + backend_key(backend)
    mark = store.sync_state(key)
    for _ in range(MAX_PULLS):
        pull = await backend.pull(mark)
        _save_items(store, pull.items, feeds, report)
        if pull.mark is not None:
            mark = pull.mark
            store.set_sync_state({key: mark})
        if pull.complete:
            return
    report.complete = False
    report.notes.append(f"stopped after {MAX_PULLS} pulls; the next sync goes on from there")


async def fetch_missing(
    store: Store, backend: Backend, feeds: dict[str, int], ids: set[str], report: SyncReport
) -> None:
    """Unread or starred items no pull brought (older than the first mark, say): fetched so they can be shown."""
    missing = sorted(ids - store.synced_item_ids(), key=int)[:MAX_FETCH_MISSING]
    if missing:
        _save_items(store, await backend.items(missing), feeds, report)


def _save_items(store: Store, items: list[Item], feeds: dict[str, int], report: SyncReport) -> None:
    by_source: dict[int, list[SyncedStory]] = defaultdict(list)
    for item in items:
        source_id = feeds.get(item.feed_id)
        if source_id is None:
            report.skipped_items += 1
            continue
        by_source[source_id].append(SyncedStory(item.id, story_of(item), item.read, item.starred))
    for source_id, synced in by_source.items():
        new, changed = store.save_synced(source_id, synced)
        report.new_stories += new
        report.adopted += changed


def story_of(item: Item) -> Story:
    """A server item as a story: its link is the story's URL, so the reader's own extraction fetches the whole
    page at refresh; the server's HTML is only the summary (never a substitute for the article)."""
    url = item.url if item.url and not urls.problem(item.url) else ""
    return Story(
        key="",
        title=item.title,
        url=url,
        authors=[item.author] if item.author else [],
        published=item.published,
        summary=item.content,
    )
