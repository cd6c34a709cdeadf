"""The store's connection: file checks and quarantine at open, the lock, transactions, savepoints, migrations.

WAL mode so a second instance can read while one refreshes; one connection guarded by a lock, so workers may
call the store from any thread; a write is one transaction (or one savepoint of a batch), rolled back whole.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from newsreader.store.schema import APPLICATION_ID, MIGRATIONS, statements

SQLITE_HEADER = b"SQLite format 3\x00"
FULL_CHECK_MAX_BYTES = 32 * 1024 * 1024


class StoreError(Exception):
    """The database cannot be used; the message says why and what was done."""


def ts(when: datetime | None) -> float | None:
    return when.timestamp() if when else None


def from_ts(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def check_file(path: Path) -> str | None:
    """Why the file at `path` is not a usable database of ours, or None when it is (or does not exist)."""
    try:
        with path.open("rb") as f:
            header = f.read(100)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot read it: {exc.strerror or exc}"
    if not header:
        return None  # an empty file: SQLite makes a database of it
    if not header.startswith(SQLITE_HEADER) or len(header) < 100:
        return "it is not an SQLite database"
    try:
        # Through SQLite, not the raw header: after an unclean exit the newest header may still be in the WAL.
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            app_id = con.execute("PRAGMA application_id").fetchone()[0]
            tables = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if app_id != APPLICATION_ID and (app_id != 0 or tables):
                return "it is another program's SQLite database"
            # The page-by-page check costs ~2 ms a MiB; a large cache gets it in the background (Store.verify).
            result = "ok"
            if path.stat().st_size <= FULL_CHECK_MAX_BYTES:
                result = con.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return f"it is damaged ({exc})"
    return None if result == "ok" else f"it is damaged ({result})"


def _move_aside(path: Path, problem: str) -> str:
    """Quarantine a file that is not ours (with its -wal and -shm); what to tell the reader."""
    aside = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}")
    path.rename(aside)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(aside.with_name(aside.name + suffix))
    return f"{path} could not be used ({problem}); moved it to {aside} and started a new one."


class Connection:
    """One SQLite connection, its lock and its transactions; the store's parts build on it."""

    def __init__(self, path: Path | str, *, checked: bool = False) -> None:
        """Open (and create, check and migrate) the store at `path`.

        `checked`: another process has just opened this file and checked it (a refresh's worker process
        joining its parent): no check, and never moved aside.
        """
        self.path = Path(path)
        self.notice = ""  # set when a bad file was moved aside at open
        if str(path) != ":memory:" and not checked:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            problem = check_file(self.path)
            if problem:
                self.notice = _move_aside(self.path, problem)
        self._lock = threading.RLock()
        self._batching = False  # inside batch(): writes become savepoints of its transaction
        try:
            self._con = sqlite3.connect(str(path), timeout=10, check_same_thread=False, isolation_level=None)
            self._con.execute("PRAGMA busy_timeout = 10000")
            self._con.execute("PRAGMA journal_mode = WAL")
            self._con.execute("PRAGMA synchronous = NORMAL")
            self._con.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._con.close()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Writes made inside share one transaction, each in a savepoint of its own.

        A write that fails is undone alone (and raises as ever); the others are committed together at the
        end. FTS5 and the WAL cost per transaction, so a refresh saves many sources at once this way.
        Other threads wait for the store meanwhile: keep batches short.
        """
        with self._lock:
            if self._batching:
                yield
                return
            with self._tx() as con:
                self._batching = True
                try:
                    yield
                finally:
                    self._batching = False
                if not con.in_transaction:  # SQLite rolled everything back itself (a full disk, say)
                    raise StoreError(f"could not save to the database {self.path}: the batch was rolled back")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (a savepoint inside a batch); rolled back whole on any error."""
        with self._lock:
            if self._batching:
                with self._savepoint() as con:
                    yield con
                return
            try:
                self._con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(f"the database is busy or read-only: {exc}") from exc
            try:
                yield self._con
            except sqlite3.Error as exc:
                self._rollback()
                raise StoreError(f"could not save to the database {self.path}: {exc}") from exc
            except BaseException:
                self._rollback()
                raise
            try:
                self._con.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self._rollback()
                raise StoreError(f"could not save to the database {self.path}: {exc}") from exc

    @contextmanager
    def _savepoint(self) -> Iterator[sqlite3.Connection]:
        self._con.execute("SAVEPOINT write")
        try:
            yield self._con
        except BaseException as exc:
            if self._con.in_transaction:
                self._con.execute("ROLLBACK TO write")
                self._con.execute("RELEASE write")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"could not save to the database {self.path}: {exc}") from exc
            raise
        self._con.execute("RELEASE write")

    def _rollback(self) -> None:
        if self._con.in_transaction:  # SQLite has already rolled back after some errors (a full disk)
            self._con.execute("ROLLBACK")

    def _read(self, sql: str, args: Iterable[object] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cur = self._con.execute(sql, tuple(args))
            cur.row_factory = sqlite3.Row
            return cur.fetchall()

    @property
    def schema_version(self) -> int:
        return int(self._read("PRAGMA user_version")[0][0])

    def _migrate(self) -> None:
        if self.schema_version == 0:
            self._con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        with self._tx() as con:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise StoreError(f"{self.path} was written by a newer newsreader (schema {version}); upgrade to use it")
            for number in range(version, len(MIGRATIONS)):
                for statement in statements(MIGRATIONS[number]):
                    con.execute(statement)
                con.execute(f"PRAGMA user_version = {number + 1}")

    def integrity_check(self) -> str:
        return str(self._read("PRAGMA integrity_check")[0][0])

    def verify(self) -> str:
        """'ok', or what is damaged: SQLite's page-by-page check (quick_check), for a check after start."""
        try:
            # Its own read-only connection: the store's lock stays free for the reader meanwhile.
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
            try:
                return str(con.execute("PRAGMA quick_check").fetchone()[0])
            finally:
                con.close()
        except sqlite3.DatabaseError as exc:
            return str(exc)
