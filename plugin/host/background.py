"""A daemon thread that runs one piece of work every few seconds, or at once when woken."""

import threading


class PeriodicWorker:

    def __init__(self, name, seconds, work, log):
        self.name, self.seconds, self.work, self.log = name, seconds, work, log
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
        while True:
            self.wakeup.wait(self.seconds)
            self.wakeup.clear()
            try:
                self.work()
            except Exception as e:
                self.log(f'BookBoss: {self.name} failed: {e}')
