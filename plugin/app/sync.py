"""The sync service: every use case that changes what BookBoss knows of a user's book.

A KOReader push or pull, a link made on the page or the command line, an unlink, digests
recorded by a download, the device hook or the index: each is one method here. The store
keeps, the core rules decide (reading-state transitions fire only on KOReader pushes; a
document linked later replays its earlier acknowledged pushes), and after the sidecar
transaction commits, every registered projection (calibre's columns, ...) gets the change.
A KOReader push is acknowledged as one row of the push log and applied from there, in
batches (app.push_log): in a server by the background writer, elsewhere at once.
"""

import hashlib
import threading
import time
import traceback

from ..core.limits import Limits
from ..core.protocol import invalid
from ..core.reading_state import replay
from ..store import StoreError
from ..store.koreader_statistics import NotStatistics, read_figures
from ..store.records import newer_position
from .push_log import LoggedBatch, current_state

PRUNE_EVERY = 32
LOG_BATCH = 500  # logged pushes applied in one transaction
STATISTICS = 'statistics'  # the projection that shows KOReader's reading statistics
STATISTICS_FILE = 'statistics.sqlite3'  # what KOReader's statistics sync uploads


def is_statistics_file(path):
    return path.rpartition('/')[2] == STATISTICS_FILE


class Sync:

    def __init__(self, store, matcher=None, projections=None, status=None, log=print, clock=time.time,
                 limits=Limits(), reader=None, writer=None):
        """matcher: app.matching.Matcher, or None where calibre's permissions cannot be asked
        (the command line: documents then bind at the user's next sync); projections:
        app.projections.Projections or None; status: a ReadingStatusSource or None; limits:
        core.limits.Limits; reader: a ReaderPositionSource (calibre's web reader) or None;
        writer: the projections' BackgroundWriter (app.ports), which then also applies the push
        log (the first step of every run); None: each push is applied at once."""
        self.store, self.matcher, self.projections, self.reader = store, matcher, projections, reader
        self.writer = writer if projections is not None else None
        self.status, self.log, self.clock, self.limits = status, log, clock, limits
        self.lock = threading.Lock()
        self.pushes = {}  # user -> pushes seen by this process, for pruning
        self.pulls = {}  # (user, document) -> (change token, linked BookFormat, visibility token,
        #                                       its position, the document's own position)
        if self.writer is not None:
            projections.add_step(self.apply_logged)
        if projections is not None and matcher is not None:  # figures are matched within permissions
            projections.add_step(self.read_statistics)

    # -- KOReader ---------------------------------------------------------------------

    def push(self, user, push):
        """Log a validated push (durable, one row) and return the timestamp acknowledged; it is
        applied (apply_logged) in the background writer, or at once without one. A new document
        past the user's document limit is refused (403/2003); nothing is written then.
        Concurrent pushes share durable commits (Store.grouped)."""
        timestamp = int(self.clock())
        document = push['document']
        linked, own, _, visible, seen = self._known(user, document)
        fmt = linked if visible else self._match(user, document, push['metadata'], linked)

        def check(tx):
            if own is None and tx.is_new_document(user, document) \
                    and tx.document_count(user) >= self.limits.documents_per_user:
                raise invalid(self.limits.document_cap_message())
        # acknowledged only once the commit that holds it is on disk; what it wrote may be kept only
        # when no later push of the batch wrote the same book format's position (the key)
        _, committed = self.store.grouped(lambda tx: tx.log_push(user, push, timestamp, fmt), with_token=True,
                                          key=(user, fmt), check=check)
        if fmt is not None and fmt == linked and committed is not None and seen is not None:
            position = {'percentage': float(push['percentage']), 'progress': push['progress'],
                        'device': push['device'], 'device_id': push['device_id'], 'timestamp': timestamp,
                        'document': document}
            self._keep(user, document, (committed, fmt, seen, position, position))
        if self.writer is not None:
            self.writer.wake()
        else:
            self.apply_logged()
        return timestamp

    def apply_logged(self):
        """Apply the push log in order, in batches of one transaction each (app.push_log); the
        projections are queued for every book a push reached. Whether anything was applied. A
        batch that fails is applied push by push; a push that cannot be applied stays logged and
        is retried at the next run."""
        applied = queued = False
        while True:
            pending = self.store.logged_pushes(LOG_BATCH)
            if not pending:
                break
            statuses = {}
            for _, user, _, _, fmt in pending:  # calibre is asked before the sidecar is locked
                if fmt is not None and self.status is not None and (user, fmt.book) not in statuses:
                    statuses[(user, fmt.book)] = self.status.current_status(user, fmt.book)
            try:
                rows, reached = self._apply_logged(pending[0][0], pending[-1][0], statuses)
            except StoreError:
                raise
            except Exception:
                self.log('BookBoss: could not apply logged pushes together; one by one:\n' + traceback.format_exc())
                rows, reached = self._apply_one_by_one(pending, statuses)
            applied, queued = applied or bool(rows), queued or reached
            if len(pending) < LOG_BATCH or len(rows) < len(pending):  # all done, or some kept for later
                break
        if queued:
            self._queued()
        return applied

    def _apply_logged(self, first, last, statuses):
        """The logged pushes from first to last (ids) still logged, applied in one transaction:
        (those rows, whether a push reached a book)."""
        with self.store.transaction() as tx:
            rows = [row for row in tx.logged_pushes(LOG_BATCH) if first <= row[0] <= last]
            batch = LoggedBatch(tx, _bind, self._queue, self._prune_due, self.limits)
            for _, user, push, timestamp, fmt in rows:
                batch.add(user, push, timestamp, fmt, statuses.get((user, fmt.book)) if fmt is not None else None)
            batch.flush()
            tx.forget_logged([row[0] for row in rows])
        return rows, batch.reached_books

    def _apply_one_by_one(self, pending, statuses):
        done, reached = [], False
        for row in pending:
            try:
                rows, reached_now = self._apply_logged(row[0], row[0], statuses)
                done, reached = done + rows, reached or reached_now
            except StoreError:
                raise
            except Exception:
                self.log(f'BookBoss: could not apply a logged push of {row[1]} (kept, retried):\n'
                         + traceback.format_exc())
        return done, reached

    def _prune_due(self, user):
        """History is pruned once every PRUNE_EVERY pushes of a user (the first one in this
        process included): pruning walks the history's index, so a device's or a user's history
        exceeds its limit by at most PRUNE_EVERY - 1 pushes in between."""
        with self.lock:
            count = self.pushes.get(user, 0)
            self.pushes[user] = count + 1
            if len(self.pushes) > 100000:
                self.pushes.clear()
        return count % PRUNE_EVERY == 0

    def pull(self, user, document):
        """The position a pull answers (or None): the newer of the document's own and its book
        format's. A document matched now is linked, and its earlier pushes reach the book."""
        linked, own, linked_position, visible, seen = self._known(user, document, settle=True)
        fmt = linked if visible else self._match(user, document, linked=linked)
        if fmt != linked:  # newly matched, or the linked book is no longer visible
            if fmt is not None:
                self.link(user, document, fmt)
            answer = self.store.position_for(user, document, fmt)
        else:
            answer = newer_position(own, linked_position, document)
        return self._from_reader(user, document, fmt, answer) if fmt is not None else answer

    def _known(self, user, document, settle=False):
        """(linked BookFormat or None, the document's own position, the linked format's
        position, whether linked is known to be visible, the visibility token read for linked).

        What the sidecar holds of a linked document is kept in memory (self.pulls) while neither
        the sidecar (its change token: any commit by anyone) nor what decides the book's
        visibility (the libraries' visibility token) has changed since it was read or written;
        both tokens are read before what they guard, so a change made meanwhile is never kept.
        settle: the push log is applied first when it holds anything (a pull reads what every
        acknowledged push wrote)."""
        token = self.store.change_token()
        kept = self.pulls.get((user, document))
        if token is not None and kept is not None and kept[0] == token:
            seen = self._visibility_token(user, kept[1])
            if seen is not None and seen == kept[2]:
                return kept[1], kept[4], kept[3], True, seen
        if settle and self.settle():
            token = self.store.change_token()
        linked, own, linked_position = self.store.sync_rows(user, document)
        seen = self._visibility_token(user, linked) if linked is not None else None
        if token is not None and seen is not None and self._visible(user, linked):
            self._keep(user, document, (token, linked, seen, linked_position, own))
            return linked, own, linked_position, True, seen
        return linked, own, linked_position, False, seen

    def settle(self):
        """In a server (a background writer applies the push log): apply the log now when it
        holds anything, so what is read next shows every acknowledged push (the page; a pull).
        Elsewhere pushes are applied at once, and what a stopped server left logged waits for
        the next server to start (only a server queues every projection); whether it applied."""
        return self.writer is not None and self.store.has_logged_pushes() and self.apply_logged()

    def _visible(self, user, fmt):
        try:
            return self.matcher.visible(user, fmt)
        except Exception:
            return False  # asked again by matching, which logs why

    def _visibility_token(self, user, fmt):
        try:
            return self.matcher.visibility_token(user, fmt)
        except Exception:
            return None

    def _keep(self, user, document, entry):
        if len(self.pulls) > 10000:
            self.pulls.clear()
        self.pulls[(user, document)] = entry

    def _from_reader(self, user, document, fmt, answer):
        """A newer position of the book in another reader (calibre's web reader), converted, or
        answer. Another reader never fails a pull, and never changes the reading state."""
        if self.reader is None:
            return answer
        try:
            newer = self.reader.newer_than(user, fmt, answer)
        except Exception:
            self.log('BookBoss: could not read the calibre reader position:\n' + traceback.format_exc())
            return answer
        return dict(newer, document=document) if newer else answer

    # -- links --------------------------------------------------------------------------

    def link(self, user, document, fmt):
        """Link the user's document to a book format (the page's form, a pull, late binding).
        True when the link is new; the document's pushes are then replayed into the book."""
        self.settle()
        if not self._bind(user, document, fmt):
            return False
        self.store.reread_statistics([document], STATISTICS_FILE)
        self._queued()
        return True

    def add_manual_link(self, document, fmt, detail='command line'):
        """An administrator's link: the document becomes a digest of the book format for every
        user who may see it (bound at once where matching is possible, else at the next sync)."""
        self.record_digests([(document, 'manual', fmt, None, detail)])

    def unlink(self, document):
        """Remove the administrator's links and every user's binding of a document."""
        self.settle()
        return {'manual_links_removed': self.store.remove_digests(document, 'manual'),
                'bindings_removed': self.store.unlink_document(document)}

    def record_digests(self, entries, now=None):
        """Record (digest, kind, BookFormat, user, detail) entries in the digest history (a
        download, a send to a device, an administrator's link), then bind what they name."""
        new = self.store.record_digests(entries, now)
        if new:
            self.digests_recorded(new)
        return new

    def digests_recorded(self, digests):
        """Late binding after a download, an index run or a send to a device recorded new
        digests: link every stored document they name. (In a server the projections run in the
        background: a download hook runs while calibre holds the library.) Statistics uploads
        with figures for them are read again."""
        bound = self.store.reread_statistics(digests, STATISTICS_FILE) > 0
        if self.matcher is None:
            return
        for user, document in self.store.users_with_progress(digests):
            linked = self.store.linked_book(user, document)
            fmt = self._match(user, document, linked=linked)
            if fmt is not None and fmt != linked:
                bound = self._bind(user, document, fmt) or bound
        if bound:
            self._queued()

    # -- KOReader's WebDAV uploads (its reading statistics) -------------------------------

    def upload(self, user, path, data, if_match=None):
        """Store a file KOReader uploads over WebDAV, byte for byte, when if_match (an ETag, '*'
        or None) holds for the user's file stored now; a statistics database is read into
        figures in the background (read_statistics). The store's answer: 'created', 'replaced',
        'precondition failed' or 'too many files'."""
        statistics = is_statistics_file(path)
        result = self.store.replace_upload(user, path, data, hashlib.sha1(data).hexdigest(), if_match,
                                           unread=statistics, max_files=self.limits.uploads_per_user,
                                           now=int(self.clock()))
        if statistics and result in ('created', 'replaced'):
            self._queued()
        return result

    def read_statistics(self):
        """Read the statistics uploads not read yet into figures per KOReader document (md5),
        matched to the book formats each user may see; the statistics projection is queued for
        every book whose figures changed. An upload that is not a statistics database keeps
        its bytes and records why it gave nothing. Statistics never change the reading state."""
        if self.matcher is None:
            return
        projection = STATISTICS if self.projections is not None and STATISTICS in self.projections.names else None
        for upload in self.store.unread_uploads():
            user = upload['user']
            try:
                figures, problem = read_figures(upload['data']), None
            except NotStatistics as e:
                figures, problem = [], str(e)
            for f in figures:
                f['fmt'] = self._match(user, f['md5'], linked=self.store.linked_book(user, f['md5']))
            self.store.save_statistics(user, upload['path'], upload['etag'], figures, problem, projection,
                                       int(self.clock()))

    # -- inside ---------------------------------------------------------------------------

    def _match(self, user, document, metadata=None, linked=None):
        """The book format the document is for user (linked: its current link). Matching never
        fails a sync: a library that cannot be searched right now leaves it unmatched."""
        if self.matcher is None:
            return None
        try:
            return self.matcher.match(user, document, metadata, linked)
        except StoreError:
            raise
        except Exception:
            self.log('BookBoss: could not match a document to a library book:\n' + traceback.format_exc())
            return None

    def _bind(self, user, document, fmt):
        now = int(self.clock())
        with self.store.transaction() as tx:
            if not _bind(tx, user, document, fmt, now):
                return False
            self._queue(tx, user, fmt.book, now)
            return True

    def _queue(self, tx, user, book, now):
        """In the transaction of a change: a write for every projection that shows it (as durable
        as the change); the statistics projection shows uploads only (read_statistics queues it)."""
        for name in (self.projections.names if self.projections is not None else ()):
            if name != STATISTICS:
                tx.queue_write(name, user, book, now)

    def _queued(self):
        if self.projections is not None:
            self.projections.queued()


def _bind(tx, user, document, fmt, now, status=None):
    """In a transaction: link document to fmt unless it already is. The document's retained
    pushes are replayed in order into the book's reading state (from status, the one shown in
    calibre now, when known), and its latest position becomes the format's when newer."""
    if tx.linked(user, document) == fmt:
        return False
    tx.save_link(user, document, fmt, now)
    pushes = tx.pushes_of(user, document)
    if pushes:
        tx.save_reading_state(user, fmt.book, replay(current_state(tx.reading_state(user, fmt.book), status), pushes))
    latest = tx.document_position(user, document)
    if latest is not None:
        current = tx.book_position(user, fmt)
        if current is None or latest['timestamp'] > current['timestamp']:
            tx.save_book_position(user, fmt, latest)
    return True


