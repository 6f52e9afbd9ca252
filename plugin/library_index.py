"""The library index: the partial MD5 of every stored format file, so that books copied
to a device unchanged (no metadata rewrite) are recognised too. Incremental: a file is
hashed again only when its size or modification time changed."""

import os

from .books import BookKey
from .digests import partial_md5

BATCH = 200


def index_library(store, db, progress=None):
    """Index one open calibre library (new-API Cache). Returns (hashed, unchanged, new digests).

    progress(done, total) is called as books are visited.
    """
    uuid = db.library_id
    store.record_library(uuid, getattr(db, 'server_library_id', None) or os.path.basename(db.backend.library_path),
                         db.backend.library_path)
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
            key = BookKey(uuid, book_id, fmt.upper())
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


def index_server_libraries(ctx, store, catalog, log):
    """Index every library the server serves (run in a background thread)."""
    broker = ctx.library_broker
    for library_id in list(broker.library_map):
        try:
            db = broker.get(library_id)
            if db is None:
                continue
            hashed, unchanged, new = index_library(store, db)
            if new:
                catalog.bind_new_digests(new)
            log(f'BookBoss: indexed library {library_id}: {hashed} files hashed, {unchanged} unchanged')
        except Exception:
            import traceback
            log(f'BookBoss: could not index library {library_id}:\n' + traceback.format_exc())
