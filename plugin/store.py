"""The sidecar database: BookBoss's source of truth for sync.

One SQLite file (WAL, synchronous=FULL so an acknowledged push survives a crash),
one connection guarded by one lock, every write one IMMEDIATE transaction. Queries
return plain dicts. Nothing here knows HTTP or calibre.
"""

import json
import os
import sqlite3
import threading
import time

from .schema import MIGRATIONS, SCHEMA_VERSION
from .store_books import BookRecords, document_row, progress_dict, record_book_push
from .store_digests import DigestRecords

HISTORY_PER_DEVICE = 1000          # newest pushes kept per (user, device_id)
HISTORY_MAX_AGE_DAYS = 365         # older pushes are dropped


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

    def _write(self, work):
        """Run work(conn) in one IMMEDIATE transaction; StoreError on any SQLite failure."""
        with self.lock:
            try:
                conn = self._connection()
                conn.execute('BEGIN IMMEDIATE')
                try:
                    result = work(conn)
                    conn.execute('COMMIT')
                except BaseException:
                    if conn.in_transaction:
                        conn.execute('ROLLBACK')
                    raise
                return result
            except sqlite3.Error as e:
                raise StoreError(f'{self.path}: {e}') from e

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

    # -- progress ------------------------------------------------------------------

    def record_push(self, user, push, timestamp=None, book=None, current_status=None):
        """Store a validated push as the user's latest position for its document and, when
        the document is linked to a library book (a BookKey), for that book.

        A push without metadata keeps the metadata stored earlier. Returns the timestamp.
        """
        timestamp = int(time.time()) if timestamp is None else int(timestamp)
        metadata = json.dumps(push['metadata'], ensure_ascii=False) if push.get('metadata') else None

        def work(conn):
            conn.execute(
                '''INSERT INTO progress (user, document, percentage, progress, device, device_id,
                                         timestamp, metadata)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (user, document) DO UPDATE SET
                       percentage=excluded.percentage, progress=excluded.progress,
                       device=excluded.device, device_id=excluded.device_id,
                       timestamp=excluded.timestamp,
                       metadata=COALESCE(excluded.metadata, progress.metadata)''',
                (user, push['document'], push['percentage'], push['progress'], push['device'],
                 push['device_id'], timestamp, metadata))
            conn.execute(
                '''INSERT INTO push_history (user, document, percentage, progress, device,
                                             device_id, timestamp)
                   VALUES (?, ?, ?, ?, ?, ?, ?)''',
                (user, push['document'], push['percentage'], push['progress'], push['device'],
                 push['device_id'], timestamp))
            if book is not None:
                record_book_push(conn, user, push, timestamp, book, current_status)
            _prune_history(conn, user, push['device_id'], timestamp)
            return timestamp
        return self._write(work)

    def get_progress(self, user, document):
        return self._read(lambda c: document_row(c, user, document))

    def documents(self, user):
        """Every document the user synced: {document: latest row}."""
        return self._read(lambda c: {r['document']: progress_dict(r) for r in c.execute(
            'SELECT * FROM progress WHERE user=?', (user,))})

    def push_history(self, user, document=None, device_id=None):
        clauses, args = ['user=?'], [user]
        if document is not None:
            clauses.append('document=?')
            args.append(document)
        if device_id is not None:
            clauses.append('device_id=?')
            args.append(device_id)
        sql = f'SELECT * FROM push_history WHERE {" AND ".join(clauses)} ORDER BY id'
        return self._read(lambda c: [dict(r) for r in c.execute(sql, args)])

    def counts(self):
        sql = '''SELECT (SELECT COUNT(*) FROM progress) AS documents,
                        (SELECT COUNT(*) FROM document_links) AS linked,
                        (SELECT COUNT(DISTINCT user) FROM progress) AS users,
                        (SELECT COUNT(*) FROM push_history) AS pushes'''
        return self._read(lambda c: dict(c.execute(sql).fetchone()))

    def devices(self, user):
        """The user's devices: name, id, last sync time and last document."""
        sql = '''SELECT device, device_id, timestamp AS last_sync, document AS last_document
                 FROM push_history WHERE id IN (
                     SELECT MAX(id) FROM push_history WHERE user=? GROUP BY device_id)
                 ORDER BY last_sync DESC'''
        return self._read(lambda c: [dict(r) for r in c.execute(sql, (user,))])


def _prune_history(conn, user, device_id, now):
    conn.execute(
        '''DELETE FROM push_history WHERE user=? AND device_id=? AND id <= (
               SELECT id FROM push_history WHERE user=? AND device_id=?
               ORDER BY id DESC LIMIT 1 OFFSET ?)''',
        (user, device_id, user, device_id, HISTORY_PER_DEVICE))
    conn.execute('DELETE FROM push_history WHERE user=? AND device_id=? AND timestamp < ?',
                 (user, device_id, now - HISTORY_MAX_AGE_DAYS * 86400))


def _statements(script):
    return [s.strip() for s in script.split(';') if s.strip()]
