"""Faults: a killed server, and a sidecar that is locked, read-only, on a full disk or
cannot be created. Every answer is JSON (502/2000 for storage), calibre-server keeps
running, and every acknowledged push survives."""

import json
import os
import signal
import sqlite3
import subprocess
import threading
import time

import pytest

from harness import CalibreServer
from koreader_client import Device

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason='SKIPPED: mounting a read-only or full filesystem needs root')


@pytest.fixture(scope='module')
def library(home):
    home.add_user('kim', 'pw')
    return home.library('Library', [('Faulty Book', 'Ann Author', 2)])


def push_raw(server, doc, pct, progress='x'):
    body = json.dumps({'document': doc, 'percentage': pct, 'progress': progress, 'device': 'K', 'device_id': 'I'})
    return server.request('PUT', '/koreader/syncs/progress', body.encode(),
                          Device(server, 'kim', 'pw').headers, timeout=30)


def assert_storage_error(answer):
    status, headers, raw = answer
    assert (status, dict(headers)['Content-Type'], json.loads(raw)) == (
        502, 'application/json', {'code': 2000, 'message': 'Unknown server error.'})


def test_kill_9_during_a_push_storm_loses_no_acknowledged_push(home, library):
    server = CalibreServer(home, [library]).start()
    acked, sent, stop = {}, {}, threading.Event()

    def storm(n):
        dev = Device(server, 'kim', 'pw', f'Storm {n}', f'{n}'.ljust(32, '0'))
        i = 0
        while not stop.is_set():
            doc = f'storm{n}doc{i % 7}'
            pct = round((i % 100) / 100 + 0.001, 4)
            sent[doc] = pct
            try:
                dev.push(doc, pct)
            except Exception:
                return
            acked[doc] = pct
            i += 1

    threads = [threading.Thread(target=storm, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    time.sleep(2)
    os.killpg(server.proc.pid, signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join()
    server.proc.wait()
    with sqlite3.connect(home.sidecar) as c:
        assert c.execute('PRAGMA integrity_check').fetchone()[0] == 'ok'
    server.start()
    try:
        assert len(acked) >= 20
        for doc, pct in acked.items():
            got = Device(server, 'kim', 'pw').pull(doc)['percentage']
            assert got in (pct, sent[doc]), doc  # the acknowledged one, or the one in flight at the kill
        with home.settled_sidecar() as c:  # what the killed server had only logged is applied now
            for doc, pct in acked.items():
                row = c.execute("SELECT percentage FROM progress WHERE user='kim' AND document=?", (doc,)).fetchone()
                assert row is not None and row[0] in (pct, sent[doc]), doc
    finally:
        server.stop()


def test_a_locked_sidecar_answers_502_json_quickly_and_recovers(home, library):
    server = CalibreServer(home, [library]).start()
    try:
        assert push_raw(server, 'before-lock', 0.1)[0] == 200
        locker = sqlite3.connect(home.sidecar, isolation_level=None)
        locker.execute('BEGIN EXCLUSIVE')
        try:
            t = time.monotonic()
            assert_storage_error(push_raw(server, 'while-locked', 0.2))
            assert time.monotonic() - t < 4  # inside KOReader's 5 s budget for a push
            assert server.request('GET', '/koreader/healthcheck')[0] == 200
        finally:
            locker.execute('ROLLBACK')
            locker.close()
        assert push_raw(server, 'after-lock', 0.3)[0] == 200
        assert 'sidecar store failure' in server.output()
    finally:
        server.stop()


def mount(*args):
    subprocess.run(['mount', *args], check=True)


@ROOT_ONLY
def test_a_read_only_sidecar_answers_502_json_and_keeps_its_data(home, library):
    server = CalibreServer(home, [library]).start()
    assert push_raw(server, 'kept', 0.4)[0] == 200
    server.stop()
    folder = os.path.dirname(home.sidecar)
    mount('--bind', folder, folder)
    try:
        mount('-o', 'remount,bind,ro', folder)
        server.start()
        try:
            assert_storage_error(push_raw(server, 'refused', 0.5))
            assert server.request('GET', '/koreader/healthcheck')[0] == 200
            assert 'sidecar store failure' in server.output()
        finally:
            server.stop()
    finally:
        subprocess.run(['umount', folder], check=True)
    server.start()
    try:
        assert Device(server, 'kim', 'pw').pull('kept')['percentage'] == 0.4
    finally:
        server.stop()


@ROOT_ONLY
def test_a_full_disk_answers_502_json_and_the_server_goes_on(home, library, tmp_path):
    small = tmp_path / 'small'
    small.mkdir()
    mount('-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', str(small))
    try:
        home.env['BOOKBOSS_SIDECAR'] = str(small / 'bookboss.sqlite')
        server = CalibreServer(home, [library]).start()
        try:
            assert push_raw(server, 'small', 0.1)[0] == 200
            try:  # fill the disk to the last block
                with open(small / 'filler', 'wb') as f:
                    while True:
                        f.write(b'\0' * 4096)
                        f.flush()
            except OSError:
                pass
            answers = [push_raw(server, f'big{i}', 0.2, 'p' * 8000) for i in range(20)]
            assert_storage_error(next(a for a in answers if a[0] != 200))
            os.remove(small / 'filler')
            assert push_raw(server, 'after', 0.3)[0] == 200
            assert Device(server, 'kim', 'pw').pull('small')['percentage'] == 0.1
        finally:
            server.stop()
    finally:
        home.env.pop('BOOKBOSS_SIDECAR', None)
        subprocess.run(['umount', str(small)], check=True)


def test_a_sidecar_folder_that_cannot_be_created_answers_502_json(home, library, tmp_path):
    blocker = tmp_path / 'not-a-folder'
    blocker.write_text('a file where the config folder should be')
    home.env['BOOKBOSS_SIDECAR'] = str(blocker / 'plugins' / 'BookBoss' / 'bookboss.sqlite')
    try:
        server = CalibreServer(home, [library]).start()
        try:
            assert_storage_error(push_raw(server, 'nowhere', 0.1))
            status, headers, raw = server.request('GET', '/koreader/syncs/progress/nowhere', None,
                                                  Device(server, 'kim', 'pw').headers)
            assert status == 502 and json.loads(raw)['code'] == 2000
            assert server.request('GET', '/opds')[0] == 200
        finally:
            server.stop()
    finally:
        home.env.pop('BOOKBOSS_SIDECAR', None)
