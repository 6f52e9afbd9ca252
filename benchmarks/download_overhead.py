#!/usr/bin/env python3
"""/get of a multi-MB EPUB through calibre-server, with and without BookBoss, in one run.

Usage: /usr/bin/python3 benchmarks/download_overhead.py [--rounds 4] [--requests 40] [--mb 8]
Rounds alternate plugin enabled / disabled on the same config folder and library, so
drift on a busy machine hits both sides. Prints the median time per download and the ratio.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'tests'))
from harness import CalibreHome, CalibreServer, built_zip, calibre_version  # noqa: E402
from koreader_client import basic  # noqa: E402
import demo_library  # noqa: E402


def big_epub(path, mb):
    demo_library.make_epub(path, 'Big Book', 'Bench Author', chapters=3)
    with zipfile.ZipFile(path, 'a') as z:
        z.writestr('images/noise.bin', os.urandom(mb * 1024 * 1024), zipfile.ZIP_STORED)
    return path


def measure(server, href, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        status, _, body = server.request('GET', href, None, basic('bench', 'pw'), timeout=120)
        times.append(time.perf_counter() - t)
        assert status == 200 and len(body) > 1_000_000
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--rounds', type=int, default=4)
    parser.add_argument('--requests', type=int, default=40)
    parser.add_argument('--mb', type=int, default=8)
    args = parser.parse_args()
    home = CalibreHome(built_zip())
    tmp = tempfile.mkdtemp()
    library = os.path.join(home.base, 'Library')
    epub = big_epub(os.path.join(tmp, 'big.epub'), args.mb)
    home.run('calibredb', '--library-path', library, 'add', epub)
    home.add_user('bench', 'pw')
    href = '/get/epub/1/Library'
    results = {True: [], False: []}
    for r in range(args.rounds * 2):
        enabled = r % 2 == 0
        home.run('calibre-customize', '--enable-plugin' if enabled else '--disable-plugin', 'BookBoss')
        server = CalibreServer(home, [library], '--enable-auth', '--auth-mode', 'basic').start()
        try:
            assert (server.request('GET', '/koreader/healthcheck')[0] == 200) == enabled
            measure(server, href, 3)  # warm calibre's metadata cache and BookBoss's hash
            results[enabled] += measure(server, href, args.requests)
        finally:
            server.stop()
    with_plugin, without = statistics.median(results[True]), statistics.median(results[False])
    size = os.path.getsize(epub) / 1e6
    print(f'{calibre_version()}; EPUB {size:.1f} MB; {len(results[True])} downloads per side')
    print(f'median /get without BookBoss: {without * 1000:.2f} ms')
    print(f'median /get with BookBoss:    {with_plugin * 1000:.2f} ms')
    print(f'ratio with/without: {with_plugin / without:.3f}')
    home.cleanup()


if __name__ == '__main__':
    main()
