"""The job's state file: SQLite through the standard library, one file, no server.

What it keeps:
- `checkpoint`: per ingested file, how far it was read (decompressed bytes and lines) and the sha256 of those
  bytes, so the same content is never counted twice, a grown file adds only its new lines, and a rotated or
  gzipped copy is recognised (see content.py); plus the lines and bad lines each ingest read.
- `route_day`, `status_day`, `unknown_sample`: usage per day × project × key × route (counts, first and last
  seen, denied calls, HTTP statuses; calls to no known route under route '' with a few samples), so any
  rolling window can be rebuilt and what falls out of it pruned.
- `unknown_day`: per day, the calls of keys no definition names that are not kept in `route_day` (only the
  busiest unknown keys are: state/unknown_keys.py), at most how many of them one key made, and a HyperLogLog
  of those keys (analysis/topkeys.py).
- `run`, `run_finding`: each run's findings by fingerprint and since when each has been open, and the lines
  ingested since the run before (by this run, or by one killed since).
- `key_name`: the name of each key the last run's definitions name (one row per defined key, replaced by each
  run), so `job report` can show names beside ids without the key files.

Every change is one transaction: one file's ingest, or one run's findings together with the pruning. A job
killed at any moment (even by kill -9) leaves what SQLite's journal rolls back to: the state as of the last
whole file. A full disk or a read-only file aborts the transaction in progress and leaves the rest intact.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from auditor.errors import InputError
from auditor.times import BadTime, checked

SCHEMA_VERSION = 3  # 2: unknown_day, 3: key_name
APPLICATION_ID = 0x4B415544  # "KAUD": tells a keyaudit state file from any other SQLite database

UNKNOWN_DAY = """
CREATE TABLE unknown_day (day TEXT PRIMARY KEY, calls INTEGER NOT NULL, bound INTEGER NOT NULL, keys BLOB NOT NULL)
    WITHOUT ROWID;
"""
KEY_NAME = """
CREATE TABLE key_name (project TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (project, key))
    WITHOUT ROWID;
"""
_ADDED_SINCE = {1: UNKNOWN_DAY + KEY_NAME, 2: KEY_NAME}  # what a state file of each older schema lacks
SCHEMA = (
    """
