#!/usr/bin/env python3
"""kosync latency as the library grows: a linked pull, a linked push and pushes of an unknown
document whose KOReader metadata names a title (matching one book, matching none), at 10 and at
--books books, for an unrestricted and a search-restricted user, each relative to
/koreader/healthcheck measured in the same run (one client, keep-alive).

Books are generated with calibre's own API (metadata-only, except one real EPUB that the
linked document is a download of). --cache DIR keeps the generated library there and copies it
for later runs (generating 100,000 books takes a while). Usage:
  /usr/bin/python3 benchmarks/library_scaling.py [--books 100000] [--requests 300] [--cache DIR]
"""

import argparse
import http.client
import json
import os
import shutil
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'tests'))
from harness import CalibreHome, CalibreServer, built_zip, calibre_version  # noqa: E402
from koreader_client import Device, md5_text, partial_md5  # noqa: E402

GENERATE = r'''
import sys, time
from calibre.db.legacy import LibraryDatabase
from calibre.ebooks.metadata.book.base import Metadata
db = LibraryDatabase(sys.argv[-2]).new_api
db.backend.execute('PRAGMA synchronous=OFF')  # a throwaway library: no fsync per book
n = int(sys.argv[-1])
t = time.time()
have = len(db.all_book_ids())
batch = []
for i in range(have, n):
    mi = Metadata(f'Generated Title {i:06d}', [f'Author {i % 997}'])
    mi.tags = ['hidden'] if i % 10 == 0 else ['shelf']
    batch.append((mi, {}))
    if len(batch) == 2000:
        db.add_books(batch, run_hooks=False)
        batch = []
if batch:
    db.add_books(batch, run_hooks=False)
db.close()
print('generated', n - have, 'books in', round(time.time() - t), 's')
'''


def timed(server, method, path, body=None, headers=None, n=300):
    conn = http.client.HTTPConnection('127.0.0.1', server.port, timeout=60)
    times = []
    try:
        for i in range(n + 30):
            b = body(i) if callable(body) else body
            t = time.perf_counter()
            conn.request(method, path, body=b, headers=headers or {})
            resp = conn.getresponse()
            resp.read()
            if i >= 30:
                times.append(time.perf_counter() - t)
            assert resp.status == 200, resp.status
    finally:
        conn.close()
    return statistics.median(times) * 1000


def generated_library(home, books, cache=None):
    """A library of one real EPUB plus generated metadata-only books (copied from cache/ when
    an earlier run left one there)."""
    kept = os.path.join(cache, f'library-{books}') if cache else None
    if kept and os.path.exists(os.path.join(kept, 'metadata.db')):
        library = os.path.join(home.base, 'Library')
        shutil.copytree(kept, library)
        return library
    library = home.library('Library', [('Real Book', 'Real Author', 4)])
    if books > 1:
        script = os.path.join(home.base, 'generate.py')
        with open(script, 'w') as f:
            f.write(GENERATE)
        print(home.run('calibre-debug', script, library, str(books)).stdout.strip(), flush=True)
    if kept:
        shutil.copytree(library, kept + '.tmp')
        os.replace(kept + '.tmp', kept)
    return library


def measure(books, requests, cache=None):
    home = CalibreHome(built_zip())
    library = generated_library(home, books, cache)
    home.add_user('alice', 'pw')
    home.add_user('rita', 'pw')
    home.users('libraries', '--action', 'per-library', 'rita', 'Library', 'not tags:hidden')
    home.run('calibre-debug', '-r', 'BookBoss', '--', 'columns', 'create', '--library', library, '--userdb',
             home.userdb, '--user', 'alice')
    server = CalibreServer(home, [library], '--enable-auth', '--auth-mode', 'basic').start(timeout=600)
    results = {}
    try:
        for user in ('alice', 'rita'):
            device = Device(server, user, 'pw')
            data, _ = device.download('/get/epub/1/Library')
            doc = partial_md5(data)
            device.push(doc, 0.1)
            headers = dict(device.headers, **{'Content-Type': 'application/json'})
            target = f'Generated Title {books // 2:06d}' if books > 1 else 'Real Book'
            target_author = f'Author {(books // 2) % 997}' if books > 1 else 'Real Author'

            def push_body(document, metadata=None):
                def body(i):
                    b = {'document': document, 'percentage': (i % 1000) / 1000, 'progress': '/p', 'device': 'Bench',
                         'device_id': 'BENCH'}
                    if metadata:
                        b['metadata'] = metadata
                    return json.dumps(b).encode()
                return body
            rows = {
                'healthcheck': timed(server, 'GET', '/koreader/healthcheck', n=requests),
                'linked pull': timed(server, 'GET', f'/koreader/syncs/progress/{doc}', headers=device.headers, n=requests),
                'linked push': timed(server, 'PUT', '/koreader/syncs/progress', push_body(doc), headers, requests),
                'metadata push, one match': timed(server, 'PUT', '/koreader/syncs/progress', push_body(
                    md5_text(user + 'one'), {'title': target, 'authors': target_author}), headers, requests),
                'metadata push, no match': timed(server, 'PUT', '/koreader/syncs/progress', push_body(
                    md5_text(user + 'none'), {'title': 'No Such Title Anywhere', 'authors': 'Nobody'}), headers, requests),
            }
            results[user] = rows
    finally:
        server.stop()
        home.cleanup()
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--books', type=int, default=100000)
    parser.add_argument('--requests', type=int, default=300)
    parser.add_argument('--cache', help='keep generated libraries in this folder for later runs')
    parser.add_argument('--generate-only', action='store_true')
    args = parser.parse_args()
    if args.generate_only:
        home = CalibreHome(built_zip())
        try:
            generated_library(home, args.books, args.cache)
        finally:
            home.cleanup()
        return
    small = measure(10, args.requests, args.cache)
    large = measure(args.books, args.requests, args.cache)
    print(f'{calibre_version()}; one client, keep-alive, {args.requests} requests each, median ms; '
          f'rita is restricted to "not tags:hidden" (90 % of the books); alice owns a mapped column set')
    for user in ('alice', 'rita'):
        print(f'\n{user}:{"":<26}{"10 books":>22}{f"{args.books:,} books":>26}   ratio of the ratios')
        for kind in small[user]:
            s, l = small[user][kind], large[user][kind]
            rs, rl = s / small[user]['healthcheck'], l / large[user]['healthcheck']
            print(f'  {kind:<28} {s:7.3f} ms (x{rs:5.2f})   {l:9.3f} ms (x{rl:5.2f})   x{rl / rs:5.2f}')


if __name__ == '__main__':
    main()
