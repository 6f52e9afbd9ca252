"""The download hook: digests of every book file calibre serves.

calibre serves every book download (/get, OPDS acquisition links, /legacy/get) through
one function that returns the file it is about to stream (calibre_compat.wrap_book_fmt).
BookBoss hashes the returned file once per file version (Range, HEAD and 304 requests
reuse it) and records, through the sync service, the digests KOReader may use for it. A
failure is logged and never breaks the download.
"""

import os
import threading
import time
from collections import OrderedDict

from ..core.books import BookFormat
from ..core.digests import name_md5, partial_md5_of
from ..core.koreader_names import opds_default_names, server_file_names
from .background import PeriodicWorker
from .libraries import remember_library

FLUSH_SECONDS = 5
VERSIONS_REMEMBERED = 4096


def served_names(ctx, db, book_id, fmt, content_disposition):
    """(kind, name) for every file name KOReader may save this download under."""
    from calibre import guess_type
    from calibre.ebooks.metadata import authors_to_string
    mime = guess_type('a.' + fmt.lower())[0]
    href = ctx.url_for('/get', what=fmt.lower(), book_id=book_id, library_id=db.server_library_id)
    title = db.field_for('title', book_id)
    author = authors_to_string(db.field_for('authors', book_id) or ())
    names = [('opds_name', n) for n in opds_default_names(title, author, mime, href)]
    names += [('server_name', n) for n in server_file_names(content_disposition, mime, href)]
    return names


class DownloadRecorder:

    def __init__(self, sync, log):
        self.sync, self.store, self.log = sync, sync.store, log
        self.lock = threading.Lock()
        self.versions = OrderedDict()   # file version -> digest entries recorded for it
        self.libraries = set()
        self.touches, self.served = [], []
        self.flusher = PeriodicWorker('BookBossDigestFlush', FLUSH_SECONDS, self.flush, log)

    def record(self, ctx, rd, db, book_id, fmt, result):
        f = getattr(result, 'output', result)
        if not hasattr(f, 'fileno'):
            return
        st = os.fstat(f.fileno())
        key = BookFormat.of(db.library_id, book_id, fmt)
        user = rd.username
        now = int(time.time())
        cd = rd.outheaders.get('Content-Disposition')
        version = (key, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, cd)
        with self.lock:
            entries = self.versions.get(version)
            if entries is not None:
                self.versions.move_to_end(version)
                self.touches.extend((d, k, key, user, now) for d, k, _, _, _ in entries)
                if user:
                    self.served.append((key, user, now))
                self.flusher.start()
                return
        digest = partial_md5_of(f, st.st_size)
        entries = [(digest, 'served', key, user, f'{st.st_size} bytes, {rd.method}')]
        entries += [(name_md5(name), kind, key, user, name)
                    for kind, name in served_names(ctx, db, book_id, fmt, cd)]
        if db.library_id not in self.libraries:
            remember_library(self.store, db)
            self.libraries.add(db.library_id)
        if user:
            self.store.record_served([(key, user, now)])
        with self.lock:
            self.versions[version] = entries
            while len(self.versions) > VERSIONS_REMEMBERED:
                self.versions.popitem(last=False)
        self.sync.record_digests(entries, now)

    def flush(self):
        """Write queued last-seen and last-served times (batched off the request threads)."""
        with self.lock:
            touches, served, self.touches, self.served = self.touches, self.served, [], []
        if touches:
            self.store.touch_digests(touches)
        if served:
            self.store.record_served(served)
