"""Applying the push log: what a batch of acknowledged pushes changes, written once per row.

A KOReader push is acknowledged once it is one durable row of the push log (Sync.push); the
sync service applies the log later, in order, in batches of one transaction each
(Sync.apply_logged). Applying a batch has the effect of applying its pushes one by one: every
push is a history row; the last push of a document is its position (its metadata the newest
given); the last push of a book format is that format's position; the book's reading state
moves push by push by the rules (core.reading_state); a push matched to a book format its
document is not linked to binds the document (its retained pushes replayed, as a link always
does); a push logged unmatched reaches the book its document was linked to since (a download
made the link meanwhile). Rows are read and written once per batch, not once per push.
"""

from ..core.reading_state import apply_push

_UNKNOWN = object()


class LoggedBatch:

    def __init__(self, tx, bind, queue, prune_due, limits):
        """tx: store.records.Records in a transaction; bind(tx, user, document, fmt, now, status):
        link and replay (True when linked now); queue(tx, user, book, now): the projections'
        writes; prune_due(user): whether this push prunes the user's history."""
        self.tx, self.bind, self.queue, self.prune_due, self.limits = tx, bind, queue, prune_due, limits
        self.links = {}  # (user, document) -> the BookFormat it is linked to (None: none)
        self.reached_books = False  # whether a push reached a book (projections queued)
        self._clear()

    def _clear(self):
        self.history = []  # (user, push, timestamp), in order
        self.documents = {}  # (user, document) -> (its latest push, timestamp)
        self.prunes = {}  # (user, device_id) -> timestamp
        self.states = {}  # (user, book) -> reading state
        self.positions = {}  # (user, BookFormat) -> position
        self.queued = {}  # (user, book) -> timestamp

    def add(self, user, push, timestamp, fmt, status):
        """One logged push, in log order (status: the book's status shown in calibre, or None)."""
        document = push['document']
        self.history.append((user, push, timestamp))
        earlier = self.documents.get((user, document))
        if earlier is not None and not push.get('metadata') and earlier[0].get('metadata'):
            push = dict(push, metadata=earlier[0]['metadata'])
        self.documents[(user, document)] = (push, timestamp)
        if self.prune_due(user):
            self.prunes[(user, push['device_id'])] = timestamp
        linked = self.links.get((user, document), _UNKNOWN)
        if linked is _UNKNOWN:
            linked = self.links[(user, document)] = self.tx.linked(user, document)
        if fmt is None:  # unmatched when it was logged; linked since (a download's late binding)
            fmt = linked
            if fmt is None:
                return
        if linked != fmt:
            self.flush()  # the bind replays what is written so far, this push included
            self.bind(self.tx, user, document, fmt, timestamp, status)
        else:
            key = (user, fmt.book)
            state = self.states[key] if key in self.states else current_state(self.tx.reading_state(user, fmt.book),
                                                                               status)
            self.states[key] = apply_push(state, push['percentage'], timestamp)
        self.links[(user, document)] = fmt
        self.positions[(user, fmt)] = dict(push, timestamp=timestamp)
        self.queued[(user, fmt.book)] = timestamp

    def flush(self):
        """Write what the pushes added so far change."""
        tx = self.tx
        tx.append_history_rows(self.history)
        for (user, _), (push, timestamp) in self.documents.items():
            tx.save_document_position(user, push, timestamp)
        for (user, device_id), timestamp in self.prunes.items():
            tx.prune_history(user, device_id, timestamp, self.limits)
        for (user, book), state in self.states.items():
            tx.save_reading_state(user, book, state)
        for (user, fmt), position in self.positions.items():
            tx.save_book_position(user, fmt, position)
        for (user, book), timestamp in self.queued.items():
            self.queue(tx, user, book, timestamp)
            self.reached_books = True
        self._clear()


def current_state(state, status):
    """The stored reading state with the status shown in calibre now, when known."""
    return dict(state, status=status) if status is not None else state
