"""The sidecar database: BookBoss's source of truth for sync.

One SQLite file (WAL, synchronous=FULL so an acknowledged push survives a crash),
one connection guarded by one lock, every write one IMMEDIATE transaction
(`transaction()`). Queries return plain dicts. Nothing here knows HTTP, calibre or the
reading-state rules: the sync service decides, the store keeps.
"""

import contextlib
import os
import sqlite3
import threading

from .books import BookRecords
from .records import Records
from .digests import DigestRecords
from .schema import MIGRATIONS, SCHEMA_VERSION


class StoreError(Exception):
    """The sidecar cannot be read or written right now (locked, read-only, full, missing)."""


class Store(DigestRecords, BookRecords):

    def __init__(self, path, busy_timeout=10.0):
        self.path = path
        self.busy_timeout = busy_timeout
        self.lock = threading.RLock()
        self.conn = None

    # -- connection ----------------------------------------------------------------

    def _connection(self):
        if self.conn is None:
            try:
                if self.path != ':memory:':
                    os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=self.busy_timeout,
                                       check_same_thread=False, isolation_level=None)
                try:
                    conn.row_factory = sqlite3.Row
                    conn.execute('PRAGMA journal_mode=WAL')
                    conn.execute('PRAGMA synchronous=FULL')
                    self._migrate(conn)
                except BaseException:
                    conn.close()
                    raise
            except (sqlite3.Error, OSError) as e:
                raise StoreError(f'cannot open {self.path}: {e}') from e
            self.conn = conn
        return self.conn

    @staticmethod
    def _migrate(conn):
        version = conn.execute('PRAGMA user_version').fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f'schema version {version} is newer than this BookBoss ({SCHEMA_VERSION})')
        for number in range(version, SCHEMA_VERSION):
            conn.execute('BEGIN IMMEDIATE')
            try:
                for statement in _statements(MIGRATIONS[number]):
                    conn.execute(statement)
                conn.execute(f'PRAGMA user_version={number + 1}')
                conn.execute('COMMIT')
            except BaseException:
                conn.execute('ROLLBACK')
                raise

    @contextlib.contextmanager
    def transaction(self):
        """`with store.transaction() as tx:` plain reads and writes (Records) in one IMMEDIATE
        transaction, committed when the block ends; StoreError on any SQLite failure."""
        with self.lock:
            try:
                conn = self._connection()
                conn.execute('BEGIN IMMEDIATE')
                try:
                    yield Records(conn)
                    conn.execute('COMMIT')
                except BaseException:
                    if conn.in_transaction:
                        conn.execute('ROLLBACK')
                    raise
            except sqlite3.Error as e:
                raise StoreError(f'{self.path}: {e}') from e

    def _write(self, work):
        """work(conn) in one transaction; its result."""
        with self.transaction() as tx:
            return work(tx.conn)

    def _read(self, work):
        with self.lock:
            try:
                return work(self._connection())
            except sqlite3.Error as e:
                raise StoreError(f'{self.path}: {e}') from e

    def pragma(self, name):
        return self._read(lambda c: c.execute(f'PRAGMA {name}').fetchone()[0])

    def close(self):
        with self.lock:
            if self.conn is not None:
                self.conn.close()
                self.conn = None


def _statements(script):
    return [s.strip() for s in script.split(';') if s.strip()]
