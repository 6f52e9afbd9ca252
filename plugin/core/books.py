"""What names a library book, and one format of it, everywhere in BookBoss."""

from typing import NamedTuple


class Book(NamedTuple):
    """A book of one calibre library. Reading state and calibre's columns are per book."""
    library_uuid: str  # the library's UUID in its metadata.db (stable across renames and servers)
    book_id: int


class BookFormat(NamedTuple):
    """One format of a book (EPUB, PDF, ...). Digests, links and positions are per format:
    an EPUB xpointer is not a PDF page."""
    book: Book
    format: str

    @classmethod
    def of(cls, library_uuid, book_id, fmt):
        return cls(Book(library_uuid, int(book_id)), fmt.upper())

    def flat(self):
        """(library_uuid, book_id, format): how the sidecar's tables hold it."""
        return (self.book.library_uuid, self.book.book_id, self.format)
