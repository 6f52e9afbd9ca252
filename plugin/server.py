"""The /koreader endpoint inside calibre's content server.

Importing this module applies calibre's @endpoint, which imports calibre.srv.handler:
import it only once the server is being built (registration.py), never from
initialize().
"""

import socket
import sys
import threading
import traceback

from calibre.srv.routes import endpoint

from . import config, downloads
from .auth import Authenticator
from .calibre_libraries import CalibreLibraries
from .catalog import Catalog
from .column_writer import ColumnWriter
from .downloads import DownloadRecorder
from .kosync_app import json_bytes, make_app
from .library_index import index_server_libraries
from .protocol import STORAGE_FAILED
from .setup_page import SetupPage
from .store import Store
from .throttle import DEFAULT_BLOCK_SECONDS, DEFAULT_FAILURES, LoginThrottle
from .wsgi_bridge import build_environ, call_wsgi

PREFIX = '/koreader'
PAGE_PATHS = ('', 'link')  # the browser page; everything else under /koreader is KOReader's API
_lock = threading.RLock()
_stores = {}


class CalibreAccounts:
    """calibre's own user database (ctx.user_manager) as the kosync account source."""

    def __init__(self, user_manager):
        self.user_manager = user_manager

    def password(self, username):
        return self.user_manager.get(username)

    def has_users(self):
        return bool(self.user_manager.all_user_names)


def server_log(ctx):
    """Log to the server's log once calibre has set it, else to stderr."""
    def log(msg):
        target = getattr(ctx, 'log', None)
        if target is not None:
            target(msg)
        else:
            print(msg, file=sys.stderr, flush=True)
    return log


# KOReader gives a push 2 s per socket operation and 5 s in all: a sidecar locked by another
# program must answer 502 before that, not hang. Real transactions take milliseconds.
SIDECAR_BUSY_TIMEOUT = 1.5


def shared_store(path):
    """One Store per sidecar file per process (the GUI may build several servers)."""
    with _lock:
        store = _stores.get(path)
        if store is None:
            store = _stores[path] = Store(path, busy_timeout=SIDECAR_BUSY_TIMEOUT)
        return store


def throttle_for(opts):
    """calibre's --ban-after/--ban-for when the server sets a ban time, else 5 in 5 min -> 10 min."""
    ban_for = getattr(opts, 'ban_for', 0) or 0
    if ban_for > 0:
        return LoginThrottle(getattr(opts, 'ban_after', DEFAULT_FAILURES) or DEFAULT_FAILURES,
                             ban_for * 60)
    return LoginThrottle(DEFAULT_FAILURES, DEFAULT_BLOCK_SECONDS)


class Services:
    """Everything BookBoss keeps for one content server (one calibre Context)."""

    def __init__(self, ctx):
        self.log = log = server_log(ctx)
        self.store = shared_store(config.sidecar_path())
        self.libraries = CalibreLibraries(ctx)
        self.columns = ColumnWriter(self.store, self.libraries, ctx.user_manager, ctx.notify_changes, log)
        self.catalog = Catalog(self.store, self.libraries,
                               on_linked=lambda user, key: self.columns.project_later(user, key.library_uuid, key.book_id))
        self.downloads = DownloadRecorder(self.store, self.catalog, log)
        authenticator = Authenticator(CalibreAccounts(ctx.user_manager), throttle_for(ctx.opts),
                                      trusted_proxies=config.prefs()['trusted_proxies'], log=log)
        page = SetupPage(self.store, PageSite(self.libraries, self.columns), config.prefs()['public_url'])
        self.app = make_app(self.store, authenticator, self.catalog, self.columns, page, log)
        self.columns.drainer.start()  # applies queued column writes; no sidecar I/O here
        self.indexer = threading.Thread(target=index_server_libraries, name='BookBossIndex', daemon=True,
                                        args=(ctx, self.store, self.catalog, log))
        self.indexer.start()


class PageSite:
    """What the browser page asks of calibre."""

    def __init__(self, libraries, columns):
        self.visible, self.title_of = libraries.visible, libraries.title_of
        self.search_books, self.column_summary = libraries.search_books, columns.summary
        self.columns = columns

    def project(self, user, key):
        self.columns.project(user, key.library_uuid, key.book_id)

    @staticmethod
    def lan_addresses():
        return lan_addresses()


def lan_addresses():
    """This machine's non-loopback IPv4 addresses (no packet is sent)."""
    found = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(('192.0.2.1', 9))
            found.append(s.getsockname()[0])
    except OSError:
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.append(info[4][0])
    except OSError:
        pass
    return [a for i, a in enumerate(found) if a not in found[:i] and not a.startswith('127.')]


def services_for(ctx):
    services = getattr(ctx, 'bookboss', None)
    if services is None:
        with _lock:
            services = getattr(ctx, 'bookboss', None)
            if services is None:
                services = ctx.bookboss = Services(ctx)
    return services


@endpoint(PREFIX + '/{+rest=""}', methods=('GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'TRACE'),
          auth_required=False, cache_control='no-cache')
def koreader(ctx, rd, rest):
    opts = ctx.opts
    scheme = 'https' if getattr(opts, 'ssl_certfile', None) and getattr(opts, 'ssl_keyfile', None) else 'http'
    prefix = (getattr(opts, 'url_prefix', None) or '').rstrip('/')
    extra = {'calibre.ctx': ctx, 'calibre.rd': rd}
    if rest in PAGE_PATHS:
        extra.update(page_login(ctx, rd))
    environ = build_environ(rd, rest, prefix + PREFIX, scheme, extra)
    try:
        app = services_for(ctx).app
    except Exception:
        server_log(ctx)('BookBoss: could not start:\n' + traceback.format_exc())
        rd.status_code = STORAGE_FAILED.status
        rd.outheaders.set('Content-Type', 'application/json', replace_all=True)
        return json_bytes(STORAGE_FAILED.body())
    body = call_wsgi(app, environ, rd)
    if environ.get('bookboss.user'):
        rd.username = environ['bookboss.user']  # calibre's per-user permissions apply from here on
    return body


def page_login(ctx, rd):
    """The browser page uses calibre's own login (Basic or Digest, calibre's ban list); calibre
    renders the challenge when this raises. KOReader's API paths never come here."""
    router = getattr(ctx.url_for, '__self__', None)
    controller = getattr(router, 'auth_controller', None)
    if not ctx.opts.auth or controller is None:
        return {'bookboss.auth_enabled': False}
    controller(rd, koreader)
    return {'bookboss.auth_enabled': True, 'bookboss.page_user': rd.username}


def endpoints():
    """The endpoint list, for either registration path; also installs the download hook."""
    downloads.install(services_for, server_log(None))
    return [koreader]


def start(ctx):
    """Called when a server is built with BookBoss (where calibre lets us see it)."""
    services_for(ctx)
