"""The /koreader endpoint inside calibre's content server.

Importing this module applies calibre's @endpoint, which imports calibre.srv.handler:
import it only once the server is being built (registration.py), never from
initialize().
"""

import sys
import threading

from calibre.srv.routes import endpoint

from . import config
from .auth import Authenticator
from .kosync_app import make_app
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
    def log(msg):
        target = getattr(ctx, 'log', None)
        if target is not None:
            target.error(msg)
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


def build_app(ctx):
    log = server_log(ctx)
    authenticator = Authenticator(CalibreAccounts(ctx.user_manager), throttle_for(ctx.opts),
                                  trusted_proxies=config.prefs()['trusted_proxies'], log=log)
    return make_app(shared_store(config.sidecar_path()), authenticator, log)


def app_for(ctx):
    app = getattr(ctx, 'bookboss_app', None)
    if app is None:
        with _lock:
            app = getattr(ctx, 'bookboss_app', None)
            if app is None:
                app = ctx.bookboss_app = build_app(ctx)
    return app


@endpoint(PREFIX + '/{+rest=""}', methods=('GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'TRACE'),
          auth_required=False, cache_control='no-cache')
def koreader(ctx, rd, rest):
    opts = ctx.opts
    scheme = 'https' if getattr(opts, 'ssl_certfile', None) and getattr(opts, 'ssl_keyfile', None) else 'http'
    prefix = (getattr(opts, 'url_prefix', None) or '').rstrip('/')
    environ = build_environ(rd, rest, prefix + PREFIX, scheme, {'calibre.ctx': ctx, 'calibre.rd': rd})
    body = call_wsgi(app_for(ctx), environ, rd)
    if environ.get('bookboss.user'):
        rd.username = environ['bookboss.user']  # calibre's per-user permissions apply from here on
    return body


def endpoints():
    return [koreader]
