"""Which library book a KOReader document is, for one user.

The store knows the digest history; the host's `libraries` object knows what a calibre
user may see:
    visible(user, BookKey) -> bool
    find_books(user, title, authors) -> [(library_uuid, book_id, formats)]
Only books the user may see ever match.
"""

import os
import re
import unicodedata

from .books import BookKey
from .digests import name_md5

EXTENSION_FORMATS = {'azw': ('AZW3', 'AZW'), 'log': ('TXT',), 'htm': ('HTML', 'HTM')}


def normalise(text):
    return re.sub(r'\s+', ' ', unicodedata.normalize('NFKC', text or '').casefold()).strip()


def authors_set(authors):
    """KOReader separates authors with newlines; calibre keeps a list."""
    if isinstance(authors, str):
        authors = authors.split('\n')
    return frozenset(filter(None, (normalise(a) for a in authors or ())))


class Catalog:

    def __init__(self, store, libraries, on_linked=None):
        self.store = store
        self.libraries = libraries
        self.on_linked = on_linked  # called (user, BookKey) after late binding changed a book

    def resolve(self, user, document, metadata=None):
        """The BookKey the document is for this user, or None (unmatched)."""
        return self._resolve(user, document, metadata, self.store.linked_book(user, document))

    def bind(self, user, document, metadata=None):
        """Resolve and, when the document is newly linked, replay its history (late binding)."""
        return self._bind(user, document, metadata)[0]

    def bind_new_digests(self, digests):
        """Late binding after digests were recorded: link every stored document they name."""
        for user, document in self.store.users_with_progress(digests):
            key, linked_now = self._bind(user, document)
            if linked_now and self.on_linked:
                self.on_linked(user, key)

    def _bind(self, user, document, metadata=None):
        """(BookKey or None, whether this call linked it)."""
        linked = self.store.linked_book(user, document)
        key = self._resolve(user, document, metadata, linked)
        if key is None or key == linked:
            return key, False
        return key, self.store.link_document(user, document, key)

    def _resolve(self, user, document, metadata, linked):
        if linked is not None and self.libraries.visible(user, linked):
            return linked
        key = self._first_visible(user, document)  # most recently served to user first
        if key is None and metadata:
            key = self._from_metadata(user, metadata)
        return key

    def _first_visible(self, user, digest):
        for key in self.store.candidates(digest, user):
            if self.libraries.visible(user, key):
                return key
        return None

    def _from_metadata(self, user, metadata):
        filename = metadata.get('filename')
        if filename:
            key = self._first_visible(user, name_md5(os.path.basename(filename)))
            if key is not None:
                return key
        title, authors = metadata.get('title'), metadata.get('authors')
        if not title:
            return None
        matches = self.libraries.find_books(user, normalise(title), authors_set(authors))
        if len(matches) != 1:
            return None
        library_uuid, book_id, formats = matches[0]
        fmt = _format_for(filename, formats)
        return BookKey(library_uuid, book_id, fmt) if fmt else None


def _format_for(filename, formats):
    formats = [f.upper() for f in formats]
    if len(formats) == 1:
        return formats[0]
    ext = (filename or '').rpartition('.')[2].lower()
    for candidate in EXTENSION_FORMATS.get(ext, (ext.upper(),)):
        if candidate in formats:
            return candidate
    return None
