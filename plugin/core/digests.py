"""KOReader's document digests (protocol reference §6).

partial MD5: MD5 over up to 1024 bytes read at each of twelve fixed offsets, stopping
at the first offset at or past the end of the file; a short last sample is hashed as
read. LuaJIT masks the shift count, so the first offset is 0, not 256.
"""

import hashlib
import os

OFFSETS = (0, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216,
           67108864, 268435456, 1073741824)
SAMPLE_SIZE = 1024


def _read_up_to(f, n):
    chunks = []
    while n > 0:
        data = f.read(n)
        if not data:
            break
        chunks.append(data)
        n -= len(data)
    return b''.join(chunks)


def partial_md5_of(f, size=None):
    """Partial MD5 of an open binary file; its position is restored afterwards."""
    position = f.tell()
    try:
        if size is None:
            size = f.seek(0, os.SEEK_END)
        h = hashlib.md5()
        for offset in OFFSETS:
            if offset >= size:
                break
            f.seek(offset)
            h.update(_read_up_to(f, SAMPLE_SIZE))
        return h.hexdigest()
    finally:
        f.seek(position)


def partial_md5(path):
    with open(path, 'rb') as f:
        return partial_md5_of(f)


def name_md5(basename):
    """KOReader's "filename" checksum: MD5 of the raw UTF-8 basename, extension included."""
    return hashlib.md5(basename.encode('utf-8')).hexdigest()
