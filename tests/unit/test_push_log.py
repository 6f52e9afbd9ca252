"""The push log: a push is acknowledged as one durable row and applied later, in batches, with
the effect of applying each push at once."""

import sqlite3

import pytest

from bookboss.plugin.app import push_log
from bookboss.plugin.store import Store
from fakes import push
from test_sync import A, World

TABLES = {  # what applying writes, without row ids and link times
    'progress': 'SELECT user, document, percentage, progress, device, device_id, timestamp, metadata FROM progress',
    'push_history': 'SELECT user, document, percentage, progress, device, device_id, timestamp FROM push_history',
    'document_links': 'SELECT user, document, library_uuid, book_id, format FROM document_links',
    'book_progress': 'SELECT * FROM book_progress',
    'reading_state': 'SELECT * FROM reading_state',
    'pending_writes': 'SELECT projection, user, library_uuid, book_id FROM pending_writes',
}


def rows(store):
    with sqlite3.connect(store.path) as c:
        return {t: sorted(c.execute(sql).fetchall(), key=repr) for t, sql in TABLES.items()}


def logged(store):
    with sqlite3.connect(store.path) as c:
        return c.execute('SELECT COUNT(*) FROM push_log').fetchone()[0]


PUSHES = [  # (user, document, percentage, time, device_id, metadata)
    ('alice', 'd1', 0.1, 100, 'K', {'title': 'One'}),
    ('alice', 'd1', 0.4, 110, 'K', None),
    ('alice', 'd2', 0.6, 130, 'P', None),  # another download of the same book
    ('alice', 'd1', 1.0, 140, 'K', None),
    ('bob', 'd1', 0.3, 150, 'B', None),
    ('alice', 'd2', 0.7, 160, 'P', None),
    ('alice', 'loose', 0.2, 170, 'P', {'title': 'Nowhere'}),  # never matched: its metadata stays
    ('alice', 'loose', 0.3, 180, 'P', None),
]


def play(world):
    for user, doc, pct, at, device_id, metadata in PUSHES:
        world.clock.now = at
        world.sync.push(user, push(doc, pct, f'p{pct}', 'Kobo', device_id, metadata))


def test_pushes_applied_in_one_batch_leave_what_pushes_applied_one_by_one_leave(tmp_path):
    stores = [Store(str(tmp_path / 'at-once.sqlite')), Store(str(tmp_path / 'logged.sqlite'))]
    for store in stores:
        store.record_digests([('d1', 'served', A, 'alice', None), ('d2', 'served', A, 'alice', None)])
    at_once, later = World(stores[0]), World(stores[1], logged=True)
    play(at_once)
    play(later)
    assert logged(stores[1]) == len(PUSHES) and rows(stores[1])['progress'] == []
    assert rows(stores[1])['pending_writes'] == []  # nothing reaches calibre before it is applied
    later.projections.drain()  # the background writer's run: one batch, then the projections
    at_once.projections.drain()
    assert logged(stores[1]) == 0
    assert rows(stores[1]) == rows(stores[0])
    assert set(later.projection.applied) == set(at_once.projection.applied) == {('alice', A.book), ('bob', A.book)}
    assert stores[0].reading_state('alice', A.book)['status'] == 'Read'
    for store in stores:
        store.close()


def test_a_pull_answers_a_push_not_applied_yet(store):
    w = World(store, logged=True)
    store.record_digests([('d1', 'served', A, 'alice', None)])
    w.clock.now = 500
    w.sync.push('alice', push('d1', 0.25, '/p25', 'Kobo', 'K'))
    w.sync.pulls.clear()  # nothing in memory: the pull reads the sidecar
    assert w.sync.pull('alice', 'd1')['percentage'] == 0.25
    assert logged(store) == 0 and store.reading_state('alice', A.book)['status'] == 'Reading'


def test_a_push_logged_before_a_download_linked_its_document_reaches_the_book(store):
    w = World(store, logged=True)
    w.clock.now = 700
    w.sync.push('alice', push('side', 1.0, '/end', 'Kobo', 'K'))  # unknown when logged
    w.sync.record_digests([('side', 'served', A, 'alice', None)])  # the download that names it
    w.projections.drain()
    state = store.reading_state('alice', A.book)
    assert (state['status'], state['finished']) == ('Read', 700)
    assert store.linked_book('alice', 'side') == A


def test_what_a_stopped_server_left_logged_is_answered_and_applied_by_the_next(tmp_path):
    path = str(tmp_path / 'bookboss.sqlite')
    first = Store(path)
    first.record_digests([('d1', 'served', A, 'alice', None)])
    World(first, logged=True).sync.push('alice', push('d1', 0.5, '/p50', 'Kobo', 'K'))
    first.close()  # stopped before its writer ran
    second = Store(path)
    w = World(second, logged=True)
    assert w.sync.pull('alice', 'd1')['percentage'] == 0.5
    assert second.book_position('alice', A)['percentage'] == 0.5 and logged(second) == 0
    second.close()


