#!/usr/bin/env python3
"""kosync GET and PUT vs calibre's own /ajax/library-info on one calibre-server, measured side
by side in one run with wrk (a real HTTP load generator, keep-alive), 1 and 8 clients.

Conditions (printed with the results): calibre authentication off, kosync credentials
checked on every request, a document linked to one of alice's books, alice's column set
mapped (status, percent, last read, finished), the PUT percentage advancing 0.001 a push (a
visible column change every tenth push). Also the durable-commit floor: one SQLite commit
(WAL, synchronous=FULL) on the same filesystem, and PUT against (calibre's endpoint + one
durable commit).

Usage: /usr/bin/python3 benchmarks/kosync_wrk.py [--seconds 10]   (installs wrk when missing, as root)
"""

import argparse
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'tests'))
from harness import CalibreHome, CalibreServer, built_zip, calibre_version  # noqa: E402
from koreader_client import Device, md5_text, partial_md5  # noqa: E402

GET_LUA = '''
wrk.headers["x-auth-user"] = "alice"
wrk.headers["x-auth-key"] = "{key}"
wrk.headers["Accept"] = "application/vnd.koreader.v1+json"
'''
PUT_LUA = GET_LUA + '''
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  local pct = ((n + {offset}) % 1000) / 1000
  local body = string.format('{{"document":"{doc}","percentage":%.3f,"progress":"/body/DocFragment[3]/body/p[%d]/text().0","device":"Bench","device_id":"BENCH{tag}"}}', pct, n)
  return wrk.format(nil, "/koreader/syncs/progress", nil, body)
end
'''


def ensure_wrk():
    if shutil.which('wrk') is None:
        if os.geteuid() != 0:
            sys.exit('wrk is missing: apt-get install wrk')
        subprocess.run(['apt-get', 'install', '-y', '-q', 'wrk'], check=True, stdout=subprocess.DEVNULL)


def wrk(url, lua, clients, seconds):
    """(median ms, p99 ms, requests/s) from one wrk run."""
    with tempfile.NamedTemporaryFile('w', suffix='.lua', delete=False) as f:
        f.write(lua)
    threads = 1 if clients == 1 else 2
    out = subprocess.run(['wrk', '-t', str(threads), '-c', str(clients), '-d', f'{seconds}s', '--latency',
                          '-s', f.name, url], capture_output=True, text=True, check=True).stdout
    os.remove(f.name)
    if 'Non-2xx' in out:
        sys.exit('wrk saw non-2xx answers:\n' + out)

    def ms(label):
        value, unit = re.search(rf'^\s+{label}\s+([\d.]+)(us|ms|s)\s*$', out, re.M).groups()
        return float(value) * {'us': 0.001, 'ms': 1, 's': 1000}[unit]
    return ms('50%'), ms('99%'), float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))


def durable_commit_ms(folder, n=2000):
    path = os.path.join(folder, 'commit-floor.sqlite')
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute('PRAGMA journal_mode=WAL')
    conn.execute('PRAGMA synchronous=FULL')
    conn.execute('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)')
    times = []
    for i in range(n):
        t = time.perf_counter()
        conn.execute('BEGIN IMMEDIATE')
        conn.execute('INSERT OR REPLACE INTO t VALUES (?, ?)', (i % 50, 'x' * 100))
        conn.execute('COMMIT')
        times.append(time.perf_counter() - t)
    conn.close()
    return statistics.median(times) * 1000


def setup():
    home = CalibreHome(built_zip())
    library = home.library('Library')
    home.add_user('alice', 'pw')
    home.run('calibre-debug', '-r', 'BookBoss', '--', 'columns', 'create', '--library', library,
             '--userdb', home.userdb)
    server = CalibreServer(home, [library]).start()
    try:
        kobo = Device(server, 'alice', 'pw')
        data, _ = kobo.download('/get/epub/1/Library')
        doc = partial_md5(data)
        kobo.push(doc, 0.001)
        deadline = time.monotonic() + 10  # the push log is applied in the background (linking the document)
        while True:
            with sqlite3.connect(home.sidecar) as c:
                if c.execute('SELECT COUNT(*) FROM document_links WHERE document=?', (doc,)).fetchone()[0] == 1:
                    break
            assert time.monotonic() < deadline, 'the document was not linked'
            time.sleep(0.05)
    except BaseException:
        print(server.output()[-3000:], file=sys.stderr)
        server.stop()
        raise
    return home, server, doc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--seconds', type=int, default=10)
    args = parser.parse_args()
    ensure_wrk()
    home, server, doc = setup()
    base = f'http://127.0.0.1:{server.port}'
    key = md5_text('pw')
    kinds = [('calibre /ajax/library-info', '/ajax/library-info', ''),
             ('BookBoss healthcheck', '/koreader/healthcheck', ''),
             ('BookBoss GET progress', f'/koreader/syncs/progress/{doc}', GET_LUA.format(key=key)),
             ('BookBoss PUT progress', '/koreader', None)]
    results = {}
    try:
        for clients in (1, 8):
            for name, path, lua in kinds + [('calibre /ajax/library-info (again)', '/ajax/library-info', '')]:
                if lua is None:
                    lua = PUT_LUA.format(key=key, doc=doc, offset=clients * 100, tag=clients)
                wrk(base + path, lua, clients, 2)  # warm-up
                results[(name, clients)] = wrk(base + path, lua, clients, args.seconds)
        floor = durable_commit_ms(os.path.dirname(home.sidecar))
    finally:
        server.stop()
        home.cleanup()
    print(f'{calibre_version()}, {os.cpu_count()} cores, wrk keep-alive, {args.seconds} s per run; calibre auth off, '
          f'kosync credentials checked on every request; the document is linked to one of alice\'s books and '
          f'alice\'s column set is mapped; PUT percentage advances 0.001 a push')
    print(f'durable commit (WAL, synchronous=FULL) on the same filesystem: median {floor:.3f} ms')
    for clients in (1, 8):
        calibre = [results[(k, clients)] for k in ('calibre /ajax/library-info', 'calibre /ajax/library-info (again)')]
        c_median = statistics.mean(r[0] for r in calibre)
        c_rps = statistics.mean(r[2] for r in calibre)
        print(f'\n{clients} client(s):')
        for name, _, _ in kinds:
            median, p99, rps = results[(name, clients)]
            line = (f'  {name:<28} median {median:6.3f} ms  p99 {p99:7.3f} ms  {rps:8.0f} req/s   '
                    f'median x{median / c_median:.2f}  throughput x{rps / c_rps:.2f}')
            if name.endswith('PUT progress'):
                line += f'  median vs (calibre + one durable commit) x{median / (c_median + floor):.2f}'
            print(line)


if __name__ == '__main__':
    main()
