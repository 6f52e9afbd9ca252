#!/usr/bin/env python3
"""Library index throughput on a generated library of N real EPUB files (default 20,000).

Usage: /usr/bin/python3 benchmarks/index_throughput.py [--books 20000]
Builds the library with calibre's own API, then runs `calibre-debug -r BookBoss -- index`
twice on an empty sidecar with the page cache warm (the files were just written): a full
index, then an incremental one (nothing changed). Prints files/second of the index itself
(and of the whole command, calibre start-up and library opening included).
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'tests'))
from harness import CalibreHome, built_zip, calibre_version  # noqa: E402

GENERATE = r'''
import os, sys, tempfile
sys.path.insert(0, {scripts!r})
import demo_library
from calibre.db.legacy import LibraryDatabase
from calibre.ebooks.metadata.book.base import Metadata
db = LibraryDatabase({library!r}).new_api
tmp = tempfile.mkdtemp()
batch = []
for i in range({books}):
    path = os.path.join(tmp, f'b{{i}}.epub')
    demo_library.make_epub(path, f'Generated Book {{i}}', f'Author {{i % 97}}', chapters=2, paragraphs=20 + i % 50)
    batch.append((Metadata(f'Generated Book {{i}}', [f'Author {{i % 97}}']), {{'EPUB': path}}))
    if len(batch) == 200:
        db.add_books(batch); batch = []
if batch:
    db.add_books(batch)
db.close()
'''


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--books', type=int, default=20000)
    args = parser.parse_args()
    home = CalibreHome(built_zip())
    library = os.path.join(home.base, 'Generated')
    os.makedirs(library)
    t = time.perf_counter()
    home.run('calibre-debug', '-c', GENERATE.format(scripts=os.path.join(os.path.dirname(HERE), 'scripts'),
                                                   library=library, books=args.books))
    print(f'{calibre_version()}; generated {args.books} books in {time.perf_counter() - t:.0f} s')
    for label in ('full index', 'incremental index (nothing changed)'):
        t = time.perf_counter()
        out = home.run('calibre-debug', '-r', 'BookBoss', '--', 'index', '--library', library, '--json').stdout
        elapsed = time.perf_counter() - t
        result = json.loads(out)
        files = result['files_hashed'] + result['files_unchanged']
        print(f'{label}: {files} files in {result["seconds"]:.2f} s = {files / result["seconds"]:,.0f} files/s '
              f'({result["files_hashed"]} hashed, {result["files_unchanged"]} unchanged); whole command '
              f'{elapsed:.2f} s including calibre start-up and opening the library')
    home.cleanup()


if __name__ == '__main__':
    main()
