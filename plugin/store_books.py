"""Sidecar records per library book: the user's position per book format, reading state
per book, and which documents are linked to which book (late binding replays history)."""

import json
import time

from .books import BookKey
from .reading_state import apply_push, replay

STATE_FIELDS = ('status', 'started', 'finished', 'last_read', 'percentage')


class BookRecords:

    def book_position(self, user, key):
        return self._read(lambda c: book_row(c, user, key))

    def position_for(self, user, document, key=None):
        """What a pull answers: the newer of the document's own row and its book's position."""
        def work(conn):
            own = document_row(conn, user, document)
            book = book_row(conn, user, key) if key is not None else None
            if book is not None and (own is None or book['timestamp'] >= own['timestamp']):
                return dict(book, document=document)
            return own
        return self._read(work)

    def reading_state(self, user, library_uuid, book_id):
        sql = 'SELECT * FROM reading_state WHERE user=? AND library_uuid=? AND book_id=?'
        return self._read(lambda c: _dict(c.execute(sql, (user, library_uuid, book_id)).fetchone()))

    def link_document(self, user, document, key, now=None):
        """Bind a document to a book for user (late binding). True when the link is new.

        The document's retained pushes are replayed in order into the book's reading
        state, and its latest position becomes the book's when it is newer.
        """
        now = int(time.time()) if now is None else now
        return self._write(lambda conn: _link(conn, user, document, key, now))

    def linked_book(self, user, document):
        return self._read(lambda c: _linked(c, user, document))

    def unlink_document(self, document, user=None):
        sql, args = 'DELETE FROM document_links WHERE document=?', [document]
        if user is not None:
            sql, args = sql + ' AND user=?', args + [user]
        return self._write(lambda c: c.execute(sql, args).rowcount)

    def users_with_progress(self, documents):
        documents = list(documents)
        if not documents:
            return []
        marks = ','.join('?' * len(documents))
        sql = f'SELECT user, document FROM progress WHERE document IN ({marks}) ORDER BY user, document'
        return self._read(lambda c: [(r['user'], r['document']) for r in c.execute(sql, documents)])

    def unmatched(self, user=None):
        sql = '''SELECT p.user, p.document, p.device, p.device_id, p.timestamp AS last_seen, p.metadata
                 FROM progress p LEFT JOIN document_links l ON l.user=p.user AND l.document=p.document
                 WHERE l.document IS NULL'''
        args = []
        if user is not None:
            sql, args = sql + ' AND p.user=?', [user]
        return self._read(lambda c: [progress_dict(r) for r in c.execute(sql + ' ORDER BY p.timestamp DESC', args)])

    def latest_book_position(self, user, library_uuid, book_id):
        """The newest position pushed for any format of the book (for position/device columns)."""
        sql = '''SELECT * FROM book_progress WHERE user=? AND library_uuid=? AND book_id=?
                 ORDER BY timestamp DESC LIMIT 1'''
        return self._read(lambda c: _dict(c.execute(sql, (user, library_uuid, book_id)).fetchone()))

    def users_with_state(self, library_uuid):
        sql = 'SELECT DISTINCT user FROM reading_state WHERE library_uuid=? ORDER BY user'
        return self._read(lambda c: [r[0] for r in c.execute(sql, (library_uuid,))])

    def books_with_state(self, user, library_uuid):
        sql = 'SELECT book_id FROM reading_state WHERE user=? AND library_uuid=? ORDER BY book_id'
        return self._read(lambda c: [r[0] for r in c.execute(sql, (user, library_uuid))])

    def queue_projection(self, user, library_uuid, book_id, error=None, now=None):
        now = int(time.time()) if now is None else now
        self._write(lambda c: c.execute(
            '''INSERT INTO pending_projections (user, library_uuid, book_id, queued_at, attempts, last_error)
               VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT DO UPDATE SET attempts=attempts + 1,
               last_error=excluded.last_error''', (user, library_uuid, book_id, now, error)))

    def pending_projections(self, library_uuid=None):
        sql, args = 'SELECT * FROM pending_projections', ()
        if library_uuid is not None:
            sql, args = sql + ' WHERE library_uuid=?', (library_uuid,)
        return self._read(lambda c: [dict(r) for r in c.execute(sql + ' ORDER BY queued_at', args)])

    def projection_done(self, user, library_uuid, book_id):
        self._write(lambda c: c.execute(
            'DELETE FROM pending_projections WHERE user=? AND library_uuid=? AND book_id=?',
            (user, library_uuid, book_id)))

    def record_column_problems(self, library_uuid, owner, problems, now=None):
        """Replace the owner's recorded problems in this library; return the ones that are new."""
        now = int(time.time()) if now is None else now

        def work(conn):
            old = {(r['purpose'], r['column_key'], r['problem']) for r in conn.execute(
                'SELECT * FROM column_problems WHERE library_uuid=? AND owner=?', (library_uuid, owner))}
            conn.execute('DELETE FROM column_problems WHERE library_uuid=? AND owner=? AND purpose NOT IN (%s)'
                         % ','.join('?' * len(problems)), (library_uuid, owner, *[p[0] for p in problems]))
            for purpose, column, problem in problems:
                conn.execute(
                    '''INSERT INTO column_problems (library_uuid, owner, purpose, column_key, problem,
                                                    first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT DO UPDATE SET column_key=excluded.column_key, problem=excluded.problem,
                       last_seen=excluded.last_seen''', (library_uuid, owner, purpose, column, problem, now, now))
            return [p for p in problems if tuple(p) not in old]
        return self._write(work)

    def column_problems(self):
        return self._read(lambda c: [dict(r) for r in c.execute(
            'SELECT * FROM column_problems ORDER BY library_uuid, owner, purpose')])

    def link_counts(self):
        sql = '''SELECT p.user, COUNT(*) AS documents, COUNT(l.document) AS linked
                 FROM progress p LEFT JOIN document_links l ON l.user=p.user AND l.document=p.document
                 GROUP BY p.user ORDER BY p.user'''
        return self._read(lambda c: [dict(r) for r in c.execute(sql)])


