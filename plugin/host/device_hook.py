"""Books sent from the calibre GUI to a device are recognised too.

Every device driver (USB/MTP, folder devices, the smart device driver KOReader's "Calibre
wireless connection" uses) receives its files after calibre has written the metadata (with
the device's plugboard) into them (calibre_compat.wrap_upload_books). BookBoss records, for
each book sent, the partial MD5 of those exact bytes and the MD5 of the file name it gets on
the device, as digests of kind "device", through the sync service. GUI process only.
"""

import os

from ..core.books import BookFormat
from ..core.digests import name_md5, partial_md5
from .libraries import remember_library


def location_basename(locations, i, names):
    """The file name on the device: from the driver's answer (a path or an lpath), else the name sent."""
    try:
        where = locations[i][0] if isinstance(locations[i], (tuple, list)) else locations[i]
        where = getattr(where, 'name', where)
        if isinstance(where, str) and where:
            return where.replace('\\', '/').rpartition('/')[2]
    except (IndexError, TypeError):
        pass
    return os.path.basename(names[i]) if i < len(names) and names[i] else None


def record_sent(device, db, files, names, metadata, locations, sync):
    """Record the digests of the books the GUI sent to a device from library db; the entries."""
    entries = []
    for i, (path, mi) in enumerate(zip(files, metadata or ())):
        book_id = getattr(mi, 'id', None)
        if not isinstance(path, str) or book_id is None:
            continue
        fmt = BookFormat.of(db.library_id, book_id, path.rpartition('.')[2])
        entries.append((partial_md5(path), 'device', fmt, None, f'{device}: {os.path.getsize(path)} bytes'))
        name = location_basename(locations or (), i, names)
        if name:
            entries.append((name_md5(name), 'device', fmt, None, f'{device}: {name}'))
    if entries:
        remember_library(sync.store, db)
        sync.record_digests(entries)
    return entries
