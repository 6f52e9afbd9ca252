"""A title index of each library for KOReader's `metadata` matching: normalised title -> book
ids, built once per library and kept current through calibre's own change events
(Cache.add_listener: titles changed, books created or removed), so a push that names a title
costs a dictionary lookup, not a walk over every book.

calibre delivers its events on a thread of its own, moments after the write: candidates are
checked against calibre's current titles (a renamed book never matches its old title), and a
lookup waits briefly for calibre's pending events before it answers that nothing matches.
"""

import threading
import time

from ..core.text import normalise
from . import calibre_compat

EVENTS_WAIT_SECONDS = 0.5


class TitleIndex:

    def __init__(self):
        self.lock = threading.Lock()
        self.libraries = {}  # library UUID -> _LibraryTitles

    def books_titled(self, db, title):
        """Ids of the books of db whose normalised title is title (already normalised)."""
        titles = self._titles(db)
        found = titles.lookup(db, title)
        if not found and calibre_compat.library_events_pending(db):
            deadline = time.monotonic() + EVENTS_WAIT_SECONDS
            while calibre_compat.library_events_pending(db) and time.monotonic() < deadline:
                time.sleep(0.01)
            found = titles.lookup(db, title)
        return found

    def _titles(self, db):
        with self.lock:
            titles = self.libraries.get(db.library_id)
            if titles is None or titles.db is not db:  # a library opened again (the GUI switched)
                titles = self.libraries[db.library_id] = _LibraryTitles(db)
            return titles


class _LibraryTitles:

    def __init__(self, db):
        self.db = db
        self.lock = threading.Lock()
        self.by_title, self.title_of = {}, {}
        self.listener = self.on_event  # calibre keeps only a weak reference: this object holds it
        db.add_listener(self.listener)
        self.update(db.all_field_for('title', db.all_book_ids()))

    def update(self, titles):
        """{book_id: title or None (removed)}."""
        with self.lock:
            for book_id, title in titles.items():
                old = self.title_of.pop(book_id, None)
                if old is not None:
                    self.by_title.get(old, set()).discard(book_id)
                if title is not None:
                    key = normalise(title)
                    self.title_of[book_id] = key
                    self.by_title.setdefault(key, set()).add(book_id)

    def lookup(self, db, title):
        with self.lock:
            candidates = set(self.by_title.get(title, ()))
        return {book_id for book_id in candidates if normalise(db.field_for('title', book_id) or '') == title}

    def on_event(self, event_type, library_id, args):
        name = getattr(event_type, 'name', '')
        try:
            if name == 'metadata_changed' and args[0] == 'title':
                self.update({i: self.db.field_for('title', i) for i in args[1]})
            elif name == 'book_created':
                self.update({args[0]: self.db.field_for('title', args[0])})
            elif name == 'books_removed':
                self.update(dict.fromkeys(args[0]))
        except Exception:
            pass  # a library being closed; lookups check titles against calibre anyway
