"""Whether the sidecar changed, from the header of SQLite's WAL index (the -shm file beside a
database in WAL mode), without a query: what lets a pull's answer be kept in memory.

SQLite keeps two copies of a 48-byte header at the start of the -shm file (documented in
sqlite.org/walformat.html §2.1, version 3007000 since SQLite 3.7.0): every commit, by any
connection of any process, rewrites it (iChange counts transactions; mxFrame and the salts move
with every frame appended and every WAL reset), copy 2 first, copy 1 last. While the
header is being written the copies differ. The file is read with one pread, never mapped
(a mapping of a file another program truncates would crash the server).
"""

import os
import struct
import threading

HEADER = 48
VERSION = 3007000


class WalIndexWatch:

    def __init__(self, path):
        """path: the database file (its -shm beside it must exist: open a connection first)."""
        self.fd = os.open(path + '-shm', os.O_RDONLY | getattr(os, 'O_CLOEXEC', 0) | getattr(os, 'O_BINARY', 0))
        self.lock = threading.Lock()  # where there is no pread (Windows): seek and read together

    def token(self):
        """The current header (bytes), or None when it cannot tell (being written, another
        format): then nothing read may be kept."""
        try:
            data = self._header()
        except (OSError, TypeError, ValueError):  # closed meanwhile, or unreadable
            return None
        first = data[:HEADER]
        if len(data) < 2 * HEADER or first != data[HEADER:] or first[12] != 1:  # isInit
            return None
        if struct.unpack_from('=I', first)[0] != VERSION:
            return None
        return first

    def _header(self):
        if hasattr(os, 'pread'):
            return os.pread(self.fd, 2 * HEADER, 0)
        with self.lock:
            os.lseek(self.fd, 0, os.SEEK_SET)
            return os.read(self.fd, 2 * HEADER)

    @staticmethod
    def follows(before, after):
        """Whether after is the header of exactly one commit after before (iChange counts
        transactions, modulo 2**32)."""
        if before is None or after is None:
            return False
        (old,), (new,) = struct.unpack_from('=I', before, 8), struct.unpack_from('=I', after, 8)
        return new == (old + 1) & 0xFFFFFFFF

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
