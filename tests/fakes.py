"""Stand-ins for what the app layer asks of calibre (app/ports.py), defined once for every
unit test and benchmark."""


from bookboss.plugin.app.matching import Matcher
from bookboss.plugin.app.projections import Projections
from bookboss.plugin.app.sync import Sync
from bookboss.plugin.core.books import Book
from bookboss.plugin.core.limits import Limits
from bookboss.plugin.core.text import authors_set, normalise


class Accounts:
    """app.ports.Accounts over a {name: password} dict."""

    def __init__(self, users=None):
        self.users = {'alice': 'secret', 'bob': 'hunter2'} if users is None else users

    def password(self, name):
        return self.users.get(name)

    def has_users(self):
        return bool(self.users)

    def refresh(self):
        pass

    def fingerprint(self, name):
        return f'1@{name}' if name in self.users else None


class Libraries:
    """app.ports.Libraries over one library: hidden is a set of (user, book_id) a user may not
    see; books are (book_id, title, authors, formats)."""

    def __init__(self, uuid='lib-uuid', hidden=(), books=()):
        self.uuid, self.hidden, self.books = uuid, set(hidden), books

    def visible(self, user, fmt):
        return (user, fmt.book.book_id) not in self.hidden

    def find_books(self, user, title, authors):
        return [(Book(self.uuid, bid), fmts) for bid, t, a, fmts in self.books
                if (user, bid) not in self.hidden and normalise(t) == title and authors_set(a) == authors]

    def visibility_token(self, user, library_uuid):
        return (library_uuid, frozenset(self.hidden), len(self.books))

    def visible_book_ids(self, user):
        return {self.uuid: {bid for bid, _, _, _ in self.books if (user, bid) not in self.hidden}}

    def title_of(self, user, book):
        return next((t for bid, t, _, _ in self.books if bid == book.book_id), None)

    def search_books(self, user, text, limit):
        return []


class Users:
    """calibre's UserManager as the column projection asks it."""

    def __init__(self, names, readonly=()):
        self.all_user_names, self.readonly = set(names), set(readonly)

    def is_readonly(self, user):
        return user in self.readonly


class RecordingProjection:
    """A projection that remembers what it was asked, and fails while .failing is set."""

    def __init__(self, name='recording'):
        self.name, self.applied, self.failing = name, [], False

    def apply(self, user, book):
        if self.failing:
            raise RuntimeError('calibre is busy')
        self.applied.append((user, book))
        return {}


class Background:
    """Stands in for the PeriodicWorker that runs Projections.drain."""

    def __init__(self):
        self.started = self.woken = 0

    def start(self):
        self.started += 1

    def wake(self):
        self.woken += 1


def push(document='doc', percentage=0.5, progress='/p', device='Kobo', device_id='ID1', metadata=None):
    """A validated KOReader push, as core.protocol.parse_push returns it."""
    return dict(document=document, percentage=percentage, progress=progress, device=device,
                device_id=device_id, metadata=metadata)


class Clock:
    """A settable clock for Sync (Unix seconds)."""

    def __init__(self, now=1000):
        self.now = now

    def __call__(self):
        return self.now


def quiet(msg):
    pass




class SyncWorld:
    """A sync service over a real store whose projections (one RecordingProjection) run in a
    stood-in background writer: tests call projections.drain() where the server's writer
    thread would run. logged: pushes stay in the push log until that drain, as in a server
    (else each push is applied at once, as on the command line)."""

    def __init__(self, store, libraries, projection='recording', limits=Limits(), clock=None, logged=False,
                 write_every=0.0, monotonic=None):
        self.store, self.clock = store, clock or Clock()
        self.projection = RecordingProjection(projection)
        self.background = Background()
        self.projections = Projections(store, quiet, self.background, write_every=write_every,
                                       **({'clock': monotonic} if monotonic else {}))
        self.projections.register(self.projection)
        self.sync = Sync(store, Matcher(store, libraries), self.projections, log=quiet, clock=self.clock,
                         limits=limits, writer=self.background if logged else None)


def in_one_batch(store, callers):
    """Run each caller (one that calls store.grouped) on a thread of its own so that their works
    queue, in this order, for one group commit; wait for them all."""
    import threading
    import time
    with store.queue_ready:
        store.leading = True  # as if a batch were being committed: the works queue for the next one
    threads = []
    deadline = time.monotonic() + 10
    for n, caller in enumerate(callers):
        threads.append(threading.Thread(target=caller))
        threads[-1].start()
        while len(store.queue) < n + 1 and time.monotonic() < deadline:
            time.sleep(0.001)
    with store.queue_ready:
        store.leading = False
        store.queue_ready.notify_all()
    for t in threads:
        t.join(10)
