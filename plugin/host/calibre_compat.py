"""Every place BookBoss reaches into calibre beyond its plugin API, in one module, each with
the calibre versions it was verified on (the integration suite runs on 6.13 and 9.17; 8.5 by
hand with scripts/test-in-chroot.sh trixie). When calibre changes one of these, this is the
file to read.

Importing this module imports nothing from calibre: each function imports what it needs,
so initialize() may import it in every calibre process.
"""

import sys
import traceback


def log_failure(what):
    # calibre 9.x swallows exceptions from content_server_endpoints() without a word, and an
    # exception from a hook would stop calibre-server: say it loudly on stderr instead.
    print(f'BookBoss: FAILED to {what}. calibre continues without BookBoss.\n'
          + traceback.format_exc(), file=sys.stderr, flush=True)


def has_content_server_plugin():
    """calibre >= 9.12 asks ContentServerPlugins for routes (verified 9.17)."""
    import calibre.customize
    return hasattr(calibre.customize, 'ContentServerPlugin')


def install_finalize_hook(on_finalize):
    """Call on_finalize(router) whenever a content server's Router is finalized.

    Every calibre Handler calls Router.finalize() once, after its own routes and (calibre
    >= 9.12) the ContentServerPlugins' routes are loaded, with router.ctx set (verified 6.13,
    8.5, 9.17). Older calibre has no other way for a plugin to add routes; on every calibre it
    is where BookBoss learns of a server being built. Idempotent; an error in on_finalize is
    logged, never raised.
    """
    from calibre.srv.routes import Router
    if getattr(Router.finalize, 'bookboss_hook', False):
        return
    original = Router.finalize

    def finalize(router):
        try:
            on_finalize(router)
        except Exception:
            log_failure('attach BookBoss to the content server')
        return original(router)

    finalize.bookboss_hook = True
    Router.finalize = finalize


def allow_http_methods(methods):
    """Let calibre's HTTP layer accept more request methods (WebDAV's PROPFIND and MKCOL).
    calibre answers 400 "Unknown HTTP method" to any method outside
    calibre.srv.http_request.HTTP_METHODS while it parses the request line, before routing or
    plugin code (http_request.py:21, 274 in 6.13; the same in 9.17); it looks the set up per
    request, so adding to it in place is enough. No public API exists (verified 6.13, 9.17)."""
    from calibre.srv import http_request
    http_request.HTTP_METHODS.update(methods)


def etagged_answer(rd, etag, body, content_type):
    """A response body calibre sends with a strong ETag ("<etag>") on GET and HEAD: calibre
    drops an ETag header an endpoint sets and gives plain bytes none (http_response.py:699, 713
    in 6.13; 767, 781 in 9.17), so the body goes out as its ETaggedDynamicOutput (verified 6.13,
    9.17)."""
    rd.outheaders.set('Content-Type', content_type, replace_all=True)
    return rd.etagged_dynamic_response(etag, lambda: body, content_type)


def wrap_book_fmt(record, log):
    """Call record(ctx, rd, db, book_id, fmt, result) after calibre.srv.content.book_fmt, the
    function behind every book download (/get, OPDS acquisition links, /legacy/get), returns
    the file it is about to serve (verified 6.13, 8.5, 9.17). Once per process; a failure of
    record is logged and never breaks the download."""
    from calibre.srv import content
    if getattr(content.book_fmt, 'bookboss_wrapped', False):
        return
    original = content.book_fmt

    def book_fmt(ctx, rd, library_id, db, book_id, fmt):
        result = original(ctx, rd, library_id, db, book_id, fmt)
        try:
            record(ctx, rd, db, book_id, fmt, result)
        except Exception:
            log('BookBoss: could not record the digests of a download:\n' + traceback.format_exc())
        return result

    book_fmt.bookboss_wrapped = True
    book_fmt.bookboss_original = original
    content.book_fmt = book_fmt


def when_gui_ready(work):
    """Run work() once the GUI's event loop runs: in the GUI, initialize() runs while
    calibre.gui2.ui is still being imported and before calibre.gui2.device is (verified 6.13,
    9.17)."""
    from qt.core import QTimer
    QTimer.singleShot(0, work)


def wrap_upload_books(record, log):
    """Call record(manager, files, names, metadata, result) after the GUI's
    DeviceManager._upload_books, through which every device driver (USB/MTP, folder devices,
    the smart device driver) receives books after calibre wrote their metadata (verified 6.13,
    9.17). Once per process; a failure of record is logged and never breaks the send."""
    from calibre.gui2.device import DeviceManager
    if getattr(DeviceManager._upload_books, 'bookboss_wrapped', False):
        return
    original = DeviceManager._upload_books

    def _upload_books(self, files, names, on_card=None, metadata=None, plugboards=None):
        result = original(self, files, names, on_card=on_card, metadata=metadata, plugboards=plugboards)
        try:
            record(self, files, names, metadata, result)
        except Exception:
            log('BookBoss: could not record the digests of books sent to the device:\n'
                + traceback.format_exc())
        return result

    _upload_books.bookboss_wrapped = True
    DeviceManager._upload_books = _upload_books


def device_name(manager):
    """The connected device's name as calibre shows it (verified 6.13, 9.17)."""
    device = getattr(manager, 'device', None) or getattr(manager, 'connected_device', None)
    try:
        return device.get_gui_name()
    except Exception:
        return type(device).__name__


def gui_library():
    """The calibre GUI's current library (new API), or None."""
    from calibre.gui2.ui import get_gui
    gui = get_gui()
    return gui.current_db.new_api if gui is not None and gui.current_db is not None else None


