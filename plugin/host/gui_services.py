"""What the calibre GUI's BookBoss menu does, without Qt: every action goes through the same
sync service, store and projections as the server and the command line (the dialogs in
ui/action.py only show and ask)."""

import time

from ..core.books import Book, BookFormat
from . import composition
from .accounts import calibre_user_names
from .library_index import index_library
from .libraries import remember_library


class GuiServices:

    def __init__(self, db, user_names=None):
        """db: the GUI's current library (new API)."""
        self.db = db
        self.user_names = calibre_user_names() if user_names is None else list(user_names)
        self.sync = composition.gui_sync(db, self.user_names)
        self.store = self.sync.store
        remember_library(self.store, db)

    def book_report(self, book_id):
        """What BookBoss knows of one book: per user reading state, latest device and linked
        KOReader documents; the digests recorded for its formats."""
        self.sync.settle()  # every push the content server in this process acknowledged
        return self.store.book_report(Book(self.db.library_id, book_id))

    def unmatched(self):
        """Documents KOReader synced that no library book is linked to, newest first."""
        self.sync.settle()
        return [{'user': r['user'], 'document': r['document'], 'device': r['device'],
                 'last_seen': r['last_seen'], 'title': (r['metadata'] or {}).get('title') or '',
                 'authors': (r['metadata'] or {}).get('authors') or ''}
                for r in self.store.unmatched()]

    def formats_of(self, book_id):
        return sorted(f.upper() for f in (self.db.formats(book_id) or ()))

    def link(self, user, document, book_id, fmt):
        """Link user's document to a book format of this library (the user's columns follow)."""
        return self.sync.link(user, document, BookFormat(Book(self.db.library_id, book_id), fmt.upper()))

    def reindex(self, progress=None):
        """Hash the library's book files (new or changed ones) and link the documents they name."""
        started = time.monotonic()
        hashed, unchanged, new = index_library(self.store, self.db, progress)
        self.sync.digests_recorded(new)
        return {'files_hashed': hashed, 'files_unchanged': unchanged, 'new_digests': len(new),
                'seconds': round(time.monotonic() - started, 3)}

    def resync(self):
        """Write the sidecar's reading state into every owner's columns again."""
        return composition.resync_library(self.store, self.db, self.user_names)
