"""The composition root: the one place that builds BookBoss's services, for each kind of
calibre process (a content server, the GUI's device hook, the command line).

One Store per sidecar file per process, one log per server, the projections registered
here. Adding a projection is one line in `register_projections`.
"""

import atexit
import threading

from ..app.accounts import AccountGuard
from ..app.auth import Authenticator
from ..app.kosync import KosyncApi
from ..app.matching import Matcher
from ..app.page import SetupPage
from ..app.projections import Projections
from ..app.sync import Sync
from ..app.webdav import DavApi
from ..core.throttle import DEFAULT_BLOCK_SECONDS, DEFAULT_FAILURES, LoginThrottle
from ..store import Store
from . import calibre_compat, config
from .accounts import AdministratorUsers, CalibreAccounts
from .background import PeriodicWorker
from .column_prefs import column_sets, owner_of
from .columns import CalibreColumns
from .reader_positions import CalibreReaderPositions
from .statistics_columns import CalibreStatisticsColumns
from .device_hook import record_sent
from .downloads import DownloadRecorder
from .libraries import CalibreLibraries
from .library_index import index_server_libraries
from .log import ServerLog, to_stderr
from .network import lan_addresses

# KOReader gives a push 2 s per socket operation and 5 s in all: a sidecar locked by another
# program must answer 502 before that, not hang. Real transactions take milliseconds.
SERVER_BUSY_TIMEOUT = 1.5
COMMAND_LINE_BUSY_TIMEOUT = 10.0   # an administrator's command may wait for a busy server
RETRY_SECONDS = 30                 # queued projection writes are retried this often
SETTLE_SECONDS = 0.05              # pushes within this time are applied (and written) together
WRITE_EVERY_SECONDS = 1.0          # calibre's library written at most this often for queued writes

_lock = threading.RLock()
_stores = {}      # sidecar path -> the Store of this process
_servers = []     # the ServerServices built in this process


def sidecar(busy_timeout=SERVER_BUSY_TIMEOUT):
    """This process's Store for the configured sidecar file (the first caller sets its busy
    timeout). It is closed (its WAL checkpointed into the file) when the process exits."""
    path = config.sidecar_path()
    with _lock:
        store = _stores.get(path)
        if store is None:
            if not _stores:
                atexit.register(close_stores)
            store = _stores[path] = Store(path, busy_timeout=busy_timeout, log=to_stderr)
        return store


def close_stores():
    with _lock:
        for store in _stores.values():
            store.close()


def register_projections(projections, store, libraries, users, notify_changes, log, auth_enabled=None):
    """Every projection of this process; returns the calibre-columns one (also the source of
    hand-edited statuses). A new projection is one more `projections.register(...)` line.
    auth_enabled() tells a server's calibre authentication (None: no server here, and no
    calibre-reader positions, which belong to logged-in users)."""
    columns = projections.register(CalibreColumns(store, libraries, users, notify_changes, log))
    projections.register(CalibreStatisticsColumns(store, libraries, users, notify_changes, log))
    if auth_enabled is not None:
        projections.register(CalibreReaderPositions(store, libraries, auth_enabled, log))
    return columns


def projections_for(store, libraries, users, notify_changes, log, auth_enabled=None, background=True):
    """(projections, columns); background: a writer thread applies the queued writes (servers),
    else they are applied at once, on the caller's thread."""
    projections = Projections(store, log, write_every=WRITE_EVERY_SECONDS if background else 0.0)

    def drain():
        getattr(users, 'refresh', lambda: None)()  # calibre's users as of this run
        return projections.drain()
    if background:
        projections.background = PeriodicWorker('BookBossProjections', RETRY_SECONDS, drain, log, SETTLE_SECONDS)
    columns = register_projections(projections, store, libraries, users, notify_changes, log, auth_enabled)
    return projections, columns


def throttle_for(opts):
    """calibre's --ban-after/--ban-for when the server sets a ban time, else 5 in 5 min -> 10 min."""
    ban_for = getattr(opts, 'ban_for', 0) or 0
    if ban_for > 0:
        return LoginThrottle(getattr(opts, 'ban_after', DEFAULT_FAILURES) or DEFAULT_FAILURES,
                             ban_for * 60)
    return LoginThrottle(DEFAULT_FAILURES, DEFAULT_BLOCK_SECONDS)


class PageSite:
    """What the browser page asks of calibre beyond the libraries (app.ports.PageSite)."""

    def __init__(self, columns):
        self.column_summary = columns.summary

    @staticmethod
    def lan_addresses():
        return lan_addresses()


