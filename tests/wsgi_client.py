"""Call a WSGI app in-process and get back what a client would see."""

import io
import json
from wsgiref.util import setup_testing_defaults


def call(app, method, path, body=None, headers=None, remote_addr='192.0.2.10'):
    """(status int, headers dict, body bytes)."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode('utf-8')
    elif isinstance(body, str):
        body = body.encode('utf-8')
    body = body or b''
    environ = {}
    setup_testing_defaults(environ)
    environ.update({
        'REQUEST_METHOD': method,
        'PATH_INFO': path.encode('utf-8').decode('latin-1'),
        'SCRIPT_NAME': '/koreader',
        'REMOTE_ADDR': remote_addr,
        'CONTENT_LENGTH': str(len(body)),
        'wsgi.input': io.BytesIO(body),
    })
    for name, value in (headers or {}).items():
        key = name.upper().replace('-', '_')
        if isinstance(value, str):
            value = value.encode('utf-8')
        environ[key if key == 'CONTENT_TYPE' else 'HTTP_' + key] = value.decode('latin-1')
    captured = {}

    def start_response(status, response_headers, exc_info=None):
        captured['status'] = int(status.split()[0])
        captured['headers'] = response_headers

    out = b''.join(app(environ, start_response))
    return captured['status'], dict(captured['headers']), out
