"""This machine's addresses, for telling a device where the server is."""

import socket


def lan_addresses():
    """This machine's non-loopback IPv4 addresses (no packet is sent), outgoing interface first."""
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


EVERY_INTERFACE = ('', '0.0.0.0', '::', '[::]')  # and None (calibre 9.x's default)


def listens_everywhere(listen_on):
    return (listen_on or '').strip() in EVERY_INTERFACE


def sync_url(listen_on, port, url_prefix='', public_url='', lan=None):
    """The URL a device types into KOReader (Progress sync > Custom sync server), on every
    calibre line: public_url when set (behind a proxy); else the address calibre listens on,
    or this machine's LAN address when it listens on every interface (listen_on None on
    calibre 9.x, '', '0.0.0.0', '::'); calibre's --url-prefix included."""
    if public_url:
        return public_url.rstrip('/') + '/koreader'
    host = (listen_on or '').strip()
    if listens_everywhere(host):
        addresses = lan_addresses() if lan is None else lan
        host = addresses[0] if addresses else 'THIS-COMPUTER'
    if ':' in host and not host.startswith('['):
        host = f'[{host}]'  # an IPv6 address in a URL
    prefix = '/' + (url_prefix or '').strip('/') if (url_prefix or '').strip('/') else ''
    return f'http://{host}:{port}{prefix}/koreader'
