"""The /koreader endpoint inside calibre's content server: one calibre endpoint whose sponge
component hands every request under /koreader to the WSGI app.

Importing this module applies calibre's @endpoint, which imports calibre.srv.handler:
import it only once a server is being built (registration.py), never from initialize().
"""

import traceback

from calibre.srv.routes import endpoint

from ..app.kosync import json_bytes
from ..core.protocol import STORAGE_FAILED
from . import calibre_compat, composition
from .log import ServerLog
from .wsgi_bridge import build_environ, call_wsgi

PREFIX = '/koreader'
PAGE_PATHS = ('', 'link')  # the browser page; everything else under /koreader is KOReader's API


@endpoint(PREFIX + '/{+rest=""}', methods=('GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'TRACE'),
          auth_required=False, cache_control='no-cache')
def koreader(ctx, rd, rest):
    opts = ctx.opts
    scheme = 'https' if getattr(opts, 'ssl_certfile', None) and getattr(opts, 'ssl_keyfile', None) else 'http'
    prefix = (getattr(opts, 'url_prefix', None) or '').rstrip('/')
    extra = {'calibre.ctx': ctx, 'calibre.rd': rd}
    try:
        services = composition.services_for(ctx)
        if rest in PAGE_PATHS:
            services.accounts.refresh()  # calibre's users as of this request
    except Exception:
        ServerLog(ctx)('BookBoss: could not start:\n' + traceback.format_exc())
        rd.status_code = STORAGE_FAILED.status
        rd.outheaders.set('Content-Type', 'application/json', replace_all=True)
        return json_bytes(STORAGE_FAILED.body())
    if rest in PAGE_PATHS:
        # The browser page uses calibre's own login; calibre renders the challenge when this
        # raises. KOReader's API paths never come here.
        auth_enabled = calibre_compat.require_calibre_login(ctx, rd, koreader)
        extra.update({'bookboss.auth_enabled': auth_enabled,
                      'bookboss.page_user': rd.username if auth_enabled else None})
    environ = build_environ(rd, rest, prefix + PREFIX, scheme, extra)
    body = call_wsgi(services.app, environ, rd)
    if environ.get('bookboss.user'):
        rd.username = environ['bookboss.user']  # calibre's per-user permissions apply from here on
    return body


def endpoints():
    """The endpoint list, for either registration path; also installs the download hook."""
    composition.install_download_hook()
    return [koreader]


def start(ctx):
    """A server is being built with BookBoss: start its services (and the library index)."""
    composition.services_for(ctx)
