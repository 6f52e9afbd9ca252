"""The sidecar database: BookBoss's source of truth for sync.

One SQLite file (WAL, synchronous=FULL so an acknowledged push survives a crash),
one writing connection guarded by one lock, every write one IMMEDIATE transaction
(`transaction()`); plain reads go through a read-only connection per thread, which sees
every committed transaction and waits for no lock (WAL readers never block the writer). Queries return plain dicts. Nothing here knows HTTP, calibre or the
reading-state rules: the sync service decides, the store keeps.

Everyone's reading history is private: a folder the store creates is 0700, the database and
its -wal/-shm files 0600 (SQLite gives the side files the database's mode). Closing
checkpoints the WAL into the database file, so the file alone holds every acknowledged push;
`backup()` writes a consistent single-file copy while the server runs.
"""

import contextlib
import os
import sqlite3
import stat
import threading
import time

from .books import BookRecords
from .records import Records
from .digests import DigestRecords
from .schema import MIGRATIONS, SCHEMA_VERSION
from .uploads import UploadRecords
from .wal_index import WalIndexWatch


class StoreError(Exception):
    """The sidecar cannot be read or written right now (locked, read-only, full, missing)."""


class Store(DigestRecords, BookRecords, UploadRecords):

    def __init__(self, path, busy_timeout=10.0, log=None):
        self.path = path
        self.busy_timeout = busy_timeout
        self.log = log  # told when an existing sidecar file turns out empty
        self.lock = threading.RLock()
        self.conn = None
        self.queue_ready = threading.Condition(threading.Lock())
        self.queue = []  # works waiting for the next group commit
        self.leading = False  # a caller is running a batch
        self.local = threading.local()  # this thread's reading connection
        self.readers = []  # every reading connection, closed with the store
        self.generation = 0  # bumped by close(): readers of an earlier generation are closed
        self.wal_index = None  # WalIndexWatch while the writing connection is open

    # -- connection ----------------------------------------------------------------

    def _connection(self):
        if self.conn is None:
            try:
                was_empty = self.path != ':memory:' and _prepare_private_file(self.path)
                conn = sqlite3.connect(self.path, timeout=self.busy_timeout,
                                       check_same_thread=False, isolation_level=None)
                try:
                    conn.row_factory = sqlite3.Row
                    conn.execute('PRAGMA journal_mode=WAL')
                    conn.execute('PRAGMA synchronous=FULL')
                    created = self._migrate(conn)
                    if was_empty and created:
                        self._notice(conn, f'The sidecar {self.path} existed but was empty (0 bytes): a new, '
                                           'empty sidecar was created. If it held reading positions, restore '
                                           'it from a backup (calibre-debug -r BookBoss -- backup).')
                except BaseException:
                    conn.close()
                    raise
            except (sqlite3.Error, OSError) as e:
                raise StoreError(f'cannot open {self.path}: {e}') from e
            self.conn = conn
            if self.path != ':memory:':
                try:
                    self.wal_index = WalIndexWatch(self.path)
                except OSError:
                    self.wal_index = None
        return self.conn

    def change_token(self):
        """A value that differs after every commit to the sidecar by anyone (wal_index.py), or
        None when there is none to trust: read it before reading what is to be kept, and keep
        it only while the token is unchanged."""
        watch = self.wal_index
        if watch is None:
            with self.lock:
                self._connection()
                watch = self.wal_index
        return watch.token() if watch is not None else None

    def _notice(self, conn, message):
        conn.execute('INSERT INTO notices (at, message) VALUES (?, ?)', (int(time.time()), message))
        if self.log is not None:
            self.log(f'BookBoss: WARNING: {message}')

    def notices(self):
        """What the administrator should know about the sidecar itself: [{'at', 'message'}]."""
        return self._read(lambda c: [dict(r) for r in c.execute('SELECT at, message FROM notices ORDER BY id')])

    @staticmethod
    def _migrate(conn):
        """Bring the schema up to date; True when it was created from nothing."""
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
        return version == 0

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

    def grouped(self, work, with_token=False, key=None, check=None):
        """Run work(tx) in a transaction shared with the callers that arrive meanwhile (group
        commit): one caller at a time leads, taking every queued work into one transaction and
        committing once; the others wait on a condition and are all woken by the commit.
        check(tx), when given, runs first and may raise to refuse its work (nothing of it is
        written; the exception is raised to its caller alone); an exception from work itself
        fails the whole batch, nothing of it committed (no savepoints: a batch costs one
        statement per work). Returns work's result only after the commit that contains it is on
        disk; with_token, (result, the change token right after that commit when no other commit
        followed it and no later work of the batch had the same key, else None): what work
        wrote may be kept under that token."""
        item = _Grouped(work, key, check)
        with self.queue_ready:
            self.queue.append(item)
            while self.leading and not item.done:
                self.queue_ready.wait()
            if not item.done:  # lead: take everything queued so far
                self.leading = True
                batch, self.queue = self.queue, []
            else:
                batch = None
        if batch is not None:
            try:
                with self.lock:
                    self._run_batch(batch)
            finally:
                with self.queue_ready:
                    self.leading = False
                    self.queue_ready.notify_all()
        if item.error is not None:
            raise item.error
        return (item.result, item.token) if with_token else item.result

    def _run_batch(self, batch):
        watch, before = self.wal_index, None
        try:
            with self.transaction() as tx:
                if watch is not None:  # the write lock is held: no commit can come between
                    before = watch.token()
                for item in batch:
                    if item.check is not None:
                        try:
                            item.check(tx)
                        except sqlite3.Error:
                            raise  # the connection itself failed: the whole batch fails
                        except Exception as e:  # refused before it wrote anything
                            item.error = e
                            continue
                    item.result = item.work(tx)  # any exception: the whole batch fails
        except StoreError as e:
            for item in batch:
                item.error, item.result = e, None
        except BaseException as e:
            for item in batch:
                item.error, item.result = e, None
        finally:
            after = watch.token() if watch is not None and before is not None else None
            committed = after if WalIndexWatch.follows(before, after) else None
            last = {item.key: item for item in batch}  # what a key's last work wrote is what stays
            for item in batch:
                item.done = True
                item.token = committed if item.error is None and last[item.key] is item else None

    def _write(self, work):
        """work(conn) in one transaction; its result."""
        with self.transaction() as tx:
            return work(tx.conn)

    def _read(self, work):
        """work(conn) on this thread's reading connection (committed data only)."""
        try:
            conn = self._reader()
            if conn is None:  # an in-memory store has one connection
                with self.lock:
                    return work(self._connection())
            return work(conn)
        except sqlite3.Error as e:
            raise StoreError(f'{self.path}: {e}') from e

    def _reader(self):
        mine = getattr(self.local, 'reader', None)
        if mine is not None and mine[0] == self.generation:
            return mine[1]
        if self.path == ':memory:':
            return None
        with self.lock:
            self._connection()  # the file exists and its schema is current
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout, check_same_thread=False,
                                   isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute('PRAGMA query_only=1')
            self.readers.append(conn)
            self.local.reader = (self.generation, conn)
        return conn

    def pragma(self, name):
        return self._read(lambda c: c.execute(f'PRAGMA {name}').fetchone()[0])

    def close(self):
        """Checkpoint the WAL into the database file and close (e.g. when calibre stops)."""
        with self.lock:
            self.generation += 1
            for reader in self.readers:
                reader.close()
            self.readers = []
            if self.wal_index is not None:
                self.wal_index.close()
                self.wal_index = None
            if self.conn is not None:
                try:
                    self.conn.execute('PRAGMA wal_checkpoint(TRUNCATE)')
                except sqlite3.Error:
                    pass  # another program is reading; SQLite checkpoints when the last one closes
                self.conn.close()
                self.conn = None

    def backup(self, destination):
        """Write a consistent single-file copy of the sidecar to destination (0600), safe while
        servers write it. Returns the destination."""
        tmp = destination + '.tmp'
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        try:
            target = sqlite3.connect(tmp, isolation_level=None)
            try:
                with self.lock:
                    self._connection().backup(target)
                target.execute('PRAGMA journal_mode=DELETE')  # one file, no -wal beside it
            finally:
                target.close()
            os.replace(tmp, destination)
        except (sqlite3.Error, OSError) as e:
            with contextlib.suppress(OSError):
                os.remove(tmp)
            raise StoreError(f'cannot back up {self.path} to {destination}: {e}') from e
        return destination


class _Grouped:
    __slots__ = ('work', 'key', 'check', 'result', 'error', 'done', 'token')

    def __init__(self, work, key=None, check=None):
        self.work, self.key, self.check = work, key, check
        self.result, self.error, self.done, self.token = None, None, False, None


def _prepare_private_file(path):
    """Create the sidecar's folder (0700) and file (0600) when missing, tighten the modes of an
    existing one; True when the file existed with nothing in it (0 bytes)."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        os.makedirs(folder, mode=0o700, exist_ok=True)
    was_empty = os.path.exists(path) and os.path.getsize(path) == 0 and not os.path.exists(path + '-wal')
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for name in (path, path + '-wal', path + '-shm') if os.name == 'posix' else ():
        with contextlib.suppress(OSError):
            st = os.stat(name)
            if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & 0o077:
                os.chmod(name, stat.S_IMODE(st.st_mode) & 0o600)
    return was_empty


def _statements(script):
    return [s.strip() for s in script.split(';') if s.strip()]
