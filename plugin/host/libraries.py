"""What a calibre user may see, answered through the content server's own context.

calibre's Context applies allowed/blocked libraries and per-library search restrictions
from request_data.username alone, so a stand-in request carrying the username is enough
(also where no HTTP request exists: late binding after a download or an index run).
"""

import contextlib
import os
import threading
from types import SimpleNamespace

from calibre.srv.errors import HTTPForbidden

from ..core.books import Book
from ..core.text import authors_set, normalise
from . import calibre_compat
from .title_index import TitleIndex


class LibraryInUse(Exception):
    """calibre or calibre-server has the library open (calibre's single-instance lock)."""


class NoLibrary(Exception):
    """There is no calibre library at the given folder."""


@contextlib.contextmanager
def open_library(path=None):
    """Open the library at path (default: the calibre GUI's current library) for the command
    line, under calibre's own library lock; yields its new-API Cache."""
    from calibre.utils.config import prefs
    from calibre.utils.lock import singleinstance
    path = os.path.abspath(path or prefs['library_path'] or '')
    if not os.path.exists(os.path.join(path, 'metadata.db')):
        raise NoLibrary(f'no calibre library at {path}: give --library PATH')
    if not singleinstance('db'):
        raise LibraryInUse('calibre or calibre-server has the library open')
    from calibre.db.legacy import LibraryDatabase
    db = LibraryDatabase(path).new_api
    try:
        yield db
    finally:
        db.close()


def remember_library(store, db):
    """Record an open library (UUID, the server's name for it or its folder name, folder) in
    the sidecar, so the command line can name it."""
    path = db.backend.library_path
    store.record_library(db.library_id, getattr(db, 'server_library_id', None) or os.path.basename(path), path)


