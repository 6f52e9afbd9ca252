"""Login throttling keyed by (client address, username).

calibre's own ban list is keyed by address alone and answers 403; a household behind
one router must not be locked out by one device with a stale password, and KOReader
shows the message of a 401 only.
"""

import threading
import time
from collections import OrderedDict

WINDOW_SECONDS = 5 * 60
DEFAULT_FAILURES = 5
DEFAULT_BLOCK_SECONDS = 10 * 60
MAX_COUNTING = 10000   # keys whose failures are being counted; the stalest is forgotten first


class LoginThrottle:
    """Bounded and cheap: failures are counted for at most MAX_COUNTING keys (the key that
    failed longest ago is forgotten first, in O(1)); blocks expire in the order they were
    set and are never dropped while active (each needs max_failures failed logins, so their
    number is bounded by the failed logins of one block time)."""

    def __init__(self, max_failures=DEFAULT_FAILURES, block_seconds=DEFAULT_BLOCK_SECONDS,
                 window_seconds=WINDOW_SECONDS, clock=time.monotonic, max_counting=MAX_COUNTING):
        self.max_failures = max(1, int(max_failures))
        self.block_seconds = block_seconds
        self.window_seconds = window_seconds
        self.clock = clock
        self.max_counting = max_counting
        self.lock = threading.Lock()
        self.failures = OrderedDict()   # key -> failure times within the window, stalest key first
        self.blocked = OrderedDict()    # key -> time the block ends, in the order blocks end

    def retry_after(self, key):
        """Seconds until key may try again, or 0 when it is not blocked."""
        now = self.clock()
        with self.lock:
            self._expire(now)
            until = self.blocked.get(key)
            return 0 if until is None else int(until - now + 0.999)

    def failed(self, key):
        now = self.clock()
        with self.lock:
            recent = [t for t in self.failures.pop(key, ()) if now - t < self.window_seconds]
            recent.append(now)
            if len(recent) >= self.max_failures:
                self.blocked.pop(key, None)
                self.blocked[key] = now + self.block_seconds
            else:
                self.failures[key] = recent
                while len(self.failures) > self.max_counting:
                    self.failures.popitem(last=False)
            self._expire(now)

    def succeeded(self, key):
        with self.lock:
            self.failures.pop(key, None)

    def _expire(self, now):
        """Drop the blocks that have ended (they end in the order they were set)."""
        while self.blocked:
            key, until = next(iter(self.blocked.items()))
            if until > now:
                break
            del self.blocked[key]
