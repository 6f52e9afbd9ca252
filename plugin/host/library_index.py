"""The library index: the partial MD5 of every stored format file, so that books copied
to a device unchanged (no metadata rewrite) are recognised too. Incremental: a file is
hashed again only when its size or modification time changed."""

import os

from ..core.books import BookFormat
from ..core.digests import partial_md5
from .libraries import remember_library

BATCH = 200


def index_library(store, db, progress=None):
    """Index one open calibre library (new-API Cache). Returns (hashed, unchanged, new digests).

    progress(done, total) is called as books are visited.
    """
    uuid = db.library_id
    remember_library(store, db)
    known = store.indexed_files(uuid)
    book_ids = sorted(db.all_book_ids())
    formats = db.all_field_for('formats', book_ids)
    rows, new, hashed, unchanged = [], [], 0, 0
    for done, book_id in enumerate(book_ids, 1):
        for fmt in formats.get(book_id) or ():
            path = db.format_abspath(book_id, fmt)
            try:
                st = os.stat(path)
            except (TypeError, OSError):
                continue
            key = BookFormat.of(uuid, book_id, fmt)
            if known.get((book_id, key.format)) == (st.st_size, st.st_mtime_ns):
                unchanged += 1
                continue
            rows.append((key, st.st_size, st.st_mtime_ns, partial_md5(path)))
            hashed += 1
            if len(rows) >= BATCH:
                new += store.record_indexed_files(rows)
                rows = []
        if progress is not None:
            progress(done, len(book_ids))
    if rows:
        new += store.record_indexed_files(rows)
    return hashed, unchanged, new


def index_server_libraries(ctx, sync, log, before_each=lambda: None):
    """Index every library the server serves (run in a background thread)."""
    broker = ctx.library_broker
    for library_id in list(broker.library_map):
        try:
            db = broker.get(library_id)
            if db is None:
                continue
            hashed, unchanged, new = index_library(sync.store, db)
            before_each()
            if new:
                sync.digests_recorded(new)
            log(f'BookBoss: indexed library {library_id}: {hashed} files hashed, {unchanged} unchanged')
        except Exception:
            import traceback
            log(f'BookBoss: could not index library {library_id}:\n' + traceback.format_exc())
