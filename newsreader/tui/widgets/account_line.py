"""The sync account, one line above the sources list (issue #18): server, last sync (local time), pending changes,
last error. It also runs the syncs while the TUI is open: at start, every `[sync] interval` minutes (0: off) and
on ctrl+s (`main.sync-now`), each in a thread worker with its own event loop (never on the app's), never two at
once. Offline or the server down: the reader works as ever, and the line says the error.

Everything from the server or the config (host, error messages quoting the server) goes through `safe.line`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from rich.text import Text
from textual import work
from textual.containers import Vertical
from textual.widgets import Static

from newsreader import safe
from newsreader.config import NetworkConfig
from newsreader.store import Store, StoreError
from newsreader.sync.base import SyncError, SyncUnavailable
from newsreader.tui.messages import StatusChanged, StoreChanged
from newsreader.words import plural

if TYPE_CHECKING:  # the sync code (httpx and the engine) is imported by the first sync's worker, not at start
    from newsreader.sync.account import Account
    from newsreader.sync.engine import SyncReport

log = logging.getLogger(__name__)


class SourcesPane(Vertical):
    """The sources pane (`#sources`: its border, width and focus style): the account line, then the list. It is
    what maximizing the list maximizes."""

    ALLOW_MAXIMIZE = True
    DEFAULT_CSS = "SourcesPane { height: 1fr; }"


@dataclass(frozen=True, slots=True)
class AccountState:
    """What the line shows, read from the store (in a worker)."""

    last_sync: float | None
    pending: int
    error: str
    syncing: bool = False


def read_state(store: Store, syncing: bool = False) -> AccountState:
    last = store.sync_state("last_sync")
    return AccountState(
        float(last) if last else None, store.pending_count(), store.sync_state("last_error") or "", syncing
    )


class AccountLine(Static):
    """One line: `12:34 3↑ host` (and a second, `! error`, after a failed sync); the tooltip says it all."""

    DEFAULT_CSS = """
    AccountLine {
        height: auto;
        max-height: 2;
        width: 1fr;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    AccountLine.-hidden { display: none; }
    """

    tz: tzinfo | None = None  # None: the machine's local time (tests fix it)

    def __init__(
        self,
        account: Account | None,
        store: Store,
        network: NetworkConfig,
        *,
        offline: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__("", id=id, markup=False)
        self.account = account
        self.store = store
        self.network = network
        self.offline = offline
        self.syncing = False
        self.state: AccountState | None = None
        if account is None:
            self.add_class("-hidden")

    @property
    def host(self) -> str:
        if self.account is None:
            return ""
        parts = urlsplit(self.account.server)
        return safe.line(parts.hostname or self.account.server) + (f":{parts.port}" if parts.port else "")

    def on_mount(self) -> None:
        if self.account is None:
            return
        self.show(None)
        self._read()
        if self.offline:
            return
        if self.account.interval > 0:
            self.set_interval(self.account.interval * 60, self.sync_now)
        self.call_after_refresh(self.sync_now)  # on start too: the first frame first

    # -- what it shows ------------------------------------------------------------------------------------------

    def show(self, state: AccountState | None) -> None:
        self.state = state
        # When, then what waits, then where: in a pane 20 cells wide the host is what the ellipsis takes.
        line = Text(no_wrap=True, overflow="ellipsis")
        if state is None:
            line.append(self.host, style="bold")
            self.update(line)
            return
        if state.syncing:
            line.append("syncing…")
        elif state.last_sync is not None:
            line.append(self.time_text(state.last_sync))
        else:
            line.append("never synced")
        if self.offline:
            line.append(" (offline)")
        if state.pending:
            line.append(f" {state.pending}↑", style="bold")
        line.append(" " + self.host, style="bold")
        if state.error:  # a second row, so that the error shows in a pane 20 cells wide
            line.append("\n! " + safe.line(state.error), style="bold red")
        self.update(line)
        self.tooltip = self.describe(state)

    def time_text(self, when: float) -> str:
        moment = datetime.fromtimestamp(when, tz=self.tz) if self.tz else datetime.fromtimestamp(when).astimezone()
        today = datetime.now(moment.tzinfo).date()  # today: the time only; else the day too
        return moment.strftime("%H:%M" if moment.date() == today else "%b %d %H:%M")

    def describe(self, state: AccountState) -> str:
        when = self.time_text(state.last_sync) if state.last_sync is not None else "never"
        parts = [f"Sync account: {self.host}", f"last sync: {when}", f"{plural(state.pending, 'change')} pending"]
        if state.error:
            parts.append(f"last error: {safe.line(state.error)}")
        return "\n".join(parts)

    @work(thread=True, group="account-line", exit_on_error=False)
    def _read(self) -> None:
        try:
            state = read_state(self.store, self.syncing)
        except StoreError as exc:
            log.warning("account line: %s", exc)
            state = AccountState(None, 0, str(exc), self.syncing)
        self.app.call_from_thread(self.show, state)

    def refresh_state(self) -> None:
        """Read the store again (a change queued: the pending count)."""
        if self.account is not None:
            self._read()

    # -- syncing ------------------------------------------------------------------------------------------------

    def sync_now(self) -> bool:
        """Start a sync unless one runs (or there is no account, or the reader is offline); True if started."""
        if self.account is None or self.offline or self.syncing:
            return False
        self.syncing = True  # now, on the event loop: a key pressed before the worker starts sees it
        if self.state is not None:
            self.show(AccountState(self.state.last_sync, self.state.pending, self.state.error, True))
        self._sync(self.account)
        return True

    @work(thread=True, group="sync", exit_on_error=False)
    def _sync(self, account: Account) -> None:
        message, severity, report = "", "", None
        try:
            report = asyncio.run(self._run(account))
        except SyncUnavailable as exc:
            log.warning("sync: server unreachable: %s", exc)
            message = f"Sync: server unreachable ({safe.line(exc)}); changes kept for the next sync."
        except SyncError as exc:
            log.warning("sync: %s", exc)
            message, severity = f"Sync failed: {safe.line(exc)}", "error"
        except StoreError as exc:
            log.error("sync: %s", exc)
            message, severity = f"Sync: {safe.line(exc)}", "error"
        except Exception as exc:  # a bug of ours or an answer nobody foresaw: said and logged; the next sync runs
            log.exception("sync: unexpected failure")
            message, severity = f"Sync failed unexpectedly: {safe.line(exc)} (details in the log)", "error"
        if report is not None:
            message = summary(report)
        try:
            state = read_state(self.store)
        except StoreError as exc:
            state = AccountState(None, 0, str(exc))
        self.app.call_from_thread(self._synced, state, message, severity, report)

    async def _run(self, account: Account) -> SyncReport:
        from newsreader.sync.engine import sync

        started = time.monotonic()
        async with account.backend(self.network) as backend:
            report = await sync(self.store, backend)
        log.info("sync: done in %.1f s", time.monotonic() - started)
        return report

    def _synced(self, state: AccountState, message: str, severity: str, report: SyncReport | None) -> None:
        self.syncing = False
        self.show(state)
        self.post_message(StatusChanged(message, severity))
        if report is not None and (
            report.new_stories or report.adopted or report.new_sources or report.removed_sources
        ):
            self.post_message(StoreChanged(headlines=True))


def summary(report: SyncReport) -> str:
    text = (
        f"Synced: pushed {plural(report.pushed, 'change')}, {plural(report.new_stories, 'new story', 'new stories')},"
        f" {plural(report.adopted, 'flag')} from the server"
    )
    if report.subscribed or report.unsubscribed:
        text += f", {report.subscribed} subscribed and {report.unsubscribed} unsubscribed there"
    if report.notes:
        text += f". {safe.line(report.notes[0])}" + (
            f" (and {len(report.notes) - 1} more)" if len(report.notes) > 1 else ""
        )
    return text + "."
