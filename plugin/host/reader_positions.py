"""KOReader → calibre's web reader: the calibre-reader projection (app.ports.Projection).

A user's latest KOReader position in a linked EPUB is written as that calibre user's reader
position for the book (calibre's `last_read_positions`, one row per user, book and KOReader
device, device "KOReader: <device name>"), converted to calibre's CFI against the book's own
EPUB file (core/positions.py). calibre's web reader, opening the book afresh for that user,
starts there. Positions in calibre belong to logged-in users: with calibre authentication off
there is nobody to write for, and the bridge is off. A library can turn it off (its
`reader_positions` preference, namespace "bookboss").
"""

import hashlib
import os
import threading
import zipfile

from ..core.books import BookFormat
from ..core.positions import Book as EpubBook
from ..core.xpointer import CLASSIC, EXPLICIT, TEXT, NotAnXPointer, parse
from . import calibre_compat
from .column_prefs import NAMESPACE

DEVICE_PREFIX = 'KOReader: '
FORMAT = 'EPUB'
READER_DEVICE = 'calibre reader'
READER_DEVICE_ID = hashlib.md5(b'BookBoss: calibre web reader').hexdigest().upper()


def bridge_on(db):
    return bool(db.pref('reader_positions', True, namespace=NAMESPACE))


def set_bridge(db, on):
    db.set_pref('reader_positions', bool(on), namespace=NAMESPACE)


class CalibreReaderPositions:

    name = 'reader_positions'

    def __init__(self, store, libraries, auth_enabled, log):
        """libraries: db_for(user, library_uuid); auth_enabled() -> whether calibre's
        authentication is on for this server."""
        self.store, self.libraries, self.auth_enabled, self.log = store, libraries, auth_enabled, log
        self.lock = threading.Lock()
        self.books = {}  # EPUB path -> ((mtime_ns, size), EpubBook)

    def apply(self, user, book):
        """Write the user's KOReader position of the book's EPUB into calibre; {device: cfi}
        written ({} when there is nothing to write)."""
        if not self.auth_enabled():
            return {}
        db = self.libraries.db_for(user, book.library_uuid)
        if db is None or not bridge_on(db):
            return {}
        position = self.store.book_position(user, BookFormat(book, FORMAT))
        path = db.format_abspath(book.book_id, FORMAT) if position is not None else None
        if not path:
            return {}
        converted = self._epub(path).to_cfi(position['progress'])
        if converted is None:
            return {}
        device = DEVICE_PREFIX + position['device']
        for row in calibre_compat.reader_positions(db, book.book_id, FORMAT, user):
            if row['device'] == device and row['cfi'] == converted.position \
                    and abs((row.get('pos_frac') or 0) - position['percentage']) < 1e-9:
                return {}
        calibre_compat.set_reader_position(db, book.book_id, FORMAT, user, device, converted.position,
                                           position['timestamp'], position['percentage'])
        return {device: converted.position}

    def newer_than(self, user, fmt, answer):
        """calibre → KOReader (app.ports.ReaderPositionSource): the user's newest calibre web-reader
        position of the book's EPUB (not one BookBoss wrote) when newer than answer, as a
        KOReader position in the form the device last pushed; None when there is none, when it
        does not convert, or when it names the element answer already names."""
        if fmt.format != FORMAT or not self.auth_enabled():
            return None
        db = self.libraries.db_for(user, fmt.book.library_uuid)
        if db is None or not bridge_on(db):
            return None
        rows = [r for r in calibre_compat.reader_positions(db, fmt.book.book_id, FORMAT, user)
                if r.get('cfi') and not str(r.get('device') or '').startswith(DEVICE_PREFIX)]
        if not rows:
            return None
        row = max(rows, key=lambda r: r.get('epoch') or 0)
        if answer is not None and (row.get('epoch') or 0) <= answer['timestamp']:
            return None
        path = db.format_abspath(fmt.book.book_id, FORMAT)
        if not path:
            return None
        last = _parsed(answer['progress']) if answer is not None else None
        converted = self._epub(path).to_xpointer(row['cfi'], EXPLICIT if last and last.form == EXPLICIT else CLASSIC)
        if converted is None:
            return None
        if last is not None and _element(last) == _element(parse(converted.position)):
            return None  # the web reader re-posts its position on open: nothing new to offer
        return {'percentage': float(row.get('pos_frac') or 0), 'progress': converted.position,
                'device': READER_DEVICE, 'device_id': READER_DEVICE_ID, 'timestamp': int(row['epoch'])}

    def _epub(self, path):
        st = os.stat(path)
        stamp = (st.st_mtime_ns, st.st_size)
        with self.lock:
            kept = self.books.get(path)
            if kept is not None and kept[0] == stamp:
                return kept[1]
        def read(name):  # the files a conversion needs, once each (EpubBook keeps the chapters it parsed)
            with zipfile.ZipFile(path) as z:
                return z.read(name)
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
        epub = EpubBook(read, names)
        with self.lock:
            if len(self.books) > 32:
                self.books.clear()
            self.books[path] = (stamp, epub)
        return epub


def _parsed(progress):
    try:
        return parse(progress)
    except NotAnXPointer:
        return None


def _element(pointer):
    """(chapter, element steps) of a pointer: what it names at element level."""
    return pointer.fragment, tuple((s.name, s.index or 1) for s in pointer.steps if s.name != TEXT)
