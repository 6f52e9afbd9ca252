"""The kosync HTTP API as a WSGI application (Bottle).

Routes read like the protocol table; every answer, errors included, is JSON with
exactly ``Content-Type: application/json`` (several KOReader releases cannot decode
anything else). Errors are raised as KosyncError and rendered in one place.
"""

import json
import re

from ..core.protocol import (
    ACCOUNTS_IN_CALIBRE, BAD_JSON, MAX_BODY_BYTES, REGISTRATION_DISABLED, STORAGE_FAILED,
    KosyncError, invalid, normalize_document, parse_push, progress_record)
from ..store import StoreError
from ..vendor import bottle

JSON_HEADERS = {'Content-Type': 'application/json'}
SLASHES = re.compile(r'/{2,}')


def json_bytes(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(',', ':')).encode('utf-8')


def json_response(obj, status=200, headers=None):
    return bottle.HTTPResponse(body=json_bytes(obj), status=status,
                               headers=dict(JSON_HEADERS, **(headers or {})))


def _reject_constant(name):
    raise ValueError(f'{name} is not JSON')


def read_json_body(environ):
    """The request body parsed as JSON, within the body cap."""
    try:
        length = int(environ.get('CONTENT_LENGTH') or -1)
    except ValueError:
        length = -1
    if length > MAX_BODY_BYTES:
        raise invalid(f'Request body is larger than {MAX_BODY_BYTES} bytes.')
    data = environ['wsgi.input'].read(MAX_BODY_BYTES + 1 if length < 0 else length)
    if len(data) > MAX_BODY_BYTES:
        raise invalid(f'Request body is larger than {MAX_BODY_BYTES} bytes.')
    try:
        return json.loads(data.decode('utf-8'), parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BAD_JSON from None


class KosyncApp(bottle.Bottle):
    """Bottle app whose own errors (404, 405, crashes) are JSON too."""

    def __init__(self, log):
        super().__init__(catchall=True)
        self.log = log

    def default_error_handler(self, res):
        if res.status_code >= 500:
            self.log('BookBoss: unexpected error in the kosync app:\n' + (res.traceback or ''))
            error = STORAGE_FAILED
            bottle.response.status = error.status
            body = error.body()
        else:
            path = bottle.request.fullpath
            body = {'code': res.status_code, 'message': {
                404: f'Not found: {path}',
                405: f'Method {bottle.request.method} is not allowed for {path}',
            }.get(res.status_code, res.status_line)}
        bottle.response.set_header('Content-Type', 'application/json')
        return json_bytes(body)

    def __call__(self, environ, start_response):
        path = SLASHES.sub('/', environ.get('PATH_INFO') or '/')
        if len(path) > 1:
            path = path.rstrip('/')
        environ['PATH_INFO'] = path or '/'
        return super().__call__(environ, start_response)


def make_app(sync, authenticator, page=None, log=print):
    """Build the kosync WSGI app around its collaborators.

    sync: app.sync.Sync (every use case); authenticator: authenticate(environ) -> username
    or a 401 KosyncError (app.auth.Authenticator); page: app.page.SetupPage for the browser
    page at the root, or None.
    """
    app = KosyncApp(log)

    def rendered(callback):
        def wrapper(*args, **kwargs):
            try:
                out = callback(*args, **kwargs)
            except KosyncError as e:
                return json_response(e.body(), e.status)
            except StoreError as e:
                log(f'BookBoss: sidecar store failure: {e}')
                return json_response(STORAGE_FAILED.body(), STORAGE_FAILED.status)
            return out if isinstance(out, bottle.HTTPResponse) else json_response(out)
        return wrapper
    app.install(rendered)

    def user():
        environ = bottle.request.environ
        environ['bookboss.user'] = name = authenticator.authenticate(environ)
        return name

    @app.get('/healthcheck')
    def healthcheck():
        return {'state': 'OK'}

    @app.get('/users/auth')
    def authorize():
        user()
        return {'authorized': 'OK'}

    @app.post('/users/create')
    def register():
        raise REGISTRATION_DISABLED

    @app.put('/users/password')
    @app.delete('/users/me')
    def manage_account():
        user()
        raise ACCOUNTS_IN_CALIBRE

    @app.put('/syncs/progress')
    def update_progress():
        name = user()
        push = parse_push(read_json_body(bottle.request.environ))
        return {'document': push['document'], 'timestamp': sync.push(name, push)}

    @app.get('/syncs/progress')
    def progress_without_document():
        raise KosyncError(404, 404, 'No document given: use /syncs/progress/<document>')

    @app.get('/syncs/progress/<document:path>')
    def get_progress(document):
        name = user()
        return progress_record(sync.pull(name, normalize_document(document)))

    if page is not None:
        page.install(app)
    return app