class ServerServices:
    """Everything BookBoss keeps for one content server (one calibre Context)."""

    def __init__(self, ctx):
        self.log = log = ServerLog(ctx)
        self.store = sidecar()
        limits = config.limits()
        self.accounts = accounts = CalibreAccounts(ctx.user_manager)
        self.libraries = CalibreLibraries(ctx, accounts)
        self.projections, self.columns = projections_for(self.store, self.libraries, accounts,
                                                         ctx.notify_changes, log,
                                                         (lambda: True) if getattr(ctx.opts, 'auth', False) else None)
        self.sync = Sync(self.store, Matcher(self.store, self.libraries), self.projections,
                         status=self.columns, log=log, limits=limits,
                         reader=self.projections.registered.get(CalibreReaderPositions.name),
                         writer=self.projections.background)  # applies the push log, off the request
        self.downloads = DownloadRecorder(self.sync, log)
        guard = AccountGuard(self.store, accounts, log)
        authenticator = Authenticator(accounts, throttle_for(ctx.opts), trusted_proxies=config.prefs()['trusted_proxies'],
                                      log=log, on_login=guard.check)
        page = SetupPage(self.store, self.sync, self.libraries, PageSite(self.columns), config.prefs()['public_url'],
                         trusted_proxies=config.prefs()['trusted_proxies'], limits=limits, on_user=guard.check)
        root = (getattr(ctx.opts, 'url_prefix', None) or '').rstrip('/') + '/koreader'
        self.api = KosyncApi(self.sync, authenticator, log, root)  # KOReader's API, straight from calibre
        self.dav = DavApi(self.sync, self.store, authenticator, log, root, limits)  # its WebDAV folder
        self.page_app = page.app(log)  # the browser page (Bottle, through the WSGI bridge)
        self.projections.background.wake()  # applies what a stopped server left logged, retries queued writes
        self.indexer = threading.Thread(target=index_server_libraries, name='BookBossIndex', daemon=True,
                                        args=(ctx, self.sync, log, accounts.refresh))
        self.indexer.start()


def services_for(ctx):
    """The services of the content server whose Context this is, built at its first use."""
    services = getattr(ctx, 'bookboss', None)
    if services is None:
        with _lock:
            services = getattr(ctx, 'bookboss', None)
            if services is None:
                services = ctx.bookboss = ServerServices(ctx)
                _servers.append(services)
    return services


def install_download_hook():
    def record(ctx, rd, db, book_id, fmt, result):
        services = services_for(ctx)
        services.accounts.refresh()
        services.downloads.record(ctx, rd, db, book_id, fmt, result)
    calibre_compat.wrap_book_fmt(record, to_stderr)


def process_sync():
    """The sync service of this process for work outside a request (the GUI's device hook):
    the content server's when one runs here, else one that records and binds at the next sync."""
    with _lock:
        if _servers:
            return _servers[0].sync
    return Sync(sidecar(), log=to_stderr)


def install_device_hook(gui_library=calibre_compat.gui_library):
    """GUI process: record the digests of books sent to devices from the current library."""
    def record(manager, files, names, metadata, result):
        db = gui_library()
        if db is not None:
            record_sent(calibre_compat.device_name(manager), db, files, names, metadata, result, process_sync())
    calibre_compat.wrap_upload_books(record, to_stderr)


def command_line_sync():
    """The command line's sync service: it cannot ask calibre's permissions without a server,
    so the documents it links bind at each user's next sync."""
    return Sync(sidecar(COMMAND_LINE_BUSY_TIMEOUT), log=to_stderr)


def library_projections(store, db, user_names, log=print):
    """The command line's projections over one library it opened (an administrator's action:
    every user may write it), applied at once; (projections, columns)."""
    return projections_for(store, OneLibrary(db), AdministratorUsers(user_names), None, log, background=False)


class OneLibrary:
    """The command line's view of calibre's libraries: the one it opened."""

    def __init__(self, db):
        self.db = db

    def db_for(self, user, library_uuid):
        return self.db if library_uuid == self.db.library_id else None

    def allowed_libraries(self, user):
        return [(self.db.backend.library_path, self.db)]


def resync_library(store, db, user_names, dry_run=False):
    """Re-project the sidecar's state into one open library's columns (books with state only):
    {owner: {book_id: {column: value}}} of what changed (or would, with dry_run)."""
    projections, columns = library_projections(store, db, user_names)
    report = {}
    for column_set in column_sets(db):
        owner = owner_of(column_set, user_names)
        if not owner:
            continue
        books = {}
        for book in store.books_with_state(owner, db.library_id):
            if dry_run:
                changes = columns.write(owner, book, dry_run=True)
            else:
                changes = projections.apply_now(columns.name, owner, book)
            if changes:
                books[book.book_id] = {c: str(v) for c, v in changes.items()}
        report[owner] = books
    return report


def gui_sync(db, user_names):
    """The calibre GUI's sync service: the content server's when it runs in this process (its
    projections write the GUI's library and tell the library view), else one whose projections
    write the GUI's library at once (an administrator's action, like the command line)."""
    with _lock:
        if _servers:
            return _servers[0].sync
    store = sidecar()
    projections, columns = library_projections(store, db, user_names, to_stderr)  # on the GUI's thread
    return Sync(store, projections=projections, status=columns, log=to_stderr)
