"""Sidecar records per library book: the user's position per book format, reading state
per book, and which documents are linked to which book (late binding replays history)."""

import time

from .books import BookKey
from .reading_state import apply_push, replay

STATE_FIELDS = ('status', 'started', 'finished', 'last_read', 'percentage')


class BookRecords:

    def book_position(self, user, key):
        sql = '''SELECT * FROM book_progress WHERE user=? AND library_uuid=? AND book_id=? AND format=?'''
        return self._read(lambda c: _dict(c.execute(sql, (user, *key)).fetchone()))

    def position_for(self, user, document, key=None):
        """What a pull answers: the newer of the document's own row and its book's position."""
        def work(conn):
            own = _dict(conn.execute('SELECT * FROM progress WHERE user=? AND document=?',
                                     (user, document)).fetchone())
            if key is None:
                return own
            book = _dict(conn.execute(
                'SELECT * FROM book_progress WHERE user=? AND library_uuid=? AND book_id=? AND format=?',
                (user, *key)).fetchone())
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
        sql = 'SELECT library_uuid, book_id, format FROM document_links WHERE user=? AND document=?'
        row = self._read(lambda c: c.execute(sql, (user, document)).fetchone())
        return BookKey(*row) if row else None

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
        return self._read(lambda c: [_with_metadata(dict(r)) for r in c.execute(sql + ' ORDER BY p.timestamp DESC', args)])

    def link_counts(self):
        sql = '''SELECT p.user, COUNT(*) AS documents, COUNT(l.document) AS linked
                 FROM progress p LEFT JOIN document_links l ON l.user=p.user AND l.document=p.document
                 GROUP BY p.user ORDER BY p.user'''
        return self._read(lambda c: [dict(r) for r in c.execute(sql)])


def record_book_push(conn, user, push, timestamp, key):
    """Inside record_push's transaction: the push moves the book's position and state."""
    if not _link(conn, user, push['document'], key, timestamp):
        state = _state(conn, user, key)
        _save_state(conn, user, key, apply_push(state, push['percentage'], timestamp))
    _save_position(conn, user, key, dict(push, timestamp=timestamp))


def _link(conn, user, document, key, now):
    row = conn.execute('SELECT library_uuid, book_id, format FROM document_links WHERE user=? AND document=?',
                       (user, document)).fetchone()
    if row is not None and BookKey(*row) == key:
        return False
    conn.execute(
        '''INSERT INTO document_links (user, document, library_uuid, book_id, format, linked_at)
           VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET library_uuid=excluded.library_uuid,
           book_id=excluded.book_id, format=excluded.format, linked_at=excluded.linked_at''',
        (user, document, *key, now))
    pushes = conn.execute('SELECT percentage, timestamp FROM push_history WHERE user=? AND document=? ORDER BY id',
                          (user, document)).fetchall()
    if pushes:
        _save_state(conn, user, key, replay(_state(conn, user, key), pushes))
    latest = conn.execute('SELECT * FROM progress WHERE user=? AND document=?', (user, document)).fetchone()
    if latest is not None:
        current = conn.execute(
            'SELECT timestamp FROM book_progress WHERE user=? AND library_uuid=? AND book_id=? AND format=?',
            (user, *key)).fetchone()
        if current is None or latest['timestamp'] > current[0]:
            _save_position(conn, user, key, dict(latest))
    return True


def _state(conn, user, key):
    row = conn.execute('SELECT * FROM reading_state WHERE user=? AND library_uuid=? AND book_id=?',
                       (user, key.library_uuid, key.book_id)).fetchone()
    return {f: row[f] for f in STATE_FIELDS} if row else {}


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


def _dict(row):
    return dict(row) if row is not None else None


def _with_metadata(d):
    import json
    d['metadata'] = json.loads(d['metadata']) if d.get('metadata') else None
    return d
