"""The Store's WebDAV uploads (KOReader's statistics database, byte for byte per user) and the
figures read from them per KOReader document.

An upload lives in the sidecar itself: replacing it is one transaction (compare the ETag,
then replace, atomically, across processes too), it has the sidecar's file modes and its
backup covers it.
"""

import time

from ..core.books import Book, BookFormat
from .records import Records

UPLOAD_COLUMNS = 'path, etag, size, stored_at, unread, problem'
FIGURE_COLUMNS = ('title', 'authors', 'read_time', 'pages_read', 'pages', 'first_read', 'last_read',
                  'highlights', 'notes')


class UploadRecords:

    # -- the files ---------------------------------------------------------------------

    def upload(self, user, path, with_data=True):
        """{'path', 'etag', 'size', 'stored_at', 'unread', 'problem'[, 'data']} or None."""
        columns = UPLOAD_COLUMNS + (', data' if with_data else '')
        row = self._read(lambda c: c.execute(f'SELECT {columns} FROM uploads WHERE user=? AND path=?',
                                             (user, path)).fetchone())
        return dict(row) if row is not None else None

    def uploads(self, user=None):
        """Every stored upload (of one user), without the bytes: [{'user', 'path', 'etag', ...}]."""
        sql, args = f'SELECT user, {UPLOAD_COLUMNS} FROM uploads', ()
        if user is not None:
            sql, args = sql + ' WHERE user=?', (user,)
        return self._read(lambda c: [dict(r) for r in c.execute(sql + ' ORDER BY user, path', args)])

    def replace_upload(self, user, path, data, etag, if_match=None, unread=False, max_files=None, now=None):
        """Store data as user's file at path when if_match (None: no condition; '*': any stored
        file; else an ETag) holds for the file stored now. 'created', 'replaced',
        'precondition failed' or 'too many files' (nothing stored then)."""
        now = int(time.time()) if now is None else now

        def work(conn):
            row = conn.execute('SELECT etag FROM uploads WHERE user=? AND path=?', (user, path)).fetchone()
            if if_match is not None and (row is None or (if_match != '*' and if_match != row['etag'])):
                return 'precondition failed'
            if row is None and max_files is not None and conn.execute(
                    'SELECT COUNT(*) FROM uploads WHERE user=?', (user,)).fetchone()[0] >= max_files:
                return 'too many files'
            conn.execute('''INSERT OR REPLACE INTO uploads (user, path, data, etag, size, stored_at, unread, problem)
                            VALUES (?, ?, ?, ?, ?, ?, ?, NULL)''',
                         (user, path, data, etag, len(data), now, int(unread)))
            return 'replaced' if row is not None else 'created'
        return self._write(work)

    def delete_upload(self, user, path):
        return self._write(lambda c: c.execute('DELETE FROM uploads WHERE user=? AND path=?',
                                               (user, path)).rowcount > 0)

    def unread_uploads(self):
        """[{'user', 'path', 'etag', 'data'}] of the statistics uploads not read yet, oldest first."""
        return self._read(lambda c: [dict(r) for r in c.execute(
            'SELECT user, path, etag, data FROM uploads WHERE unread=1 ORDER BY stored_at')])

    def reread_statistics(self, digests, file_name):
        """Digests became known or were linked (a download, an index run, a link on the page):
        the statistics uploads (files called file_name) of users with figures for them are read
        again. The number of uploads marked. Only a user with figures for one of the digests
        costs a write (a download or an index run of anything else reads one index)."""
        chunks = [list(digests)[i:i + 500] for i in range(0, len(digests), 500)]

        def users(conn):
            return sorted({r[0] for chunk in chunks for r in conn.execute(
                f"SELECT DISTINCT user FROM statistics WHERE md5 IN ({','.join('?' * len(chunk))})", chunk)})
        concerned = self._read(users) if chunks else []

        def work(conn):
            return sum(conn.execute(
                '''UPDATE uploads SET unread=1 WHERE user=? AND problem IS NULL AND unread=0
                   AND (path=? OR substr(path, -?)=?)''',
                (user, '/' + file_name, len(file_name) + 1, '/' + file_name)).rowcount for user in concerned)
        return self._write(work) if concerned else 0

    # -- the figures -----------------------------------------------------------------------

    def save_statistics(self, user, path, etag, figures, problem, projection=None, now=None):
        """Record what reading user's upload (path, as stored with etag) gave: figures (each with
        'fmt', the BookFormat its md5 is for the user, or None) replace the user's figures, or
        problem says why it gave none (the figures read before stay). Queues projection's write
        for every book whose figures changed, in the same transaction. Nothing is done when the
        upload was replaced meanwhile. The books queued."""
        now = int(time.time()) if now is None else now

        def work(conn):
            if conn.execute('SELECT 1 FROM uploads WHERE user=? AND path=? AND etag=?',
                            (user, path, etag)).fetchone() is None:
                return []
            conn.execute('UPDATE uploads SET unread=0, problem=? WHERE user=? AND path=?', (problem, user, path))
            if problem is not None:
                return []
            before = {r['md5']: dict(r) for r in conn.execute('SELECT * FROM statistics WHERE user=?', (user,))}
            conn.execute('DELETE FROM statistics WHERE user=?', (user,))
            changed = set()
            for f in figures:
                fmt = f.get('fmt')
                where = fmt.flat() if fmt is not None else (None, None, None)
                row = (*(f.get(c) for c in FIGURE_COLUMNS), *where)
                old = before.pop(f['md5'], None)
                same = old is not None and row == (*(old[c] for c in FIGURE_COLUMNS), old['library_uuid'],
                                                   old['book_id'], old['format'])
                conn.execute(f'''INSERT INTO statistics (user, md5, {', '.join(FIGURE_COLUMNS)}, library_uuid,
                                                         book_id, format, updated_at)
                                 VALUES (?, ?, {', '.join('?' * len(FIGURE_COLUMNS))}, ?, ?, ?, ?)''',
                             (user, f['md5'], *row, old['updated_at'] if same else now))
                if not same:  # the book it names now, and the one it named before
                    changed.update((fmt.book if fmt is not None else None, _book(old)))
            changed.update(_book(old) for old in before.values())  # figures no longer uploaded
            changed.discard(None)
            if projection is not None:
                tx = Records(conn)
                for book in changed:
                    tx.queue_write(projection, user, book, now)
            return sorted(changed)
        return self._write(work)

    def book_statistics(self, user, book):
        """The user's figures of one book (every document of it together: reading time added,
        the rest the largest / earliest / latest), or None."""
        row = self._read(lambda c: c.execute(
            '''SELECT COUNT(*) AS documents, SUM(read_time) AS read_time, MAX(pages_read) AS pages_read,
                      MAX(pages) AS pages, MIN(first_read) AS first_read, MAX(last_read) AS last_read,
                      MAX(highlights) AS highlights, MAX(notes) AS notes
               FROM statistics WHERE user=? AND library_uuid=? AND book_id=?''', (user, *book)).fetchone())
        return dict(row) if row['documents'] else None

    def statistics(self, user, limit=-1):
        """[{'md5', 'title', ..., 'fmt': BookFormat or None}] of the user's figures, last read first."""
        return self._read(lambda c: [dict(r, fmt=BookFormat.of(r['library_uuid'], r['book_id'], r['format'])
                                          if r['book_id'] is not None else None)
                                     for r in c.execute('''SELECT * FROM statistics WHERE user=?
                                                           ORDER BY last_read DESC LIMIT ?''', (user, limit))])

    def statistics_totals(self, user):
        """{'documents', 'linked', 'read_time', 'highlights', 'notes'} over the user's figures."""
        row = self._read(lambda c: c.execute(
            '''SELECT COUNT(*) AS documents, COUNT(book_id) AS linked, COALESCE(SUM(read_time), 0) AS read_time,
                      COALESCE(SUM(highlights), 0) AS highlights, COALESCE(SUM(notes), 0) AS notes
               FROM statistics WHERE user=?''', (user,)).fetchone())
        return dict(row)


def _book(row):
    if row is None or row.get('book_id') is None:
        return None
    return Book(row['library_uuid'], row['book_id'])
