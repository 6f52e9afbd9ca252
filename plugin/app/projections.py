"""Fan-out of committed changes to the projections, with nothing lost.

Sync queues a write for every registered projection inside the very transaction that changed
what BookBoss knows of a user's book (so the queue is as durable as the change, at no extra
commit), then calls `queued()`. With a background writer (the servers) the writes are applied
off the request thread, in batches; without one (the command line, unit tests) at once. A
write that fails stays queued under its projection's name and is retried; a write queued
again while it was being applied is applied again.
"""

import time
import traceback


class Projections:

    def __init__(self, store, log, background=None, write_every=0.0, clock=time.monotonic):
        """write_every: seconds between two rounds of writes at the most (a server: calibre's
        library is written at most once a second for a book pushed all the time); a drain
        that comes sooner runs the steps only and returns how long the queued writes wait."""
        self.store, self.log = store, log
        self.background = background  # .start() and .wake(): runs drain() (host/background.py)
        self.write_every, self.clock = write_every, clock
        self.last_round = None
        self.registered = {}
        self.steps = []  # work that turns a change into queued writes first (reading uploads)

    def register(self, projection):
        self.registered[projection.name] = projection
        return projection

    def add_step(self, step):
        """step() runs at the start of every drain, before the queued writes are applied."""
        self.steps.append(step)

    @property
    def names(self):
        return tuple(self.registered)

    def queued(self):
        """Writes were queued: apply them soon (in the background) or now."""
        if not self.registered and not self.steps:
            return
        if self.background is not None:
            self.background.wake()
        else:
            self.drain()

    def apply_now(self, name, user, book):
        """Apply one projection now, on this thread (the command line's resync); on failure
        queue it. Its result, or None when queued."""
        try:
            return self.registered[name].apply(user, book)
        except Exception as e:
            self._log_failure(name, book, e)
            try:
                self.store.queue_write(name, user, book, f'{type(e).__name__}: {e}')
            except Exception:
                self.log('BookBoss: could not queue the write:\n' + traceback.format_exc())
            return None

    def drain(self):
        """Apply the queued writes of the projections registered here; failures stay queued.
        Writes queued for a projection this process does not have wait for one that does.
        Returns None, or the seconds until queued writes are due (write_every)."""
        for step in self.steps:
            try:
                step()
            except Exception:
                self.log('BookBoss: could not prepare the projections:\n' + traceback.format_exc())
        rows = self.store.pending_writes()
        if not rows:
            return None
        now = self.clock()
        if self.last_round is not None and now - self.last_round < self.write_every:
            fresh = any(row['attempts'] == 0 for row in rows)  # failed ones wait for the retry cadence
            return self.write_every - (now - self.last_round) if fresh else None
        self.last_round = now
        done = []
        for row in rows:
            projection = self.registered.get(row['projection'])
            if projection is None:
                continue
            try:
                projection.apply(row['user'], row['book'])
            except Exception as e:
                self._log_failure(row['projection'], row['book'], e)
                self.store.write_failed(row['projection'], row['user'], row['book'], f'{type(e).__name__}: {e}')
                if self.background is not None:
                    self.background.start()
            else:
                done.append((row['projection'], row['user'], row['book'], row['version']))
        self.store.writes_done(done)

    def _log_failure(self, name, book, error):
        self.log(f'BookBoss: could not write the {name} of book {book.book_id} now ({error}); queued')
