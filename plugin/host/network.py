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
