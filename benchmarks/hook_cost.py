#!/usr/bin/env python3
"""The download hook's own cost per call, in-process: a served file version already hashed
(every repeat, Range or HEAD download) and a new version (hash + sidecar transaction).

Usage: /usr/bin/python3 benchmarks/hook_cost.py [--calls 20000] [--mb 8]
Runs BookBoss's DownloadRecorder on a real multi-MB file with a real sidecar; calibre's
library object is stood in for (title, authors, ids), as in tests/unit/test_download_recorder.py.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from types import SimpleNamespace

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'tests'))
import conftest  # noqa: E402,F401  (calibre's path, and the plugin staged as `bookboss`)
from bookboss.plugin.app.matching import Matcher  # noqa: E402
from bookboss.plugin.app.sync import Sync  # noqa: E402
from bookboss.plugin.host.downloads import DownloadRecorder  # noqa: E402
from bookboss.plugin.store import Store  # noqa: E402
from fakes import Libraries  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--calls', type=int, default=20000)
    parser.add_argument('--mb', type=int, default=8)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, 'served.epub')
    with open(path, 'wb') as f:
        f.write(os.urandom(args.mb * 1024 * 1024))
    store = Store(os.path.join(tmp, 'bookboss.sqlite'))
    db = SimpleNamespace(library_id='uuid', server_library_id='Library', backend=SimpleNamespace(library_path=tmp),
                         field_for=lambda f, b: {'title': 'Big Book', 'authors': ('Bench Author',)}[f])
    ctx = SimpleNamespace(url_for=lambda p, **kw: f"/get/{kw['what']}/{kw['book_id']}/{kw['library_id']}")
    recorder = DownloadRecorder(Sync(store, Matcher(store, Libraries('uuid'))), print)
    rd = SimpleNamespace(method='GET', username='bench',
                         outheaders={'Content-Disposition': 'attachment; filename="Big Book - Bench Author_1.epub"'})
    with open(path, 'rb') as f:
        new_version = []
        for i in range(200):  # each call a different book id: a version never seen
            t = time.perf_counter()
            recorder.record(ctx, rd, db, 100000 + i, 'epub', f)
            new_version.append(time.perf_counter() - t)
        repeat = []
        for _ in range(args.calls):
            t = time.perf_counter()
            recorder.record(ctx, rd, db, 100000, 'epub', f)
            repeat.append(time.perf_counter() - t)
    recorder.flush()
    print(f'{args.mb} MB file, sidecar synchronous=FULL')
    print(f'new file version (hash + record): median {statistics.median(new_version) * 1000:.3f} ms')
    print(f'version already hashed:           median {statistics.median(repeat) * 1000:.4f} ms '
          f'over {args.calls} calls')


if __name__ == '__main__':
    main()
