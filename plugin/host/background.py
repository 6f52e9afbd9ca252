"""A daemon thread that runs one piece of work every few seconds, or soon after it is woken
(after `settle` seconds, so that a burst of wake-ups is served by one run), or when the work
itself asks to run again (it returns the seconds until then)."""

import threading


class PeriodicWorker:

    def __init__(self, name, seconds, work, log, settle=0.0):
        self.name, self.seconds, self.work, self.log, self.settle = name, seconds, work, log, settle
        self.wakeup = threading.Event()
        self.lock = threading.Lock()
        self.thread = None

    def start(self):
        """Start the thread once; later calls do nothing."""
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self.thread.start()

    def wake(self):
        self.start()
        self.wakeup.set()

    def _run(self):
        timeout = self.seconds
        while True:
            if self.wakeup.wait(timeout) and self.settle:
                threading.Event().wait(self.settle)
            self.wakeup.clear()
            try:
                again = self.work()
            except Exception as e:
                self.log(f'BookBoss: {self.name} failed: {e}')
                again = None
            timeout = self.seconds if again is None else min(self.seconds, max(again, 0.0))