def test_a_push_that_cannot_be_applied_stays_logged_and_holds_back_no_other(store, monkeypatch):
    w = World(store, logged=True)
    messages = []
    w.sync.log = messages.append
    add = push_log.LoggedBatch.add

    def failing(self, user, p, timestamp, fmt, status):
        if p['document'] == 'bad':
            raise ValueError('cannot')
        return add(self, user, p, timestamp, fmt, status)
    monkeypatch.setattr(push_log.LoggedBatch, 'add', failing)
    for doc in ('good1', 'bad', 'good2'):
        w.sync.push('alice', push(doc, 0.5, '/p', 'Kobo', 'K'))
    w.projections.drain()
    assert logged(store) == 1
    assert store.get_progress('alice', 'good1') and store.get_progress('alice', 'good2')
    assert store.get_progress('alice', 'bad') is None
    assert any('kept, retried' in m for m in messages)
    monkeypatch.setattr(push_log.LoggedBatch, 'add', add)
    w.projections.drain()  # the next run applies it
    assert logged(store) == 0 and store.get_progress('alice', 'bad')['percentage'] == 0.5


def test_a_new_document_only_in_the_log_counts_toward_the_document_limit(store):
    from bookboss.plugin.core.limits import Limits
    w = World(store, logged=True)
    w.sync.limits = Limits(documents_per_user=2)
    w.sync.push('alice', push('a', 0.1))
    w.sync.push('alice', push('b', 0.1))
    w.sync.push('alice', push('a', 0.2))  # a known document is always accepted
    with pytest.raises(Exception, match='2003|documents'):
        w.sync.push('alice', push('c', 0.1))
    assert logged(store) == 3


def test_a_logged_push_that_reaches_a_book_linked_meanwhile_queues_and_wakes_the_projections(store):
    w = World(store, logged=True)
    w.clock.now = 800
    w.sync.push('alice', push('side', 0.4, '/p40', 'Kobo', 'K'))  # unknown when logged
    with store.transaction() as tx:  # linked meanwhile by another program (the command line)
        tx.save_link('alice', 'side', A, 790)
    woken = w.background.woken
    w.sync.pull('alice', 'side')  # applies the log first
    assert [(r['projection'], r['user'], r['book']) for r in store.pending_writes()] == [('recording', 'alice', A.book)]
    assert w.background.woken == woken + 1
    assert store.reading_state('alice', A.book)['percentage'] == 0.4


# -- calibre written at most once per round (write_every), the log applied at every run --------

def cadenced_world(store, clock):
    return World(store, logged=True, write_every=1.0, monotonic=lambda: clock[0])


def test_pushes_within_a_write_round_are_applied_at_once_and_written_to_calibre_once(store):
    clock = [100.0]
    w = cadenced_world(store, clock)
    store.record_digests([('d1', 'served', A, 'alice', None)])
    w.sync.push('alice', push('d1', 0.1, '/p10', 'Kobo', 'K'))
    assert w.projections.drain() is None and w.projection.applied == [('alice', A.book)]  # first: at once
    w.sync.push('alice', push('d1', 0.2, '/p20', 'Kobo', 'K'))
    clock[0] = 100.4
    assert w.projections.drain() == pytest.approx(0.6)  # due in 0.6 s: the worker runs again then
    assert store.book_position('alice', A)['percentage'] == 0.2  # the log was applied all the same
    assert w.projection.applied == [('alice', A.book)]
    clock[0] = 101.0
    assert w.projections.drain() is None and w.projection.applied == [('alice', A.book)] * 2


def test_a_write_that_failed_waits_for_the_retry_cadence_not_the_next_round(store):
    clock = [100.0]
    w = cadenced_world(store, clock)
    store.record_digests([('d1', 'served', A, 'alice', None)])
    w.projection.failing = True
    w.sync.push('alice', push('d1', 0.1, '/p10', 'Kobo', 'K'))
    assert w.projections.drain() is None  # failed: stays queued
    clock[0] = 100.5
    assert w.projections.drain() is None  # only a retry is queued: no sooner run asked for


def test_the_background_worker_runs_again_when_its_work_asks():
    import threading
    from bookboss.plugin.host.background import PeriodicWorker
    runs = []
    done = threading.Event()

    def work():
        runs.append(1)
        if len(runs) == 2:
            done.set()
        return 0.05 if len(runs) == 1 else None
    PeriodicWorker('test', 30, work, print).wake()
    assert done.wait(5) and len(runs) == 2  # the second run came without a wake-up, well before 30 s
