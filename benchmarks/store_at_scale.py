#!/usr/bin/env python3
"""Sidecar operations with 1,000,000 progress rows (and as many digests).

Usage: python3 benchmarks/store_at_scale.py [--rows 1000000] [--users 1000]
Any Python 3 (no calibre needed): the plugin's store is imported from the tree build.py writes.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import build  # noqa: E402

stage = tempfile.mkdtemp()
build.write_tree(build.plugin_files(build.bottle_source()), stage)
sys.path.insert(0, stage)
from plugin.app.sync import Sync  # noqa: E402
from plugin.core.books import Book, BookFormat  # noqa: E402
from plugin.store import Store  # noqa: E402


class EveryDocumentIsBook:
    """Matching stood in for: each push is linked to book i (the sync service's linked path)."""
    book_id = 0

    def match(self, user, document, metadata, linked):
        return BookFormat(Book('lib', self.book_id), 'EPUB')


def timed(fn, n):
    times = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t)
    times.sort()
    return statistics.median(times) * 1000, times[int(n * 0.95)] * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--rows', type=int, default=1_000_000)
    parser.add_argument('--users', type=int, default=1000)
    args = parser.parse_args()
    path = os.path.join(tempfile.mkdtemp(), 'bookboss.sqlite')
    store = Store(path)
    store.counts()
    conn = store._connection()
    t = time.perf_counter()
    per_user = args.rows // args.users
    conn.execute('BEGIN')
    conn.executemany(
        'INSERT INTO progress VALUES (?, ?, ?, ?, ?, ?, ?, NULL)',
        ((f'user{u}', f'{u:08d}{d:024d}', 0.5, '/body/p[1]', 'Kobo', f'DEV{u}', 1_700_000_000 + d)
         for u in range(args.users) for d in range(per_user)))
    conn.executemany(
        'INSERT INTO digests VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)',
        ((f'{u:08d}{d:024d}', 'served', 'lib', u * per_user + d, 'EPUB', 1, 1)
         for u in range(args.users) for d in range(per_user)))
    conn.execute('COMMIT')
    fill = time.perf_counter() - t
    size = os.path.getsize(path) / 1e6
    rng = random.Random(1)

    def doc():
        u, d = rng.randrange(args.users), rng.randrange(per_user)
        return f'user{u}', f'{u:08d}{d:024d}'

    push = dict(percentage=0.6, progress='/body/p[2]', device='Kindle', device_id='X', metadata=None)
    linked = EveryDocumentIsBook()
    sync = Sync(store, linked, log=print)

    def linked_push(i):
        linked.book_id = i
        sync.push('user1', dict(push, document=doc()[1]))
    results = {
        'get_progress (pull, unlinked)': timed(lambda i: store.get_progress(*doc()), 2000),
        'candidates (digest -> books)': timed(lambda i: store.candidates(doc()[1], 'user1'), 2000),
        'position_for (pull, linked)': timed(lambda i: store.position_for(*doc(), BookFormat(Book('lib', 1), 'EPUB')), 2000),
        'record_push (synchronous=FULL)': timed(lambda i: store.record_push(doc()[0], dict(push, document=doc()[1])), 500),
        'Sync.push linked to a book': timed(linked_push, 500),
        'unmatched(user) (setup page)': timed(lambda i: store.unmatched(doc()[0]), 100),
    }
    print(f'{args.rows:,} progress rows and {args.rows:,} digests for {args.users} users: '
          f'filled in {fill:.0f} s, {size:.0f} MB on disk')
    for name, (median, p95) in results.items():
        print(f'{name:<34} median {median:7.3f} ms   p95 {p95:7.3f} ms')


if __name__ == '__main__':
    main()
