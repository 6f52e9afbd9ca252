"""Sidecar records of which digests name which library book formats (a history, kept forever)."""

import time

from ..core.books import Book, BookFormat


class DigestRecords:

    def record_library(self, uuid, name, path=None, now=None):
        now = int(time.time()) if now is None else now
        self._write(lambda c: c.execute(
            '''INSERT INTO libraries (uuid, name, path, last_seen) VALUES (?, ?, ?, ?)
               ON CONFLICT (uuid) DO UPDATE SET name=excluded.name, path=excluded.path,
               last_seen=excluded.last_seen''', (uuid, name, path, now)))

    def libraries(self):
        return self._read(lambda c: {r['uuid']: dict(r) for r in c.execute('SELECT * FROM libraries')})

    def record_digests(self, entries, now=None):
        """Insert (digest, kind, BookFormat, user, detail) entries; return the digests that are new.

        An entry already known only has its last_seen (and user, when given) updated.
        """
        now = int(time.time()) if now is None else now

        def work(conn):
            new = []
            for digest, kind, key, user, detail in entries:
                cur = conn.execute(
                    '''INSERT INTO digests (digest, kind, library_uuid, book_id, format, first_seen,
                                            last_seen, user, detail)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING''',
                    (digest, kind, *key.flat(), now, now, user, detail))
                if cur.rowcount:
                    new.append(digest)
                else:
                    _touch(conn, digest, kind, key, user, now)
            return new
        return self._write(work)

    def touch_digests(self, entries):
        """Batched last-seen updates: (digest, kind, BookFormat, user, when) entries."""
        def work(conn):
            for digest, kind, key, user, when in entries:
                _touch(conn, digest, kind, key, user, when)
        self._write(work)

    def record_served(self, entries):
        """(BookFormat, user, when) entries: the newest download of each book format per user."""
        def work(conn):
            for key, user, when in entries:
                conn.execute(
                    '''INSERT INTO served (library_uuid, book_id, format, user, last_served)
                       VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET
                       last_served=MAX(last_served, excluded.last_served)''', (*key.flat(), user, when))
        self._write(work)

    def candidates(self, digest, user=None):
        """Book formats whose digest history holds digest, most recently served to user first."""
        sql = '''SELECT d.library_uuid, d.book_id, d.format, MAX(d.last_seen) AS last_seen,
                        COALESCE(MAX(s.last_served), 0) AS served_to_user
                 FROM digests d LEFT JOIN served s ON s.library_uuid=d.library_uuid
                      AND s.book_id=d.book_id AND s.format=d.format AND s.user=?
                 WHERE d.digest=? GROUP BY d.library_uuid, d.book_id, d.format
                 ORDER BY served_to_user DESC, last_seen DESC'''
        return self._read(lambda c: [BookFormat(Book(r['library_uuid'], r['book_id']), r['format'])
                                     for r in c.execute(sql, (user, digest))])

    def digests_for(self, key):
        sql = 'SELECT * FROM digests WHERE library_uuid=? AND book_id=? AND format=? ORDER BY first_seen'
        return self._read(lambda c: [dict(r) for r in c.execute(sql, key.flat())])

    def remove_digests(self, digest, kind):
        return self._write(lambda c: c.execute(
            'DELETE FROM digests WHERE digest=? AND kind=?', (digest, kind)).rowcount)

    def digests_per_book(self):
        """[(library_uuid, book_id, number of digests)] for every book with digests."""
        sql = 'SELECT library_uuid, book_id, COUNT(*) FROM digests GROUP BY library_uuid, book_id'
        return self._read(lambda c: [tuple(r) for r in c.execute(sql)])

    def digest_counts(self):
        sql = 'SELECT kind, COUNT(*) AS n FROM digests GROUP BY kind ORDER BY kind'
        return self._read(lambda c: {r['kind']: r['n'] for r in c.execute(sql)})

    def indexed_files(self, library_uuid):
        sql = 'SELECT book_id, format, size, mtime_ns FROM library_files WHERE library_uuid=?'
        return self._read(lambda c: {(r['book_id'], r['format']): (r['size'], r['mtime_ns'])
                                     for r in c.execute(sql, (library_uuid,))})

    def record_indexed_files(self, rows, now=None):
        """(BookFormat, size, mtime_ns, digest) rows from the library index; returns new digests."""
        now = int(time.time()) if now is None else now

        def work(conn):
            for key, size, mtime_ns, digest in rows:
                conn.execute(
                    '''INSERT INTO library_files (library_uuid, book_id, format, size, mtime_ns, digest,
                                                  indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT DO UPDATE SET size=excluded.size, mtime_ns=excluded.mtime_ns,
                       digest=excluded.digest, indexed_at=excluded.indexed_at''',
                    (*key.flat(), size, mtime_ns, digest, now))
        self._write(work)
        return self.record_digests([(digest, 'library', key, None, None) for key, _, _, digest in rows], now)


def _touch(conn, digest, kind, key, user, when):
    conn.execute(
        '''UPDATE digests SET last_seen=MAX(last_seen, ?), user=COALESCE(?, user)
           WHERE digest=? AND kind=? AND library_uuid=? AND book_id=? AND format=?''',
        (when, user, digest, kind, *key.flat()))
