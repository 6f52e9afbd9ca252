"""The /koreader endpoint inside calibre's content server: one calibre endpoint whose sponge
component hands every request under /koreader to the WSGI app.

Importing this module applies calibre's @endpoint, which imports calibre.srv.handler:
import it only once a server is being built (registration.py), never from initialize().
"""

import traceback

from calibre.srv.routes import endpoint

from ..app.kosync import PAGE_PATHS, json_bytes, normal_path
from ..app.webdav import is_dav_path
from ..core.protocol import STORAGE_FAILED
from . import calibre_compat, composition
from .log import ServerLog
from .wsgi_bridge import build_environ, call_wsgi

PREFIX = '/koreader'
JSON_TYPE = 'application/json'
WEBDAV_METHODS = ('PROPFIND', 'MKCOL')  # what KOReader's WebDAV client sends beyond calibre's methods


@endpoint(PREFIX + '/{+rest=""}',
          methods=('GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'TRACE') + WEBDAV_METHODS,
          auth_required=False, cache_control='no-cache')
def koreader(ctx, rd, rest):
    """KOReader's API straight from calibre's request (KosyncApi.handle); KOReader's WebDAV
    folder (/koreader/dav, DavApi.handle) likewise; the browser page (GET /koreader, POST
    /koreader/link) through the WSGI bridge to its Bottle app."""
    path = normal_path('/' + rest)
    try:
        services = composition.services_for(ctx)
    except Exception:
        ServerLog(ctx)('BookBoss: could not start:\n' + traceback.format_exc())
        return _json(rd, STORAGE_FAILED.status, json_bytes(STORAGE_FAILED.body()))
    if is_dav_path(path):
        return _dav(rd, services.dav.handle(CalibreRequest(rd, path)))
    if path not in PAGE_PATHS:
        answer = services.api.handle(CalibreRequest(rd, path))
        for name, value in answer.headers:
            rd.outheaders.set(name, value, replace_all=True)
        if answer.user:
            rd.username = answer.user  # calibre's per-user permissions apply from here on
        return _json(rd, answer.status, answer.body)
    return _page(ctx, rd, services, path)


def _json(rd, status, body):
    rd.status_code = status
    rd.outheaders.set('Content-Type', JSON_TYPE, replace_all=True)
    return body


def _dav(rd, answer):
    rd.status_code = answer.status
    for name, value in answer.headers:
        rd.outheaders.set(name, value, replace_all=True)
    if answer.user:
        rd.username = answer.user
    if answer.etag is not None:
        return calibre_compat.etagged_answer(rd, answer.etag, answer.body, answer.content_type)
    rd.outheaders.set('Content-Type', answer.content_type, replace_all=True)
    return answer.body


def _page(ctx, rd, services, path):
    """The browser page uses calibre's own login; calibre renders the challenge when
    require_calibre_login raises."""
    opts = ctx.opts
    scheme = 'https' if getattr(opts, 'ssl_certfile', None) and getattr(opts, 'ssl_keyfile', None) else 'http'
    prefix = (getattr(opts, 'url_prefix', None) or '').rstrip('/')
    services.accounts.refresh()  # calibre's users as of this request
    auth_enabled = calibre_compat.require_calibre_login(ctx, rd, koreader)
    extra = {'calibre.ctx': ctx, 'calibre.rd': rd, 'bookboss.auth_enabled': auth_enabled,
             'bookboss.page_user': rd.username if auth_enabled else None}
    environ = build_environ(rd, path.lstrip('/'), prefix + PREFIX, scheme, extra)
    return call_wsgi(services.page_app, environ, rd)


class CalibreRequest:
    """app.ports.Request over calibre's request data (rd): calibre has parsed the headers
    (values that are not UTF-8 stay bytes) and read the body into rd.request_body_file."""

    __slots__ = ('rd', 'method', 'path', 'remote_addr')

    def __init__(self, rd, path):
        self.rd, self.path = rd, path
        self.method = 'GET' if rd.method == 'HEAD' else rd.method  # calibre drops a HEAD's body
        self.remote_addr = rd.remote_addr or ''

    def header(self, name):
        values = self.rd.inheaders.get(name, all=True)
        if len(values) == 1:
            value = values[0]
            return value if isinstance(value, str) else None
        if not values or any(not isinstance(v, str) for v in values):
            return None
        return ','.join(values)

    def body(self, limit):
        f = self.rd.request_body_file
        return f.read(limit + 1)


def endpoints():
    """The endpoint list, for either registration path; also installs the download hook."""
    composition.install_download_hook()
    calibre_compat.allow_http_methods(WEBDAV_METHODS)
    return [koreader]


def start(ctx):
    """A server is being built with BookBoss: start its services (and the library index)."""
    composition.services_for(ctx)