class CalibreLibraries:
    """app.ports.Libraries through one content server's Context.

    What a user may use (allowed libraries, each library's search restriction) is read through
    calibre's own Context and kept until calibre's user database or the server's set of
    libraries changes (CalibreAccounts.current() empties the cache then), so a changed
    restriction takes effect at the next request. Whether a restricted user may see one book
    is membership in calibre's own cached search result of that restriction, which calibre keeps
    current (see _only_visible); restrictions calibre does not cache (dates) are searched afresh.
    """

    def __init__(self, ctx, accounts):
        self.ctx, self.accounts = ctx, accounts
        self.titles = TitleIndex()
        self.lock = threading.Lock()
        self.ids = {}  # library UUID -> the server's library id

    def _view(self, user):
        """{'request', 'allowed': {library id: name}, 'restrictions': {library id: str}} of user."""
        broker_state = tuple(self.ctx.library_broker.library_map.items())
        cache = self.accounts.current()
        key = ('libraries', user, broker_state)
        view = cache.get(key)
        if view is None:
            request = SimpleNamespace(username=user)
            view = cache[key] = {'request': request, 'allowed': self._allowed(request), 'restrictions': {},
                                 'marker': object()}  # identity of this view, for visibility tokens
        return view

    def _allowed(self, request):
        try:
            return self.ctx.library_info(request)[0]
        except HTTPForbidden:
            return {}

    def _restriction(self, view, library_id, db):
        try:
            return view['restrictions'][library_id]
        except KeyError:
            ans = view['restrictions'][library_id] = self.ctx.restriction_for(view['request'], db) or ''
            return ans

    def _library_id(self, view, library_uuid):
        with self.lock:
            library_id = self.ids.get(library_uuid)
        if library_id in view['allowed']:
            return library_id
        for candidate in view['allowed']:
            db = self.ctx.library_broker.get(candidate)
            if db is None:
                continue
            with self.lock:
                self.ids[db.library_id] = candidate
            if db.library_id == library_uuid:
                return candidate
        return None

    def _open(self, user, library_uuid):
        """(user's view, the server's library id, the open library) of a UUID; the last two
        None when user may not use it."""
        view = self._view(user)
        library_id = self._library_id(view, library_uuid)
        return view, library_id, None if library_id is None else self.ctx.library_broker.get(library_id)

    def _only_visible(self, view, library_id, db, book_ids):
        """The ids among book_ids that user may see: membership in calibre's own cached result of
        the user's restriction (calibre_compat.restriction_matches: no work that grows with the
        library), else (a restriction calibre does not cache, such as date:>30daysago) calibre's
        search of the restriction over just those books. A restriction calibre cannot parse
        shows nothing, as in calibre."""
        restriction = self._restriction(view, library_id, db)
        if not restriction:
            return {book_id for book_id in book_ids if db.has_id(book_id)}
        try:
            matches = calibre_compat.restriction_matches(db, restriction)
            if matches is not None:
                return {book_id for book_id in book_ids if book_id in matches and db.has_id(book_id)}
            return db.search('', restriction=restriction, book_ids=set(book_ids))
        except Exception:
            return set()

    def db_for(self, user, library_uuid):
        """The open library with this UUID if user may use it, else None."""
        return self._open(user, library_uuid)[2]

    def visible(self, user, fmt):
        """Whether user may see the book of this BookFormat."""
        view, library_id, db = self._open(user, fmt.book.library_uuid)
        book_id = fmt.book.book_id
        return db is not None and book_id in self._only_visible(view, library_id, db, {book_id})

    def visibility_token(self, user, library_uuid):
        """A value equal to an earlier one only while nothing that decides which books of the
        library user may see has changed (calibre's users, the server's libraries, any change
        to the library: calibre_compat.library_change_count), or None (no such value: a
        restriction calibre does not cache, such as one on dates, changes with time). Read it
        before asking visible()."""
        view, library_id, db = self._open(user, library_uuid)
        if db is None:
            return None
        count = calibre_compat.library_change_count(db)
        if count is None:
            db.add_listener(self._listener)  # calibre counts its changes once someone listens
            return None
        restriction = self._restriction(view, library_id, db)
        if restriction and calibre_compat.restriction_matches(db, restriction) is None:
            return None
        return view['marker'], db, count

    @staticmethod
    def _listener(event_type, library_id, args):
        pass

    def visible_book_ids(self, user):
        """{library_uuid: set of the book ids user may see} (calibre caches restriction searches)."""
        request = SimpleNamespace(username=user)
        return {db.library_id: self.ctx.allowed_book_ids(request, db) for _, db in self.allowed_libraries(user)}

    def visible_books(self, user):
        """(library name, db, book_id, title, authors) for every book the user may see."""
        request = SimpleNamespace(username=user)
        for library_name, db in self.allowed_libraries(user):
            ids = self.ctx.allowed_book_ids(request, db)
            titles = db.all_field_for('title', ids)
            authors = db.all_field_for('authors', ids)
            for book_id in sorted(ids):
                yield library_name, db, book_id, titles[book_id], authors[book_id] or ()

    def find_books(self, user, title, authors):
        """[(Book, formats)] of the visible books whose normalised title and author set equal
        these: the title index gives the candidates, calibre's search of the user's restriction
        over just those tells which the user may see."""
        found = []
        view = self._view(user)
        for library_id in view['allowed']:
            db = self.ctx.library_broker.get(library_id)
            if db is None:
                continue
            candidates = self.titles.books_titled(db, title)
            if candidates:
                candidates = self._only_visible(view, library_id, db, candidates)
            for book_id in sorted(candidates):
                if not authors or authors_set(db.field_for('authors', book_id) or ()) == authors:
                    found.append((Book(db.library_id, book_id), db.formats(book_id) or ()))
        return found

    def title_of(self, user, book):
        db = self.db_for(user, book.library_uuid)
        return db.field_for('title', book.book_id) if db is not None else None

    def search_books(self, user, text, limit=20):
        """Visible books with formats whose title or authors contain text (case-insensitive)."""
        wanted = normalise(text or '')
        found = []
        if not wanted:
            return found
        for library_name, db, book_id, title, authors in self.visible_books(user):
            authors = ' & '.join(authors)
            if wanted not in normalise(title) and wanted not in normalise(authors):
                continue
            formats = db.formats(book_id) or ()
            if formats:
                found.append({'library_uuid': db.library_id, 'library': library_name, 'book_id': book_id,
                              'title': title, 'authors': authors, 'formats': list(formats)})
                if len(found) >= limit:
                    break
        return found

    def allowed_libraries(self, user):
        """[(library name, open db)] the user may use."""
        request = SimpleNamespace(username=user)
        return [(name, self.ctx.get_library(request, lid)) for lid, name in self._allowed(request).items()]
