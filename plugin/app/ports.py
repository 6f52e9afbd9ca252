"""What the app layer needs from its host, as interfaces. The host (calibre) implements
them; the unit tests pass fakes (tests/fakes.py)."""

from typing import Iterable, Optional, Protocol

from ..core.books import Book, BookFormat


class Accounts(Protocol):
    """The user database (calibre's users): BookBoss never keeps a password of its own."""

    def refresh(self) -> None:
        """A request starts: what follows must see every change made to the accounts so far."""

    def password(self, username: str) -> Optional[str]:
        """The user's password, or None when there is no such user."""

    def has_users(self) -> bool: ...

    def fingerprint(self, username: str) -> Optional[str]:
        """What tells this account from an earlier one of the same name, or None (no such user)."""


class Libraries(Protocol):
    """What a calibre user may see: allowed libraries and each library's search restriction."""

    def visible(self, user: str, fmt: BookFormat) -> bool: ...

    def find_books(self, user: str, title: str, authors: frozenset) -> list:
        """[(Book, formats)] of the visible books whose normalised title (and author set,
        when given) equal these."""

    def visibility_token(self, user: str, library_uuid: str) -> Optional[object]:
        """A value equal to an earlier one only while nothing that decides which books of the
        library user may see has changed; None when there is none (nothing may be kept then).
        Read before asking visible()."""

    def visible_book_ids(self, user: str) -> dict:
        """{library_uuid: set of book ids} the user may see."""

    def title_of(self, user: str, book: Book) -> Optional[str]: ...

    def search_books(self, user: str, text: str, limit: int) -> list:
        """[{'library_uuid', 'library', 'book_id', 'title', 'authors', 'formats'}] for the page."""


class Projection(Protocol):
    """One place outside the sidecar that shows a user's record of a book (calibre's custom
    columns today). Registered once in the composition root; Sync hands it every committed
    change."""

    name: str  # recorded with each pending write, so the queue knows whose write it is

    def apply(self, user: str, book: Book) -> object:
        """Bring this projection in line with the sidecar's record of user's book. Raise when
        it cannot write now: the change is queued and retried by the background writer."""


class BackgroundWriter(Protocol):
    """The thread that runs Projections.drain soon after it is woken (host/background.py): in a
    server it also applies the push log, the first step of every run."""

    def start(self) -> None:
        """Start the thread (once); it runs every few seconds even when nobody wakes it."""

    def wake(self) -> None:
        """Run soon (a burst of wake-ups is served by one run)."""


class ReadingStatusSource(Protocol):
    """Where the user may have changed a book's status by hand (the owner's status column)."""

    def current_status(self, user: str, book: Book) -> Optional[str]:
        """The status shown there now, or None when nothing shows it."""


class PageSite(Protocol):
    """What the browser page asks of its host beyond Libraries."""

    def column_summary(self, user: str) -> list: ...

    def lan_addresses(self) -> Iterable[str]: ...


class ReaderPositionSource(Protocol):
    """Another reader's position of a user's book (calibre's web reader), for pulls."""

    def newer_than(self, user: str, fmt: BookFormat, answer: Optional[dict]) -> Optional[dict]:
        """A progress record ({'percentage', 'progress', 'device', 'device_id', 'timestamp'}) when
        that reader holds a position of the book format newer than answer (what the pull would
        answer otherwise, or None) that converts to a KOReader position that resolves and names
        another element; else None."""


class Request(Protocol):
    """One KOReader request as the kosync API sees it, whatever server carried it (calibre's
    own request objects in a server, WSGI in the tests)."""

    method: str  # HEAD arrives as GET; the server drops the body
    path: str  # below the kosync root, text: '/syncs/progress/<document>'
    remote_addr: str

    def header(self, name: str) -> Optional[str]:
        """A request header as text; None when absent or not UTF-8. Repeated headers are
        joined with commas."""

    def body(self, limit: int) -> bytes:
        """The request body, or its first limit + 1 bytes when it is longer than limit."""
