"""What a calibre user may see, answered through the content server's own context.

calibre's Context applies allowed/blocked libraries and per-library search restrictions
from request_data.username alone, so a stand-in request carrying the username is enough
(also where no HTTP request exists: late binding after a download or an index run).
"""

import threading
from types import SimpleNamespace

from calibre.srv.errors import HTTPForbidden

from .catalog import authors_set, normalise


class CalibreLibraries:

    def __init__(self, ctx):
        self.ctx = ctx
        self.lock = threading.Lock()
        self.ids = {}  # library UUID -> the server's library id

    def _allowed(self, request):
        try:
            return self.ctx.library_info(request)[0]
        except HTTPForbidden:
            return {}

    def db_for(self, user, library_uuid):
        """The open library with this UUID if user may use it, else None."""
        request = SimpleNamespace(username=user)
        allowed = self._allowed(request)
        with self.lock:
            library_id = self.ids.get(library_uuid)
        if library_id not in allowed:
            for candidate in allowed:
                db = self.ctx.get_library(request, candidate)
                with self.lock:
                    self.ids[db.library_id] = candidate
                if db.library_id == library_uuid:
                    return db
            return None
        return self.ctx.get_library(request, library_id)

    def visible(self, user, key):
        db = self.db_for(user, key.library_uuid)
        return db is not None and self.ctx.has_id(SimpleNamespace(username=user), db, key.book_id)

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
        """Visible books whose normalised title and author set equal the given ones."""
        return [(db.library_id, book_id, db.formats(book_id) or ())
                for _, db, book_id, book_title, book_authors in self.visible_books(user)
                if normalise(book_title) == title and (not authors or authors_set(book_authors) == authors)]

    def title_of(self, user, key):
        db = self.db_for(user, key.library_uuid)
        return db.field_for('title', key.book_id) if db is not None else None

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
