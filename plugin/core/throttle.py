"""Login throttling keyed by (client address, username).

calibre's own ban list is keyed by address alone and answers 403; a household behind
one router must not be locked out by one device with a stale password, and KOReader
shows the message of a 401 only.
"""

import threading
import time

WINDOW_SECONDS = 5 * 60
DEFAULT_FAILURES = 5
DEFAULT_BLOCK_SECONDS = 10 * 60
MAX_KEYS = 10000


class LoginThrottle:

    def __init__(self, max_failures=DEFAULT_FAILURES, block_seconds=DEFAULT_BLOCK_SECONDS,
                 window_seconds=WINDOW_SECONDS, clock=time.monotonic):
        self.max_failures = max(1, int(max_failures))
        self.block_seconds = block_seconds
        self.window_seconds = window_seconds
        self.clock = clock
        self.lock = threading.Lock()
        self.failures = {}   # key -> list of failure times within the window
        self.blocked = {}    # key -> time the block ends

    def retry_after(self, key):
        """Seconds until key may try again, or 0 when it is not blocked."""
        now = self.clock()
        with self.lock:
            until = self.blocked.get(key)
            if until is None:
                return 0
            if until <= now:
                del self.blocked[key]
                return 0
            return int(until - now + 0.999)

    def failed(self, key):
        now = self.clock()
        with self.lock:
            recent = [t for t in self.failures.get(key, ()) if now - t < self.window_seconds]
            recent.append(now)
            if len(recent) >= self.max_failures:
                self.blocked[key] = now + self.block_seconds
                self.failures.pop(key, None)
            else:
                self.failures[key] = recent
            if len(self.failures) + len(self.blocked) > MAX_KEYS:
                self._prune(now)

    def succeeded(self, key):
        with self.lock:
            self.failures.pop(key, None)

    def _prune(self, now):
        self.failures = {k: v for k, v in self.failures.items() if now - v[-1] < self.window_seconds}
        self.blocked = {k: v for k, v in self.blocked.items() if v > now}