def require_calibre_login(ctx, rd, endpoint):
    """Run calibre's own authentication for one request of an auth_required=False endpoint:
    the router's auth_controller (Basic or Digest, calibre's ban list) raises calibre's
    challenge or sets rd.username (verified 6.13, 8.5, 9.17). False when calibre
    authentication is off."""
    router = getattr(ctx.url_for, '__self__', None)
    controller = getattr(router, 'auth_controller', None)
    if not ctx.opts.auth or controller is None:
        return False
    controller(rd, endpoint)
    return True


def notify_metadata_changed(notify_changes, library_path, book_ids):
    """Tell calibre (the GUI's library view, the server's caches) that books changed
    (calibre.srv.changes.MetadataChanged; 6.13 has no metadata() helper)."""
    from calibre.srv.changes import MetadataChanged
    notify_changes(library_path, MetadataChanged(set(book_ids)))


def user_account(user_manager, username):
    """(password, fingerprint) of a calibre user, or None; the fingerprint is 'id@creation
    timestamp'. calibre's users table has an integer id (not AUTOINCREMENT: a name removed and
    added again may get it back) and a creation timestamp to the second; no public API returns
    either (verified 6.13, 8.5, 9.17)."""
    with user_manager.lock:
        for password, user_id, created in user_manager.conn.cursor().execute(
                'SELECT pw, id, timestamp FROM users WHERE name=?', (username,)):
            return password, f'{user_id}@{created}'
    return None


def user_db_path(user_manager):
    """The file of calibre's user database (UserManager.path; verified 6.13, 8.5, 9.17)."""
    return getattr(user_manager, 'path', None)


_uncacheable = {}  # (library UUID, restriction) -> clear_search_cache_count when calibre would not cache it


def restriction_matches(db, restriction):
    """The live set of the books calibre's search of a library restriction matches, from calibre's
    own search cache, or None when calibre does not keep that search.

    calibre keeps a library-wide search's result (Search.cache, keyed by the stripped query) and
    keeps it current itself: every change updates the cached sets in place or drops them (counted
    by Cache.clear_search_cache_count), removed books are discarded from them; it never keeps a
    search whose result depends on time (date fields, date templates) or on virtual fields
    (Search._do_search, query_is_cacheable). Reading a set calibre updates in place is safe: a
    book that still matches is never taken out, even for a moment. When calibre has no result
    yet, one library-wide search makes it. (Verified 6.13, 8.5, 9.17.)"""
    api = getattr(db, '_search_api', None)
    cache = getattr(getattr(api, 'cache', None), 'item_map', None)
    if cache is None:
        return None
    key = restriction.strip()
    found = cache.get(key)
    if found is not None:
        return found
    count = getattr(db, 'clear_search_cache_count', None)
    if count is not None and _uncacheable.get((db.library_id, key)) == count:
        return None  # calibre declined this one and nothing changed since
    db.search('', restriction=restriction)
    found = cache.get(key)
    if found is None and count is not None:
        if len(_uncacheable) > 1000:
            _uncacheable.clear()
        _uncacheable[(db.library_id, key)] = count
    return found


def stored_custom_columns(db):
    """{'#label': {'datatype', 'display', 'name', 'deleting'}} as the library's custom_columns
    table holds them now: a column created since the library was opened is there (calibre loads
    it into field_metadata only at the next start), a column marked for deletion has deleting
    True (calibre removes it at the next start). (db.backend.execute and the table's columns:
    verified 6.13, 8.5, 9.17.)"""
    import json
    out = {}
    for label, name, datatype, display, deleting in db.backend.execute(
            'SELECT label, name, datatype, display, mark_for_delete FROM custom_columns'):
        try:
            display = json.loads(display or '{}')
        except ValueError:
            display = {}
        out['#' + label] = {'datatype': datatype, 'display': display, 'name': name, 'deleting': bool(deleting)}
    return out


def reader_positions(db, book_id, fmt, user):
    """calibre's reader positions of a user for a book format: [{'device', 'cfi', 'epoch',
    'pos_frac', …}] (called positionally: 9.5 added keyword parameters and returns a tuple;
    verified 6.13, 9.17)."""
    return list(db.get_last_read_positions(book_id, fmt, user))


def set_reader_position(db, book_id, fmt, user, device, cfi, epoch, pos_frac):
    """Write one reader position row (calibre's INSERT OR REPLACE on user, device, book and
    format; user and device always given: 9.x no longer maps empty ones to '_')."""
    db.set_last_read_position(book_id, fmt, user=user, device=device, cfi=cfi, epoch=epoch, pos_frac=pos_frac)


def library_change_count(db):
    """A count that grows at every change calibre makes to an open library, or None when it has
    none: calibre puts each change event (metadata changed, books created or removed, items
    renamed or removed, formats added or removed, ...) on its event dispatcher's queue right
    after the change, once a listener is registered (EventDispatcher.activated), and never marks
    them done, so the queue's unfinished_tasks counts them all; clear_search_cache_count counts
    calibre dropping its search results. Reading both takes no lock. (Verified 6.13, 9.17.)"""
    dispatcher = getattr(db, 'event_dispatcher', None)
    queue = getattr(dispatcher, 'queue', None)
    count = getattr(queue, 'unfinished_tasks', None)
    if not getattr(dispatcher, 'activated', False) or count is None:
        return None
    return count, getattr(db, 'clear_search_cache_count', 0)


def library_events_pending(db):
    """Whether calibre has change events of this library not yet delivered to its listeners
    (Cache.event_dispatcher's queue; verified 6.13, 9.17)."""
    dispatcher = getattr(db, 'event_dispatcher', None)
    queue = getattr(dispatcher, 'queue', None)
    return bool(queue is not None and queue.qsize())
