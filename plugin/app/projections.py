"""Fan-out of committed changes to the projections, with nothing lost.

Sync calls `changed(user, book)` after each transaction that changed what BookBoss knows
of a user's book. Each registered projection is applied at once; one that cannot write now
(the library is busy, being switched, locked) is queued in the sidecar under its own name
and retried by `drain()`, which the host runs in the background. `changed_later` queues
without trying, for callers that run while calibre holds the library (inside a download).
"""

import traceback


class Projections:

    def __init__(self, store, log, background=None):
        self.store, self.log = store, log
        self.background = background  # .start() and .wake(): runs drain() (host/background.py)
        self.registered = {}

    def register(self, projection):
        self.registered[projection.name] = projection
        return projection

    def changed(self, user, book):
        for projection in self.registered.values():
            self.apply_now(projection.name, user, book)

    def changed_later(self, user, book, reason=None):
        for name in self.registered:
            self.store.queue_write(name, user, book, reason)
        if self.registered and self.background is not None:
            self.background.wake()

    def apply_now(self, name, user, book):
        """Apply one projection now; on failure queue it. Its result, or None when queued."""
        try:
            return self.registered[name].apply(user, book)
        except Exception as e:
            self._queue(name, user, book, e)
            return None

    def drain(self):
        """Apply the queued writes of the projections registered here; failures stay queued.
        Writes queued for a projection this process does not have wait for one that does."""
        for row in self.store.pending_writes():
            projection = self.registered.get(row['projection'])
            if projection is None:
                continue
            try:
                projection.apply(row['user'], row['book'])
            except Exception as e:
                self._queue(row['projection'], row['user'], row['book'], e)
            else:
                self.store.write_done(row['projection'], row['user'], row['book'])

    def _queue(self, name, user, book, error):
        self.log(f'BookBoss: could not write the {name} of book {book.book_id} now ({error}); queued')
        try:
            self.store.queue_write(name, user, book, f'{type(error).__name__}: {error}')
        except Exception:
            self.log('BookBoss: could not queue the write:\n' + traceback.format_exc())
        if self.background is not None:
            self.background.start()