def record_book_push(conn, user, push, timestamp, key, current_status=None):
    """Inside record_push's transaction: the push moves the book's position and state.

    current_status: the status the owner's column shows now (a hand edit counts), or None
    to continue from the sidecar's own.
    """
    if not _link(conn, user, push['document'], key, timestamp, current_status):
        state = _state(conn, user, key, current_status)
        _save_state(conn, user, key, apply_push(state, push['percentage'], timestamp))
    _save_position(conn, user, key, dict(push, timestamp=timestamp))


def _link(conn, user, document, key, now, current_status=None):
    if _linked(conn, user, document) == key:
        return False
    conn.execute(
        '''INSERT INTO document_links (user, document, library_uuid, book_id, format, linked_at)
           VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET library_uuid=excluded.library_uuid,
           book_id=excluded.book_id, format=excluded.format, linked_at=excluded.linked_at''',
        (user, document, *key, now))
    pushes = conn.execute('SELECT percentage, timestamp FROM push_history WHERE user=? AND document=? ORDER BY id',
                          (user, document)).fetchall()
    if pushes:
        _save_state(conn, user, key, replay(_state(conn, user, key, current_status), pushes))
    latest = document_row(conn, user, document)
    if latest is not None:
        current = book_row(conn, user, key)
        if current is None or latest['timestamp'] > current['timestamp']:
            _save_position(conn, user, key, latest)
    return True


def _state(conn, user, key, current_status=None):
    row = conn.execute('SELECT * FROM reading_state WHERE user=? AND library_uuid=? AND book_id=?',
                       (user, key.library_uuid, key.book_id)).fetchone()
    state = {f: row[f] for f in STATE_FIELDS} if row else {}
    if current_status is not None:
        state['status'] = current_status
    return state


def _save_state(conn, user, key, state):
    conn.execute(
        '''INSERT INTO reading_state (user, library_uuid, book_id, status, started, finished, last_read,
                                      percentage) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT DO UPDATE SET status=excluded.status, started=excluded.started,
           finished=excluded.finished, last_read=excluded.last_read, percentage=excluded.percentage''',
        (user, key.library_uuid, key.book_id, *(state.get(f) for f in STATE_FIELDS)))


def _save_position(conn, user, key, p):
    conn.execute(
        '''INSERT INTO book_progress (user, library_uuid, book_id, format, document, percentage, progress,
                                      device, device_id, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT DO UPDATE SET document=excluded.document, percentage=excluded.percentage,
           progress=excluded.progress, device=excluded.device, device_id=excluded.device_id,
           timestamp=excluded.timestamp''',
        (user, *key, p['document'], p['percentage'], p['progress'], p['device'], p['device_id'], p['timestamp']))


def document_row(conn, user, document):
    return progress_dict(conn.execute('SELECT * FROM progress WHERE user=? AND document=?',
                                      (user, document)).fetchone())


def book_row(conn, user, key):
    return _dict(conn.execute('SELECT * FROM book_progress WHERE user=? AND library_uuid=? AND book_id=? '
                              'AND format=?', (user, *key)).fetchone())


def _linked(conn, user, document):
    row = conn.execute('SELECT library_uuid, book_id, format FROM document_links WHERE user=? AND document=?',
                       (user, document)).fetchone()
    return BookKey(*row) if row else None


def progress_dict(row):
    """A progress row as a dict, its metadata JSON decoded."""
    if row is None:
        return None
    ans = dict(row)
    ans['metadata'] = json.loads(ans['metadata']) if ans.get('metadata') else None
    return ans


def _dict(row):
    return dict(row) if row is not None else None
