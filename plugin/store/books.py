"""The Store's reads and small writes of users' documents and books: positions, links,
reading state, the pending-write queue of the projections and column problems."""

import time

from ..core.books import Book, BookFormat
from ..core.limits import Limits
from .records import Records, newer_position, progress_dict, row_dict


class BookRecords:

    # -- documents -------------------------------------------------------------------

    def record_push(self, user, push, timestamp=None, limits=Limits()):
        """Store a push for a document not linked to a book, pruning the history to the limits;
        returns its timestamp."""
        timestamp = int(time.time()) if timestamp is None else int(timestamp)
        with self.transaction() as tx:
            tx.record_push(user, push, timestamp)
            tx.prune_history(user, push['device_id'], timestamp, limits)
        return timestamp

    def logged_pushes(self, limit):
        """The oldest pushes of the push log (Records.logged_pushes)."""
        return self._read(lambda c: Records(c).logged_pushes(limit))

    def has_logged_pushes(self):
        return self._read(lambda c: c.execute('SELECT EXISTS (SELECT 1 FROM push_log)').fetchone()[0] == 1)

    def get_progress(self, user, document):
        return self._read(lambda c: Records(c).document_position(user, document))

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

    def devices(self, user, limit=-1):
        """The user's devices, most recently synced first: name, id, last sync time and last document."""
        sql = '''SELECT device, device_id, timestamp AS last_sync, document AS last_document
                 FROM push_history WHERE id IN (
                     SELECT MAX(id) FROM push_history WHERE user=? GROUP BY device_id)
                 ORDER BY last_sync DESC, id DESC LIMIT ?'''
        return self._read(lambda c: [dict(r) for r in c.execute(sql, (user, limit))])

    def recent_pushes(self, user, limit):
        sql = 'SELECT * FROM push_history WHERE user=? ORDER BY id DESC LIMIT ?'
        return self._read(lambda c: [dict(r) for r in c.execute(sql, (user, limit))])

    def user_counts(self, user):
        """{'documents', 'linked'} of one user."""
        sql = '''SELECT (SELECT COUNT(*) FROM progress WHERE user=?) AS documents,
                        (SELECT COUNT(*) FROM document_links WHERE user=?) AS linked'''
        return self._read(lambda c: dict(c.execute(sql, (user, user)).fetchone()))

    # -- books -----------------------------------------------------------------------

    def book_position(self, user, fmt):
        return self._read(lambda c: Records(c).book_position(user, fmt))

    def position_for(self, user, document, fmt=None):
        """What a pull answers: the newer of the document's own row and its book format's position."""
        def work(conn):
            records = Records(conn)
            book = records.book_position(user, fmt) if fmt is not None else None
            return newer_position(records.document_position(user, document), book, document)
        return self._read(work)

    def sync_rows(self, user, document):
        """(the BookFormat the document is linked to or None, the document's own position or
        None, the linked format's position or None), in one statement: what a push or a pull
        reads before it decides."""
        sql = '''SELECT l.library_uuid AS l_library, l.book_id AS l_book, l.format AS l_format,
                        p.percentage AS p_percentage, p.progress AS p_progress, p.device AS p_device,
                        p.device_id AS p_device_id, p.timestamp AS p_timestamp,
                        b.percentage AS b_percentage, b.progress AS b_progress, b.device AS b_device,
                        b.device_id AS b_device_id, b.timestamp AS b_timestamp
                 FROM (SELECT ? AS user, ? AS document) q
                 LEFT JOIN progress p ON p.user=q.user AND p.document=q.document
                 LEFT JOIN document_links l ON l.user=q.user AND l.document=q.document
                 LEFT JOIN book_progress b ON b.user=q.user AND b.library_uuid=l.library_uuid
                      AND b.book_id=l.book_id AND b.format=l.format'''

        def work(conn):
            r = conn.execute(sql, (user, document)).fetchall()[0]
            linked = BookFormat(Book(r['l_library'], r['l_book']), r['l_format']) if r['l_format'] else None
            return linked, _prefixed(r, 'p_', document), _prefixed(r, 'b_', document)
        return self._read(work)

    def reading_state(self, user, book):
        return self._read(lambda c: Records(c).reading_state(user, book))

    def linked_book(self, user, document):
        """The BookFormat the user's document is linked to, or None."""
        return self._read(lambda c: Records(c).linked(user, document))

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
        sql = f'''SELECT user, document FROM progress WHERE document IN ({marks})
                  UNION SELECT user, document FROM push_log WHERE document IN ({marks})
                  ORDER BY user, document'''
        return self._read(lambda c: [(r['user'], r['document']) for r in c.execute(sql, documents + documents)])

    def unmatched(self, user=None, limit=-1, offset=0):
        """Documents not linked to a book, most recently seen first."""
        sql = '''SELECT p.user, p.document, p.device, p.device_id, p.timestamp AS last_seen, p.metadata
                 FROM progress p LEFT JOIN document_links l ON l.user=p.user AND l.document=p.document
                 WHERE l.document IS NULL'''
        args = []
        if user is not None:
            sql, args = sql + ' AND p.user=?', [user]
        sql += ' ORDER BY p.timestamp DESC, p.document LIMIT ? OFFSET ?'
        return self._read(lambda c: [progress_dict(r) for r in c.execute(sql, args + [limit, offset])])

    def unmatched_count(self, user):
        sql = '''SELECT COUNT(*) FROM progress p LEFT JOIN document_links l
                 ON l.user=p.user AND l.document=p.document WHERE l.document IS NULL AND p.user=?'''
        return self._read(lambda c: c.execute(sql, (user,)).fetchone()[0])

    def latest_book_position(self, user, book):
        """The newest position pushed for any format of the book (for position/device columns)."""
        sql = '''SELECT * FROM book_progress WHERE user=? AND library_uuid=? AND book_id=?
                 ORDER BY timestamp DESC LIMIT 1'''
        return self._read(lambda c: row_dict(c.execute(sql, (user, *book)).fetchone()))

    def book_report(self, book):
        """What BookBoss knows of one library book, for the GUI: {'users': [{'user', 'status',
        'percentage', 'started', 'finished', 'last_read', 'device', 'timestamp', 'documents',
        'statistics' (the user's reading-statistics figures of the book, or None)}],
        'digests': [{'digest', 'kind', 'format', 'user', 'detail', 'last_seen'}]}."""
        def work(c):
            users = {}
            for r in c.execute('SELECT * FROM reading_state WHERE library_uuid=? AND book_id=? ORDER BY user', book):
                users[r['user']] = dict(r, device=None, timestamp=None, documents=[])
            for r in c.execute('SELECT user, device, timestamp FROM book_progress WHERE library_uuid=? AND '
                               'book_id=? ORDER BY timestamp', book):
                entry = users.setdefault(r['user'], {'user': r['user'], 'documents': []})
                entry.update(device=r['device'], timestamp=r['timestamp'])
            for r in c.execute('SELECT user, document, format FROM document_links WHERE library_uuid=? AND '
                               'book_id=? ORDER BY user, document', book):
                users.setdefault(r['user'], {'user': r['user'], 'documents': []})['documents'].append(
                    f"{r['document']} ({r['format']})")
            for r in c.execute('SELECT DISTINCT user FROM statistics WHERE library_uuid=? AND book_id=? '
                               'ORDER BY user', book):
                users.setdefault(r['user'], {'user': r['user'], 'documents': []})
            digests = [dict(r) for r in c.execute(
                'SELECT digest, kind, format, user, detail, last_seen FROM digests WHERE library_uuid=? AND '
                'book_id=? ORDER BY format, kind, last_seen DESC', book)]
            return {'users': list(users.values()), 'digests': digests}
        report = self._read(work)
        for entry in report['users']:
            entry['statistics'] = self.book_statistics(entry['user'], book)
        return report

    def users_with_state(self, library_uuid):
        sql = 'SELECT DISTINCT user FROM reading_state WHERE library_uuid=? ORDER BY user'
        return self._read(lambda c: [r[0] for r in c.execute(sql, (library_uuid,))])

    def books_with_state(self, user, library_uuid):
        sql = 'SELECT book_id FROM reading_state WHERE user=? AND library_uuid=? ORDER BY book_id'
        return self._read(lambda c: [Book(library_uuid, r[0]) for r in c.execute(sql, (user, library_uuid))])

    def link_counts(self):
        sql = '''SELECT p.user, COUNT(*) AS documents, COUNT(l.document) AS linked
                 FROM progress p LEFT JOIN document_links l ON l.user=p.user AND l.document=p.document
                 GROUP BY p.user ORDER BY p.user'''
        return self._read(lambda c: [dict(r) for r in c.execute(sql)])

    # -- the projections' pending writes -----------------------------------------------

    def queue_write(self, projection, user, book, error=None, now=None):
        """Remember that projection must still bring calibre up to date for user's book."""
        now = int(time.time()) if now is None else now
        with self.transaction() as tx:
            tx.queue_write(projection, user, book, now, error)

    def write_failed(self, projection, user, book, error):
        self._write(lambda c: c.execute(
            '''UPDATE pending_writes SET attempts=attempts + 1, last_error=?
               WHERE projection=? AND user=? AND library_uuid=? AND book_id=?''', (error, projection, user, *book)))

    def writes_done(self, done):
        """Remove applied writes: (projection, user, book, version) each; a write queued again
        since (a newer version) stays."""
        if done:
            self._write(lambda c: c.executemany(
                '''DELETE FROM pending_writes WHERE projection=? AND user=? AND library_uuid=? AND book_id=?
                   AND version=?''', [(p, u, *b, v) for p, u, b, v in done]))

    def pending_writes(self, library_uuid=None):
        """[{'projection', 'user', 'book': Book, 'queued_at', 'attempts', 'last_error', 'version'}],
        oldest first."""
        sql, args = 'SELECT * FROM pending_writes', ()
        if library_uuid is not None:
            sql, args = sql + ' WHERE library_uuid=?', (library_uuid,)

        def rows(c):
            return [dict(r, book=Book(r['library_uuid'], r['book_id']))
                    for r in c.execute(sql + ' ORDER BY queued_at', args)]
        return self._read(rows)

    # -- column mapping problems -------------------------------------------------------

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

    # -- accounts ------------------------------------------------------------------------

    def adopt_account(self, user, fingerprint, retired_name, now=None):
        """Remember user's calibre fingerprint. When another one was stored for the name, move
        that account's data to retired_name(user, old fingerprint) first; return the old
        fingerprint then, else None."""
        now = int(time.time()) if now is None else now

        def work(conn):
            row = conn.execute('SELECT fingerprint FROM accounts WHERE user=?', (user,)).fetchone()
            if row is not None and row[0] == fingerprint:
                return None
            old = row[0] if row is not None else None
            if old is not None:
                retired = retired_name(user, old)
                for table in USER_TABLES:
                    conn.execute(f'UPDATE {table} SET user=? WHERE user=?', (retired, user))
                conn.execute('INSERT OR REPLACE INTO accounts (user, fingerprint, first_seen) '
                             'SELECT ?, fingerprint, first_seen FROM accounts WHERE user=?', (retired, user))
            conn.execute('INSERT OR REPLACE INTO accounts (user, fingerprint, first_seen) VALUES (?, ?, ?)',
                         (user, fingerprint, now))
            return old
        return self._write(work)

    def accounts(self):
        """[{'user', 'fingerprint', 'first_seen', 'documents'}] of every account seen, retired ones too."""
        sql = '''SELECT a.user, a.fingerprint, a.first_seen,
                        (SELECT COUNT(*) FROM progress p WHERE p.user=a.user) AS documents
                 FROM accounts a ORDER BY a.user'''
        return self._read(lambda c: [dict(r) for r in c.execute(sql)])

    def forget_user(self, user, retired_prefix):
        """Remove every sidecar row of user and of its retired accounts (user + retired_prefix...).
        Returns {table: rows removed}."""
        pattern = user.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_') + retired_prefix + '%'

        def work(conn):
            removed = {}
            for table in USER_TABLES + ('accounts',):
                removed[table] = conn.execute(
                    f"DELETE FROM {table} WHERE user=? OR user LIKE ? ESCAPE '\\'", (user, pattern)).rowcount
            return removed
        return self._write(work)


# Every table holding a calibre user's own data (column problems belong to a column set's owner).
USER_TABLES = ('push_log', 'progress', 'push_history', 'document_links', 'book_progress', 'reading_state', 'served',
               'pending_writes', 'uploads', 'statistics')


POSITION_FIELDS = ('percentage', 'progress', 'device', 'device_id', 'timestamp')


def _prefixed(row, prefix, document):
    if row[prefix + 'timestamp'] is None:
        return None
    return dict({f: row[prefix + f] for f in POSITION_FIELDS}, document=document)
