"""Books sent from the calibre GUI to a device are recognised too.

Every device driver (USB/MTP, folder devices, the smart device driver KOReader's "Calibre
wireless connection" uses) receives its files from DeviceManager._upload_books, after
calibre has written the metadata (with the device's plugboard) into them. BookBoss wraps
that method and records, for each book sent, the partial MD5 of those exact bytes and the
MD5 of the file name it gets on the device, as digests of kind "device". Imported only in
the calibre GUI process.
"""

import os
import sys
import traceback

from . import config
from .books import BookKey
from .digests import name_md5, partial_md5

_store = None


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def install_when_gui_ready():
    """Called from initialize() in the GUI process, while calibre.gui2.ui is still importing."""
    from qt.core import QTimer
    QTimer.singleShot(0, install)


def install():
    try:
        from calibre.customize.ui import find_plugin, is_disabled
        from calibre.gui2.device import DeviceManager
        me = find_plugin('BookBoss')
        if me is None or is_disabled(me) or getattr(DeviceManager._upload_books, 'bookboss_wrapped', False):
            return
        original = DeviceManager._upload_books

        def _upload_books(self, files, names, on_card=None, metadata=None, plugboards=None):
            result = original(self, files, names, on_card=on_card, metadata=metadata, plugboards=plugboards)
            try:
                record_sent(device_name(self), library_of_gui(), files, names, metadata, result)
            except Exception:
                log('BookBoss: could not record the digests of books sent to the device:\n'
                    + traceback.format_exc())
            return result

        _upload_books.bookboss_wrapped = True
        DeviceManager._upload_books = _upload_books
    except Exception:
        log('BookBoss: FAILED to install the send-to-device hook:\n' + traceback.format_exc())


def device_name(manager):
    device = getattr(manager, 'device', None) or getattr(manager, 'connected_device', None)
    try:
        return device.get_gui_name()
    except Exception:
        return type(device).__name__


def library_of_gui():
    from calibre.gui2.ui import get_gui
    db = get_gui().current_db.new_api
    return db.library_id, db.backend.library_path


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


def record_sent(device, library, files, names, metadata, locations, store=None):
    global _store
    if store is None:
        if _store is None:
            from .store import Store
            _store = Store(config.sidecar_path())
        store = _store
    library_uuid, library_path = library
    entries = []
    for i, (path, mi) in enumerate(zip(files, metadata or ())):
        book_id = getattr(mi, 'id', None)
        if not isinstance(path, str) or book_id is None:
            continue
        key = BookKey(library_uuid, book_id, path.rpartition('.')[2].upper())
        entries.append((partial_md5(path), 'device', key, None, f'{device}: {os.path.getsize(path)} bytes'))
        name = location_basename(locations or (), i, names)
        if name:
            entries.append((name_md5(name), 'device', key, None, f'{device}: {name}'))
    if entries:
        store.record_library(library_uuid, os.path.basename(library_path), library_path)
        store.record_digests(entries)
    return entries
