"""Plain reads and writes of a user's documents and books on one connection, used inside
one transaction by the sync service (Store.transaction()) and by the Store's own reads.
No rules here: what to write is decided by the caller."""

import json

from ..core.books import Book, BookFormat
from ..core.limits import Limits

STATE_FIELDS = ('status', 'started', 'finished', 'last_read', 'percentage')


class Records:

    def __init__(self, conn):
        self.conn = conn

    # -- a document's own position and its push history ------------------------------

    def record_push(self, user, push, timestamp):
        """A validated push as the document's latest position and in the push history."""
        self.save_document_position(user, push, timestamp)
        self.append_history(user, push, timestamp)

    def log_push(self, user, push, timestamp, fmt=None):
        """A validated push, durable as one row of the push log until it is applied (with the
        book format it was matched to, or none)."""
        metadata = _metadata_json(push)
        self.conn.execute(
            '''INSERT INTO push_log (user, document, percentage, progress, device, device_id, timestamp,
                                     metadata, library_uuid, book_id, format)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)''',
            (user, push['document'], push['percentage'], push['progress'], push['device'], push['device_id'],
             timestamp, metadata, *(fmt.flat() if fmt is not None else (None, None, None))))

    def logged_pushes(self, limit):
        """The oldest logged pushes, in order: [(id, user, push, timestamp, BookFormat or None)]."""
        return [(r['id'], r['user'],
                 {'document': r['document'], 'percentage': r['percentage'], 'progress': r['progress'],
                  'device': r['device'], 'device_id': r['device_id'],
                  'metadata': _metadata(r['metadata'])},
                 r['timestamp'],
                 BookFormat(Book(r['library_uuid'], r['book_id']), r['format']) if r['format'] else None)
                for r in self.conn.execute('SELECT * FROM push_log ORDER BY id LIMIT ?', (limit,))]

    def forget_logged(self, push_ids):
        """Remove applied pushes from the log."""
        self.conn.executemany('DELETE FROM push_log WHERE id=?', [(i,) for i in push_ids])

    def is_new_document(self, user, document):
        """Whether the user has no position of document, applied or logged."""
        return self.conn.execute(
            '''SELECT NOT EXISTS (SELECT 1 FROM progress WHERE user=? AND document=?)
                      AND NOT EXISTS (SELECT 1 FROM push_log WHERE user=? AND document=?)''',
            (user, document, user, document)).fetchone()[0] == 1

    def queue_write(self, projection, user, book, now, error=None):
        """Remember that projection must bring calibre up to date for user's book (again)."""
        self.conn.execute(
            '''INSERT INTO pending_writes (projection, user, library_uuid, book_id, queued_at, attempts,
                                           last_error)
               VALUES (?, ?, ?, ?, ?, 0, ?) ON CONFLICT DO UPDATE SET version=version + 1''',
            (projection, user, *book, now, error))

    def document_count(self, user):
        """The user's documents, those only in the push log included."""
        return self.conn.execute(
            '''SELECT (SELECT COUNT(*) FROM progress WHERE user=?)
                      + (SELECT COUNT(DISTINCT document) FROM push_log l WHERE l.user=? AND NOT EXISTS
                           (SELECT 1 FROM progress p WHERE p.user=l.user AND p.document=l.document))''',
            (user, user)).fetchone()[0]

    def document_position(self, user, document):
        return progress_dict(self.conn.execute('SELECT * FROM progress WHERE user=? AND document=?',
                                               (user, document)).fetchone())

    def save_document_position(self, user, push, timestamp):
        """The push as the document's latest position; metadata omitted keeps the stored one."""
        metadata = _metadata_json(push)
        self.conn.execute(
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

    def append_history(self, user, push, timestamp):
        self.append_history_rows([(user, push, timestamp)])

    def append_history_rows(self, rows):
        """(user, push, timestamp) each, in order, into the push history."""
        self.conn.executemany(
            '''INSERT INTO push_history (user, document, percentage, progress, device,
                                         device_id, timestamp)
               VALUES (?, ?, ?, ?, ?, ?, ?)''',
            [(user, push['document'], push['percentage'], push['progress'], push['device'],
              push['device_id'], timestamp) for user, push, timestamp in rows])

    def prune_history(self, user, device_id, now, limits=Limits()):
        """Keep the newest pushes of a device and of a user within the limits, none older than
        the age limit. Only history goes: the latest position of every document stays."""
        self.conn.execute(
            '''DELETE FROM push_history WHERE user=? AND device_id=? AND id <= (
                   SELECT id FROM push_history WHERE user=? AND device_id=?
                   ORDER BY id DESC LIMIT 1 OFFSET ?)''',
            (user, device_id, user, device_id, limits.history_per_device))
        self.conn.execute(
            '''DELETE FROM push_history WHERE user=? AND id <= (
                   SELECT id FROM push_history WHERE user=? ORDER BY id DESC LIMIT 1 OFFSET ?)''',
            (user, user, limits.history_per_user))
        self.conn.execute('DELETE FROM push_history WHERE user=? AND device_id=? AND timestamp < ?',
                          (user, device_id, now - limits.history_days * 86400))

    def pushes_of(self, user, document):
        """The document's retained pushes, oldest first: [{'percentage', 'timestamp'}]."""
        return [dict(r) for r in self.conn.execute(
            'SELECT percentage, timestamp FROM push_history WHERE user=? AND document=? ORDER BY id',
            (user, document))]

    # -- links, positions per book format, reading state per book ---------------------

    def linked(self, user, document):
        row = self.conn.execute(
            'SELECT library_uuid, book_id, format FROM document_links WHERE user=? AND document=?',
            (user, document)).fetchone()
        return BookFormat(Book(row[0], row[1]), row[2]) if row else None

    def save_link(self, user, document, fmt, now):
        self.conn.execute(
            '''INSERT INTO document_links (user, document, library_uuid, book_id, format, linked_at)
               VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET library_uuid=excluded.library_uuid,
               book_id=excluded.book_id, format=excluded.format, linked_at=excluded.linked_at''',
            (user, document, *fmt.flat(), now))

    def book_position(self, user, fmt):
        return row_dict(self.conn.execute(
            'SELECT * FROM book_progress WHERE user=? AND library_uuid=? AND book_id=? AND format=?',
            (user, *fmt.flat())).fetchone())

    def save_book_position(self, user, fmt, p):
        self.conn.execute(
            '''INSERT INTO book_progress (user, library_uuid, book_id, format, document, percentage,
                                          progress, device, device_id, timestamp)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT DO UPDATE SET document=excluded.document, percentage=excluded.percentage,
               progress=excluded.progress, device=excluded.device, device_id=excluded.device_id,
               timestamp=excluded.timestamp''',
            (user, *fmt.flat(), p['document'], p['percentage'], p['progress'], p['device'],
             p['device_id'], p['timestamp']))

    def reading_state(self, user, book):
        """{status, started, finished, last_read, percentage}, or {} when nothing is stored."""
        row = self.conn.execute('SELECT * FROM reading_state WHERE user=? AND library_uuid=? AND book_id=?',
                                (user, *book)).fetchone()
        return {f: row[f] for f in STATE_FIELDS} if row else {}

    def save_reading_state(self, user, book, state):
        self.conn.execute(
            '''INSERT INTO reading_state (user, library_uuid, book_id, status, started, finished,
                                          last_read, percentage) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT DO UPDATE SET status=excluded.status, started=excluded.started,
               finished=excluded.finished, last_read=excluded.last_read, percentage=excluded.percentage''',
            (user, *book, *(state.get(f) for f in STATE_FIELDS)))


def newer_position(own, book, document):
    """What a pull answers: the book format's position when it is at least as new as the
    document's own (a pull of one download continues another), else the document's own."""
    if book is not None and (own is None or book['timestamp'] >= own['timestamp']):
        return dict(book, document=document)
    return own


def progress_dict(row):
    """A progress row as a dict, its metadata JSON decoded."""
    if row is None:
        return None
    ans = dict(row)
    ans['metadata'] = _metadata(ans.get('metadata'))
    return ans


def row_dict(row):
    return dict(row) if row is not None else None


def _metadata_json(push):
    """A push's KOReader metadata as stored (JSON), or None when it gives none."""
    return json.dumps(push['metadata'], ensure_ascii=False) if push.get('metadata') else None


def _metadata(stored):
    """Stored metadata JSON back as a dict, or None."""
    return json.loads(stored) if stored else None
