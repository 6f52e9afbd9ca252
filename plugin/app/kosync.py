"""The kosync HTTP API: the protocol table, and every answer rendered in one place.

Routes read like the protocol table; every answer, errors included, is JSON with exactly
``Content-Type: application/json`` (several KOReader releases cannot decode anything else).
Errors are raised as KosyncError and rendered in one place. The API works on an
app.ports.Request: calibre's endpoint hands it calibre's own request object (no WSGI, no
framework on KOReader's path); make_app() serves it (and the browser page, a Bottle app) over
WSGI for the tests.
"""

import json
import re
from typing import NamedTuple, Optional

from ..core.protocol import (
    ACCOUNTS_IN_CALIBRE, BAD_JSON, MAX_BODY_BYTES, REGISTRATION_DISABLED, STORAGE_FAILED,
    KosyncError, invalid, normalize_document, parse_push, progress_record)
from ..store import StoreError
from ..vendor import bottle

JSON_TYPE = 'application/json'
SLASHES = re.compile(r'/{2,}')
PAGE_PATHS = ('/', '/link')  # the browser page; everything else is KOReader's API
DOCUMENT_ROOT = '/syncs/progress/'


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(',', ':'))


def json_bytes(obj):
    return _ENCODER.encode(obj).encode('utf-8')


def _reject_constant(name):
    raise ValueError(f'{name} is not JSON')


def normal_path(path):
    """Repeated slashes are one, a trailing slash is dropped: '/syncs//progress/' is
    '/syncs/progress'."""
    if not path:
        return '/'
    if '//' in path:
        path = SLASHES.sub('/', path)
    if len(path) > 1 and path[-1] == '/':
        path = path.rstrip('/') or '/'
    return path


