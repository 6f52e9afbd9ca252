"""Run a WSGI application for one calibre request (rd) and hand its answer back.

calibre has already read the request body into rd.request_body_file and split the
path; the sponge component `rest` becomes PATH_INFO. Header values travel as
PEP 3333 latin-1 "bytes as str".
"""

import sys

SKIPPED_RESPONSE_HEADERS = {'content-length', 'connection', 'transfer-encoding'}


def _wsgi_str(value):
    if isinstance(value, bytes):
        return value.decode('latin-1')
    return value.encode('utf-8', 'surrogateescape').decode('latin-1')


def _body_size(f):
    pos = f.tell()
    f.seek(0, 2)
    size = f.tell()
    f.seek(pos)
    return size - pos


def build_environ(rd, rest, script_name, url_scheme='http', extra=None):
    uri = rd.request_original_uri or b''
    query = uri.partition(b'?')[2] if isinstance(uri, bytes) else uri.partition('?')[2]
    body = rd.request_body_file
    environ = {
        # HEAD runs as GET: calibre then drops the body but keeps its Content-Length.
        'REQUEST_METHOD': 'GET' if rd.method == 'HEAD' else rd.method,
        'SCRIPT_NAME': _wsgi_str(script_name),
        'PATH_INFO': _wsgi_str('/' + rest),
        'QUERY_STRING': _wsgi_str(query),
        'SERVER_PROTOCOL': rd.response_protocol or 'HTTP/1.1',
        'REMOTE_ADDR': rd.remote_addr or '',
        'REMOTE_PORT': str(rd.remote_port or ''),
        'SERVER_NAME': 'localhost',
        'SERVER_PORT': '80',
        'CONTENT_LENGTH': str(_body_size(body)),
        'wsgi.version': (1, 0),
        'wsgi.url_scheme': url_scheme,
        'wsgi.input': body,
        'wsgi.errors': sys.stderr,
        'wsgi.multithread': True,
        'wsgi.multiprocess': False,
        'wsgi.run_once': False,
    }
    for name, value in rd.inheaders.items():
        if '_' in name:
            # X_Forwarded_For would become the same WSGI key as X-Forwarded-For and be merged
            # into it: a client could then choose the address the throttle sees. Headers
            # spelled with underscores are dropped, as nginx and Apache do.
            continue
        key = name.upper().replace('-', '_')
        if key == 'CONTENT_LENGTH':
            continue
        if key != 'CONTENT_TYPE':
            key = 'HTTP_' + key
        value = _wsgi_str(value)
        environ[key] = environ[key] + ',' + value if key in environ else value
    host = environ.get('HTTP_HOST', '')
    if host:
        name, _, port = host.rpartition(':') if host.rsplit(':', 1)[-1].isdigit() else (host, '', '')
        environ['SERVER_NAME'] = name or host
        environ['SERVER_PORT'] = port or ('443' if url_scheme == 'https' else '80')
    environ.update(extra or {})
    return environ


def call_wsgi(app, environ, rd):
    """Call app, copy status and headers onto rd, return the body as bytes."""
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured['status'], captured['headers'] = status, headers
        return lambda data: None

    result = app(environ, start_response)
    try:
        body = b''.join(result)
    finally:
        if hasattr(result, 'close'):
            result.close()
    rd.status_code = int(captured['status'].split(None, 1)[0])
    for name, value in captured['headers']:
        if name.lower() not in SKIPPED_RESPONSE_HEADERS:
            rd.outheaders.set(name, value, replace_all=True)
    return body
