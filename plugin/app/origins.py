"""Which origin this server has for a browser, and whether a request came from it.

A malformed Host or Origin header is a 400 for the page, never a crash. The origin is the
`public_url` setting when set, else the Host header the browser sent with its port, and the
scheme the browser used (X-Forwarded-Proto believed only from a trusted proxy).
"""

from urllib.parse import urlsplit

DEFAULT_PORTS = {'http': 80, 'https': 443}


class BadHost(ValueError):
    """A Host or Origin header that names no host:port."""


def parse_host(value):
    """(host lower-cased, port or None) of a Host header; BadHost when it is malformed."""
    if not value or any(c in value for c in '/?#@\\ \t'):
        raise BadHost(value)
    try:
        parts = urlsplit('//' + value)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise BadHost(value) from None
    if not host:
        raise BadHost(value)
    return host, port


def origin_of(url):
    """(scheme, host, port) of an http(s) URL or Origin header; None for anything else (an
    opaque "null" origin); BadHost for an http(s) URL whose host:port is malformed."""
    scheme = (url or '').partition(':')[0].lower()
    if scheme not in DEFAULT_PORTS:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        raise BadHost(url) from None
    host, port = parse_host(parts.netloc)
    return scheme, host, port or DEFAULT_PORTS[scheme]


def request_scheme(environ, trusted_proxies=()):
    scheme = environ.get('wsgi.url_scheme', 'http')
    if environ.get('REMOTE_ADDR') in trusted_proxies:
        forwarded = (environ.get('HTTP_X_FORWARDED_PROTO') or '').split(',')[-1].strip().lower()
        if forwarded in DEFAULT_PORTS:
            scheme = forwarded
    return scheme


def server_origin(environ, public_url='', trusted_proxies=()):
    """(scheme, host, port) of this server as the browser addressed it; BadHost for a bad Host."""
    if public_url:
        return origin_of(public_url)
    scheme = request_scheme(environ, trusted_proxies)
    host, port = parse_host(environ.get('HTTP_HOST') or environ.get('SERVER_NAME'))
    return scheme, host, port or DEFAULT_PORTS[scheme]