def read_json_body(request):
    """The request body parsed as JSON, within the body cap."""
    data = request.body(MAX_BODY_BYTES)
    if len(data) > MAX_BODY_BYTES:
        raise invalid(f'Request body is larger than {MAX_BODY_BYTES} bytes.')
    try:
        return json.loads(data.decode('utf-8'), parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BAD_JSON from None


class Answer(NamedTuple):
    status: int
    body: bytes  # JSON
    user: Optional[str] = None  # who logged in, when someone did
    headers: tuple = ()  # (name, value) beyond Content-Type


class KosyncApi:
    """The kosync protocol: handle(request) -> Answer, whatever carries the request.

    sync: app.sync.Sync (every use case); authenticator: authenticate(request) -> username or
    a 401 KosyncError (app.auth.Authenticator); root: the path KOReader's server URL names
    (for messages)."""

    def __init__(self, sync, authenticator, log=print, root='/koreader'):
        self.sync, self.authenticator, self.log, self.root = sync, authenticator, log, root
        self.routes = {  # path -> {method: handler(request, user_box)}
            '/healthcheck': {'GET': self.healthcheck},
            '/users/auth': {'GET': self.authorize},
            '/users/create': {'POST': self.register},
            '/users/password': {'PUT': self.manage_account},
            '/users/me': {'DELETE': self.manage_account},
            '/syncs/progress': {'PUT': self.update_progress, 'GET': self.progress_without_document},
        }
        self.document_routes = {'GET': self.get_progress}  # /syncs/progress/<document>

    # -- the protocol table ---------------------------------------------------------------

    def healthcheck(self, request, who, _=None):
        return {'state': 'OK'}

    def authorize(self, request, who, _=None):
        who.login(request)
        return {'authorized': 'OK'}

    def register(self, request, who, _=None):
        raise REGISTRATION_DISABLED

    def manage_account(self, request, who, _=None):
        who.login(request)
        raise ACCOUNTS_IN_CALIBRE

    def update_progress(self, request, who, _=None):
        user = who.login(request)
        push = parse_push(read_json_body(request))
        return {'document': push['document'], 'timestamp': self.sync.push(user, push)}

    def progress_without_document(self, request, who, _=None):
        raise KosyncError(404, 404, 'No document given: use /syncs/progress/<document>')

    def get_progress(self, request, who, document):
        user = who.login(request)
        return progress_record(self.sync.pull(user, normalize_document(document)))

    # -- dispatch, and every answer rendered here -------------------------------------------

    def handle(self, request):
        path = normal_path(request.path)
        who = _Login(self.authenticator)
        try:
            handler, argument, allowed = self._route(request.method, path)
            if handler is None:
                if allowed:
                    return Answer(405, json_bytes({'code': 405, 'message':
                                  f'Method {request.method} is not allowed for {self.root}{path}'}),
                                  headers=(('Allow', ', '.join(sorted(allowed))),))
                return Answer(404, json_bytes({'code': 404, 'message': f'Not found: {self.root}{path}'}))
            out = handler(request, who, argument)
            return Answer(200, json_bytes(out), who.user)
        except KosyncError as e:
            return Answer(e.status, json_bytes(e.body()), who.user)
        except StoreError as e:
            self.log(f'BookBoss: sidecar store failure: {e}')
        except Exception:
            import traceback
            self.log('BookBoss: unexpected error in the kosync API:\n' + traceback.format_exc())
        return Answer(STORAGE_FAILED.status, json_bytes(STORAGE_FAILED.body()), who.user)

    def _route(self, method, path):
        """(handler, argument, allowed methods: only when there is no handler)."""
        if path.startswith(DOCUMENT_ROOT) and len(path) > len(DOCUMENT_ROOT):
            methods, argument = self.document_routes, path[len(DOCUMENT_ROOT):]
        else:
            methods, argument = self.routes.get(path, {}), None
        handler = methods.get(method)
        if handler is not None:
            return handler, argument, None
        return None, argument, set(methods) | ({'HEAD'} if 'GET' in methods else set())


class _Login:
    """The login of one request, made when a handler first needs it."""

    __slots__ = ('authenticator', 'user')

    def __init__(self, authenticator):
        self.authenticator, self.user = authenticator, None

    def login(self, request):
        if self.user is None:
            self.user = self.authenticator.authenticate(request)
        return self.user


class WsgiRequest:
    """app.ports.Request over a WSGI environ (PEP 3333: header values are latin-1 "bytes as str")."""

    def __init__(self, environ, path=None):
        self.environ = environ
        self.method = environ.get('REQUEST_METHOD', 'GET')
        if self.method == 'HEAD':
            self.method = 'GET'
        self.path = path if path is not None else _wsgi_text(environ.get('PATH_INFO')) or '/'
        self.remote_addr = environ.get('REMOTE_ADDR') or ''

    def header(self, name):
        key = name.upper().replace('-', '_')
        return _wsgi_text(self.environ.get(key if key == 'CONTENT_TYPE' else 'HTTP_' + key))

    def body(self, limit):
        try:
            length = int(self.environ.get('CONTENT_LENGTH') or -1)
        except ValueError:
            length = -1
        return self.environ['wsgi.input'].read(limit + 1 if length < 0 or length > limit else length)


def _wsgi_text(value):
    if value is None:
        return None
    try:
        return value.encode('latin-1').decode('utf-8')
    except UnicodeError:
        return None


def make_app(sync, authenticator, page=None, log=print):
    """The kosync API (and, when given, the browser page: app.page.SetupPage) as one WSGI app,
    for the tests and any WSGI server. Its `api` is the KosyncApi."""
    api = KosyncApi(sync, authenticator, log)
    site = page.app(log) if page is not None else None

    def app(environ, start_response):
        path = normal_path(_wsgi_text(environ.get('PATH_INFO')) or '/')
        if site is not None and path in PAGE_PATHS:
            environ['PATH_INFO'] = path
            return site(environ, start_response)
        answer = api.handle(WsgiRequest(environ, path))
        if answer.user:
            environ['bookboss.user'] = answer.user
        start_response(f'{answer.status} {bottle.HTTP_CODES.get(answer.status, "")}'.rstrip(),
                       [('Content-Type', JSON_TYPE), *answer.headers])
        return [answer.body]
    app.api = api
    return app

