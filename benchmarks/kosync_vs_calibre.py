#!/usr/bin/env python3
"""kosync GET and PUT through calibre-server vs calibre's own lightest JSON endpoint, on the
same server in one run: latency (median, p95) and throughput with N concurrent clients.

Usage: /usr/bin/python3 benchmarks/kosync_vs_calibre.py [--requests 2000] [--clients 8]
calibre's endpoint: /ajax/library-info (a small JSON object, no database query).
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'tests'))
from harness import CalibreHome, CalibreServer, built_zip, calibre_version  # noqa: E402
from koreader_client import Device  # noqa: E402


def run(server, make_request, total, clients):
    """(latencies in seconds, requests per second) over total requests from `clients` threads."""
    latencies, lock = [], threading.Lock()
    per_client = total // clients

    def client(n):
        conn = http.client.HTTPConnection('127.0.0.1', server.port, timeout=30)
        mine = []
        for i in range(per_client):
            method, path, body, headers = make_request(n, i)
            t = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            mine.append(time.perf_counter() - t)
            assert resp.status == 200, resp.status
        conn.close()
        with lock:
            latencies.extend(mine)
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return latencies, len(latencies) / (time.perf_counter() - t)


def describe(name, result):
    lat, rps = result
    lat = sorted(lat)
    return (f'{name:<28} median {statistics.median(lat) * 1000:6.2f} ms  p95 {lat[int(len(lat) * 0.95)] * 1000:6.2f} ms'
            f'  {rps:7.0f} req/s'), statistics.median(lat), rps


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--requests', type=int, default=2000)
    parser.add_argument('--clients', type=int, default=8)
    args = parser.parse_args()
    home = CalibreHome(built_zip())
    library = home.library('Library')
    home.add_user('bench', 'pw')
    server = CalibreServer(home, [library]).start()
    try:
        headers = Device(server, 'bench', 'pw').headers
        for i in range(50):
            Device(server, 'bench', 'pw').push(f'doc{i}', 0.5)

        def calibre_json(n, i):
            return 'GET', '/ajax/library-info', None, {}

        def kosync_get(n, i):
            return 'GET', f'/koreader/syncs/progress/doc{(n * 7 + i) % 50}', None, headers

        def kosync_put(n, i):
            body = json.dumps({'document': f'doc{(n * 7 + i) % 50}', 'percentage': (i % 100) / 100,
                               'progress': f'/body/p[{i}]', 'device': 'Bench', 'device_id': f'{n:032d}'})
            return 'PUT', '/koreader/syncs/progress', body.encode(), dict(headers, **{'Content-Type': 'application/json'})

        results = {}
        for name, make in (('calibre /ajax/library-info', calibre_json), ('kosync GET progress', kosync_get),
                           ('kosync PUT progress', kosync_put), ('calibre /ajax/library-info ', calibre_json)):
            run(server, make, min(200, args.requests), args.clients)  # warm-up
            results[name] = describe(name, run(server, make, args.requests, args.clients))
    finally:
        server.stop()
    print(f'{calibre_version()}; {args.requests} requests per kind, {args.clients} concurrent clients, keep-alive')
    for line, _, _ in results.values():
        print(line)
    base_median = statistics.mean([results['calibre /ajax/library-info'][1], results['calibre /ajax/library-info '][1]])
    base_rps = statistics.mean([results['calibre /ajax/library-info'][2], results['calibre /ajax/library-info '][2]])
    for name in ('kosync GET progress', 'kosync PUT progress'):
        _, median, rps = results[name]
        print(f'{name}: median latency x{median / base_median:.2f}, throughput x{rps / base_rps:.2f} '
              f'of calibre\'s endpoint (mean of the runs before and after)')
    home.cleanup()


if __name__ == '__main__':
    main()
