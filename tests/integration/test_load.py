"""Many devices at once against a real calibre-server. Sizes: BOOKBOSS_LOAD_USERS,
BOOKBOSS_LOAD_DEVICES, BOOKBOSS_LOAD_OPS (CI: 3 x 4 x 200; full size in README)."""

import os
import random
import threading
import time

import pytest

from harness import CalibreServer
from koreader_client import Device, basic, partial_md5

USERS = int(os.environ.get('BOOKBOSS_LOAD_USERS', 3))
DEVICES = int(os.environ.get('BOOKBOSS_LOAD_DEVICES', 4))
OPS = int(os.environ.get('BOOKBOSS_LOAD_OPS', 200))


@pytest.fixture(scope='module')
def server(home):
    library = home.library('Library')
    for u in range(USERS):
        home.add_user(f'reader{u}', 'pw')
    srv = CalibreServer(home, [library], '--enable-auth', '--auth-mode', 'basic',
                        '--worker-count', '10').start()
    yield srv
    srv.stop()


def test_concurrent_devices_lose_no_acknowledged_push_and_calibre_keeps_answering(server):
    linked = partial_md5(Device(server, 'reader0', 'pw').download('/get/epub/1/Library')[0])
    last = {}          # (user, document) -> last acknowledged (percentage, progress)
    errors = []
    calibre_times = []
    stop = threading.Event()

    def device(u, d):
        user = f'reader{u}'
        dev = Device(server, user, 'pw', f'Device {d}', f'{u:02d}{d:02d}'.ljust(32, 'A'))
        # each document has one writer; reader0's device 0 also owns the linked book's digest
        documents = [f'u{u}d{d}doc{i}' for i in range(5)] + ([linked] if (u, d) == (0, 0) else [])
        local = random.Random(u * 100 + d)
        try:
            for n in range(OPS):
                doc = local.choice(documents)
                if local.random() < 0.6:
                    pct = round(local.random(), 4)
                    dev.push(doc, pct, f'/body/p[{n}]')
                    last[(user, doc)] = (pct, f'/body/p[{n}]')
                else:
                    other = f'u{u}d{local.randrange(DEVICES)}doc{local.randrange(5)}'
                    got = dev.pull(other)
                    assert got == {} or 0 <= got['percentage'] <= 1
        except Exception as e:  # reported below
            errors.append(repr(e))

    def calibre_client():
        while not stop.is_set():
            for path in ('/opds', '/get/epub/2/Library'):
                t = time.monotonic()
                status, _, _ = server.request('GET', path, None, basic('reader0', 'pw'), timeout=30)
                calibre_times.append((path, status, time.monotonic() - t))

    threads = [threading.Thread(target=device, args=(u, d)) for u in range(USERS) for d in range(DEVICES)]
    watcher = threading.Thread(target=calibre_client)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    watcher.join()
    assert errors == []
    for (user, doc), (pct, progress) in last.items():
        got = Device(server, user, 'pw').pull(doc)
        assert (got['percentage'], got['progress']) == (pct, progress), (user, doc)
    assert calibre_times and all(status == 200 for _, status, _ in calibre_times)
    assert max(t for _, _, t in calibre_times) < 5, 'an ordinary calibre request hung during the load'
