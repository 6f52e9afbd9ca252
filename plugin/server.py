"""The /koreader endpoint inside calibre's content server.

Importing this module applies calibre's @endpoint, which imports calibre.srv.handler:
import it only once the server is being built (registration.py), never from
initialize().
"""

import sys
import threading

from calibre.srv.routes import endpoint

from . import config, downloads
from .auth import Authenticator
from .calibre_libraries import CalibreLibraries
from .catalog import Catalog
from .column_writer import ColumnWriter
from .downloads import DownloadRecorder
from .kosync_app import make_app
from .library_index import index_server_libraries
from .store import Store
from .throttle import DEFAULT_BLOCK_SECONDS, DEFAULT_FAILURES, LoginThrottle
from .wsgi_bridge import build_environ, call_wsgi

PREFIX = '/koreader'
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


def shared_store(path):
    """One Store per sidecar file per process (the GUI may build several servers)."""
    with _lock:
        store = _stores.get(path)
        if store is None:
            store = _stores[path] = Store(path)
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
        self.app = make_app(self.store, authenticator, self.catalog, self.columns, log)
        if self.store.pending_projections():
            self.columns.start_drainer()
        self.indexer = threading.Thread(target=index_server_libraries, name='BookBossIndex', daemon=True,
                                        args=(ctx, self.store, self.catalog, log))
        self.indexer.start()


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
    environ = build_environ(rd, rest, prefix + PREFIX, scheme, {'calibre.ctx': ctx, 'calibre.rd': rd})
    body = call_wsgi(services_for(ctx).app, environ, rd)
    if environ.get('bookboss.user'):
        rd.username = environ['bookboss.user']  # calibre's per-user permissions apply from here on
    return body


def endpoints():
    """The endpoint list, for either registration path; also installs the download hook."""
    downloads.install(services_for, server_log(None))
    return [koreader]


def start(ctx):
    """Called when a server is built with BookBoss (where calibre lets us see it)."""
    services_for(ctx)
