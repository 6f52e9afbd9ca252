"""Which library book format a KOReader document is, for one user.

The store knows the digest history; Libraries (a port) knows what a calibre user may see.
Only books the user may see ever match. Matching writes nothing: Sync links.
"""

import os

from ..core.books import BookFormat
from ..core.digests import name_md5
from ..core.text import authors_set, normalise

EXTENSION_FORMATS = {'azw': ('AZW3', 'AZW'), 'log': ('TXT',), 'htm': ('HTML', 'HTM')}


class Matcher:

    def __init__(self, store, libraries):
        self.store = store
        self.libraries = libraries

    def match(self, user, document, metadata=None, linked=None):
        """The BookFormat the document is for this user, or None (unmatched). linked: the
        document's current link (kept while the user may still see that book)."""
        if linked is not None and self.visible(user, linked):
            return linked
        fmt = self._first_visible(user, document)  # most recently served to user first
        if fmt is None and metadata:
            fmt = self._from_metadata(user, metadata)
        return fmt

    def visible(self, user, fmt):
        """Whether user may see the book of this format (Libraries.visible)."""
        return self.libraries.visible(user, fmt)

    def visibility_token(self, user, fmt):
        """What tells whether visible(user, fmt) may have changed (Libraries.visibility_token)."""
        return self.libraries.visibility_token(user, fmt.book.library_uuid)

    def _first_visible(self, user, digest):
        for fmt in self.store.candidates(digest, user):
            if self.visible(user, fmt):
                return fmt
        return None

    def _from_metadata(self, user, metadata):
        filename = metadata.get('filename')
        if filename:
            fmt = self._first_visible(user, name_md5(os.path.basename(filename)))
            if fmt is not None:
                return fmt
        title, authors = metadata.get('title'), metadata.get('authors')
        if not title:
            return None
        matches = self.libraries.find_books(user, normalise(title), authors_set(authors))
        if len(matches) != 1:
            return None
        book, formats = matches[0]
        fmt = _format_for(filename, formats)
        return BookFormat(book, fmt) if fmt else None


def _format_for(filename, formats):
    formats = [f.upper() for f in formats]
    if len(formats) == 1:
        return formats[0]
    ext = (filename or '').rpartition('.')[2].lower()
    for candidate in EXTENSION_FORMATS.get(ext, (ext.upper(),)):
        if candidate in formats:
            return candidate
    return None