CREATE TABLE checkpoint (
    id INTEGER PRIMARY KEY,
    stream INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    ingested_at REAL NOT NULL,
    lines_read INTEGER NOT NULL,
    bad_lines INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    UNIQUE (bytes, sha256)
);
CREATE TABLE bad_line (
    checkpoint INTEGER NOT NULL REFERENCES checkpoint(id),
    line INTEGER NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE route_day (
    day TEXT NOT NULL, project TEXT NOT NULL, key TEXT NOT NULL, method TEXT NOT NULL, route TEXT NOT NULL,
    count INTEGER NOT NULL, denied INTEGER NOT NULL, first REAL, last REAL,
    PRIMARY KEY (day, project, key, method, route)
) WITHOUT ROWID;
CREATE TABLE status_day (
    day TEXT NOT NULL, project TEXT NOT NULL, key TEXT NOT NULL, method TEXT NOT NULL, route TEXT NOT NULL,
    status INTEGER NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (day, project, key, method, route, status)
) WITHOUT ROWID;
CREATE TABLE unknown_sample (
    day TEXT NOT NULL, project TEXT NOT NULL, key TEXT NOT NULL, sample TEXT NOT NULL,
    PRIMARY KEY (day, project, key, sample)
) WITHOUT ROWID;
CREATE TABLE meta (name TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE run (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    window_days INTEGER NOT NULL,
    window_start REAL NOT NULL,
    lines_read INTEGER NOT NULL,
    bad_lines INTEGER NOT NULL,
    last_checkpoint INTEGER NOT NULL
);
CREATE TABLE run_finding (
    run INTEGER NOT NULL REFERENCES run(id),
    fingerprint TEXT NOT NULL,
    open_since REAL NOT NULL,
    rule TEXT NOT NULL, severity TEXT NOT NULL, key TEXT, project TEXT, scope TEXT, message TEXT NOT NULL,
    PRIMARY KEY (run, fingerprint)
) WITHOUT ROWID;
"""
    + UNKNOWN_DAY
    + KEY_NAME
)

_MESSAGES = (  # SQLite's error text -> what the user is told (the state itself is left as it was)
    ("database or disk is full", "the disk is full; the state is unchanged since the last complete step"),
    ("readonly database", "the state file is read-only; the job needs to write it"),
    ("unable to open database", "cannot open or create the state file there"),
    ("file is not a database", "not a keyaudit state file"),
    ("malformed", "the state file is corrupt"),
    (
        "disk i/o error",
        "cannot write the state file (disk full or I/O error); the state is unchanged since the last complete step",
    ),
    ("database is locked", "the state file is locked by another process"),
)


class CorruptState(Exception):
    """Rows SQLite reads without complaint but keyaudit never writes (a NULL, a blob, a time out of range)."""


def stored_time(value) -> float | None:
    """A time read back from the state: None, or seconds within the range auditor/times.py checks."""
    if value is None:
        return None
    try:
        return checked(value)
    except BadTime:
        raise CorruptState from None


class State:
    """An open state file; `transaction()` is the only way to change it."""

    def __init__(self, connection: sqlite3.Connection, path: str):
        self.db = connection
        self.path = path

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:  # SQLite itself rolls back on a full disk or an I/O error
                self.db.execute("ROLLBACK")
            raise

    def meta(self, name: str):
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None


@contextmanager
def state_errors(path: str) -> Iterator[None]:
    """SQLite failures become one line naming the state file, never a traceback."""
    try:
        yield
    except CorruptState:
        raise InputError(f"{path}: the state file is corrupt") from None
    except sqlite3.Error as error:
        text = str(error).lower()
        reason = next((said for known, said in _MESSAGES if known in text), f"SQLite error ({error})")
        raise InputError(f"{path}: {reason}") from None


def has_table(db: sqlite3.Connection, name: str) -> bool:
    """Whether the file has table `name`: a state file of an older schema (_ADDED_SINCE) that `job report` reads
    read-only is not upgraded, and lacks the tables added since."""
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _check_writable(path: str) -> None:
    """Refuse early, before any work, what SQLite would refuse half-way (it writes a journal beside the file)."""
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, not a state file")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InputError(f"{path}: no such directory {folder}")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise InputError(f"{path}: the state file is read-only; the job needs to write it")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{path}: cannot write in {folder} (SQLite keeps its journal beside the state file)")


def _count_tables(db: sqlite3.Connection) -> int:
    """The tables of the file; SQLite parses its schema here, before anything else reads it.

    A corrupt schema fails as a corrupt file; its message quotes the schema's bytes, which Python cannot
    always decode (a UnicodeDecodeError, not an sqlite3.Error): raised as CorruptState for state_errors.
    """
    try:
        return db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except UnicodeDecodeError:
        raise CorruptState from None


def _adopt(db: sqlite3.Connection, path: str) -> None:
    """Create the schema in a new (empty) file; refuse any other database or a newer schema."""
    application_id = db.execute("PRAGMA application_id").fetchone()[0]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    tables = _count_tables(db)
    if application_id == APPLICATION_ID:
        _refuse_newer(version, path)
        if version < SCHEMA_VERSION:
            if version not in _ADDED_SINCE:
                raise CorruptState
            db.executescript(
                f"BEGIN IMMEDIATE; {_ADDED_SINCE[version]} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            )
        return
    if tables:
        raise InputError(f"{path}: an SQLite database, but not a keyaudit state file")
    db.executescript(
        f"BEGIN IMMEDIATE; {SCHEMA} PRAGMA application_id = {APPLICATION_ID}; "
        f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
    )


def _refuse_newer(version: int, path: str) -> None:
    if version > SCHEMA_VERSION:
        raise InputError(f"{path}: written by a newer keyaudit (state schema {version}); upgrade keyaudit")


def open_for_job(path: str) -> State:
    """The state file to run a job on, created when missing: the real file, the one job_lock locked."""
    _check_writable(path)
    db = sqlite3.connect(os.path.realpath(path), isolation_level=None, timeout=10)
    _adopt(db, path)
    return State(db, path)


def open_for_reading(path: str) -> State:
    """An existing state file, read-only (works on a read-only file too)."""
    if Path(path).is_dir():
        raise InputError(f"{path}: is a directory, not a state file")
    if not Path(path).is_file():
        raise InputError(f"{path}: no such state file (keyaudit job run creates it)")
    db = sqlite3.connect(f"file:{quote(os.path.abspath(path))}?mode=ro", uri=True, isolation_level=None, timeout=10)
    if db.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
        raise InputError(f"{path}: not a keyaudit state file")
    _refuse_newer(db.execute("PRAGMA user_version").fetchone()[0], path)
    _count_tables(db)
    return State(db, path)


@contextmanager
def job_lock(path: str, wait: float) -> Iterator[None]:
    """Hold the state for one job; a second job waits up to `wait` seconds, then gives up.

    The lock is SQLite's own exclusive lock on a small file beside the state's real file, `<real path>.lock`:
    two jobs reaching one state by two names (a symbolic link, `x/../state.db`) take the same lock, and the
    operating system drops it when the holder dies, even by kill -9, so no stale lock outlives a job. A state
    file with more than one hard link is refused: its names cannot be told to be one file before it is opened
    (and SQLite, which names its journal after the path, would corrupt it).
    """
    real = os.path.realpath(path)
    try:
        links = os.stat(real).st_nlink
    except OSError:
        links = 1  # not there yet: open_for_job creates it, or says why it cannot
    if links > 1:
        raise InputError(f"{path}: the state file has {links} hard links; give it one name (a symbolic link is fine)")
    lock_path = f"{real}.lock"
    if os.path.islink(lock_path):  # planted: SQLite would create or lock the file it points to
        raise InputError(
            f"{lock_path}: the job's lock file is a symbolic link (to {os.readlink(lock_path)}); remove it"
        )
    try:
        lock = sqlite3.connect(lock_path, timeout=wait, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
    except sqlite3.Error as error:
        if "locked" in str(error):
            raise InputError(
                f"{path}: another keyaudit job is running on this state; let it finish or give --wait SECONDS"
            ) from None
        raise InputError(f"{lock_path}: cannot use it as the job's lock file ({error})") from None
    try:
        yield
    finally:
        lock.close()
