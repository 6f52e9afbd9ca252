import os
import sqlite3
import threading

import pytest

from bookboss.plugin.core.limits import Limits
from bookboss.plugin.store import SCHEMA_VERSION, Store, StoreError
from fakes import in_one_batch, push


@pytest.fixture
def store(tmp_path):
    s = Store(str(tmp_path / 'sub' / 'bookboss.sqlite'))
    yield s
    s.close()


def test_sidecar_is_wal_with_synchronous_full(store):
    assert store.pragma('journal_mode') == 'wal'
    assert store.pragma('synchronous') == 2  # FULL


def test_schema_is_versioned_and_created_from_version_zero(store):
    assert store.pragma('user_version') == SCHEMA_VERSION


def test_a_newer_schema_than_this_code_is_refused_not_damaged(tmp_path):
    path = str(tmp_path / 'x.sqlite')
    conn = sqlite3.connect(path)
    conn.execute(f'PRAGMA user_version={SCHEMA_VERSION + 1}')
    conn.close()
    with pytest.raises(StoreError):
        Store(path).get_progress('u', 'd')


def test_latest_push_wins_and_is_returned(store):
    store.record_push('alice', push(percentage=0.2), timestamp=100)
    store.record_push('alice', push(percentage=0.1, device='Kindle', device_id='ID2'), timestamp=200)
    row = store.get_progress('alice', 'doc')
    assert (row['percentage'], row['device'], row['device_id'], row['timestamp']) == (0.1, 'Kindle', 'ID2', 200)


def test_unknown_document_is_none(store):
    assert store.get_progress('alice', 'nothing') is None


def test_users_never_see_each_others_progress(store):
    store.record_push('alice', push(percentage=0.7))
    assert store.get_progress('bob', 'doc') is None
    store.record_push('bob', push(percentage=0.1))
    assert store.get_progress('alice', 'doc')['percentage'] == 0.7


def test_metadata_is_kept_when_a_later_push_has_none(store):
    store.record_push('alice', push(metadata={'title': 'Dune'}))
    store.record_push('alice', push(percentage=0.9))
    assert store.get_progress('alice', 'doc')['metadata'] == {'title': 'Dune'}
    store.record_push('alice', push(metadata={'title': 'Dune Messiah'}))
    assert store.get_progress('alice', 'doc')['metadata'] == {'title': 'Dune Messiah'}


def test_push_history_is_bounded_per_device(store):
    limits = Limits(history_per_device=5)
    for i in range(12):
        store.record_push('alice', push(percentage=i / 100), timestamp=1000 + i, limits=limits)
    store.record_push('alice', push(device_id='OTHER'), timestamp=2000, limits=limits)
    rows = store.push_history('alice', device_id='ID1')
    assert [r['percentage'] for r in rows] == [0.07, 0.08, 0.09, 0.10, 0.11]
    assert len(store.push_history('alice', device_id='OTHER')) == 1


def test_old_pushes_are_pruned_by_age(store):
    store.record_push('alice', push(), timestamp=1000)
    store.record_push('alice', push(), timestamp=1000 + Limits().history_days * 86400 + 1)
    assert len(store.push_history('alice')) == 1


def test_push_history_is_bounded_per_user_whatever_device_ids_a_client_invents(store):
    limits = Limits(history_per_user=20)
    for i in range(60):
        store.record_push('alice', push(document=f'd{i}', device_id=f'dev{i}'), timestamp=1000 + i, limits=limits)
    store.record_push('bob', push(), timestamp=3000, limits=limits)
    history = store.push_history('alice')
    assert len(history) == 20 and history[0]['document'] == 'd40'  # oldest pruned first
    assert store.user_counts('alice')['documents'] == 60  # every acknowledged latest position is kept
    assert len(store.push_history('bob')) == 1


def test_devices_lists_last_sync_and_document_per_device(store):
    store.record_push('alice', push(document='a', device='Kobo', device_id='K'), timestamp=10)
    store.record_push('alice', push(document='b', device='Kindle', device_id='Q'), timestamp=20)
    store.record_push('alice', push(document='c', device='Kobo', device_id='K'), timestamp=30)
    assert store.devices('alice') == [
        {'device': 'Kobo', 'device_id': 'K', 'last_sync': 30, 'last_document': 'c'},
        {'device': 'Kindle', 'device_id': 'Q', 'last_sync': 20, 'last_document': 'b'}]


def test_an_acknowledged_push_is_on_disk_for_another_connection(store):
    store.record_push('alice', push(percentage=0.42))
    other = Store(store.path)
    assert other.get_progress('alice', 'doc')['percentage'] == 0.42
    other.close()


def test_schema_constraint_rejects_a_bad_row_without_a_half_write(store):
    with pytest.raises(StoreError):
        store.record_push('alice', push(percentage=2.0))
    assert store.get_progress('alice', 'doc') is None
    assert store.push_history('alice') == []


def test_concurrent_writers_from_threads_lose_nothing(store):
    def worker(n):
        for i in range(50):
            store.record_push(f'user{n}', push(document=f'd{i}', percentage=i / 100))
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.counts() == {'documents': 400, 'linked': 0, 'users': 8, 'pushes': 400}


def test_an_unwritable_location_is_a_store_error_not_a_crash(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('x')
    s = Store(str(blocker / 'inside' / 'db.sqlite'))
    with pytest.raises(StoreError):
        s.record_push('alice', push())


def test_a_locked_sidecar_is_a_store_error_after_the_busy_timeout(tmp_path):
    path = str(tmp_path / 'db.sqlite')
    Store(path).get_progress('a', 'b')
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute('BEGIN EXCLUSIVE')
    s = Store(path, busy_timeout=0.2)
    try:
        with pytest.raises(StoreError):
            s.record_push('alice', push())
    finally:
        locker.execute('ROLLBACK')
        locker.close()
    s.record_push('alice', push())  # recovers once the lock is gone
    assert s.get_progress('alice', 'doc') is not None


def test_a_full_disk_is_a_store_error_and_keeps_earlier_data(tmp_path):
    path = str(tmp_path / 'db.sqlite')
    s = Store(path)
    s.record_push('alice', push(document='kept'))
    s._connection().execute('PRAGMA max_page_count=%d' % s.pragma('page_count'))
    with pytest.raises(StoreError):
        for i in range(200):
            s.record_push('alice', push(document=f'd{i}', progress='x' * 4000))
    assert s.get_progress('alice', 'kept') is not None
    assert os.path.exists(path)


def test_grouped_works_share_a_commit_and_one_refused_by_its_check_fails_alone(store):
    import threading
    results, errors = [], []
    gate = threading.Barrier(8)

    def worker(n):
        def check(tx):
            if n == 3:
                raise ValueError('refused')

        def work(tx):
            tx.record_push('alice', push(document=f'd{n}' if n != 3 else 'doomed'), 1)
            return n
        gate.wait()
        try:
            results.append(store.grouped(work, check=check))
        except ValueError as e:
            errors.append(str(e))
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 1, 2, 4, 5, 6, 7] and errors == ['refused']
    stored = [d for d in [f'd{n}' for n in range(8)] + ['doomed'] if store.get_progress('alice', d)]
    assert stored == [f'd{n}' for n in (0, 1, 2, 4, 5, 6, 7)]


def test_a_grouped_work_that_raises_after_writing_fails_its_whole_batch(store):
    store.record_library('lib', 'Library')  # the sidecar exists
    outcomes = {}

    def work(n):
        def write(tx):
            tx.record_push('alice', push(document=f'd{n}'), 1)
            if n == 1:
                raise ValueError('broken after writing')
        return write

    def run(n):
        try:
            outcomes[n] = store.grouped(work(n))
        except Exception as e:
            outcomes[n] = type(e).__name__
    in_one_batch(store, [lambda n=n: run(n) for n in range(3)])
    assert outcomes == {0: 'ValueError', 1: 'ValueError', 2: 'ValueError'}
    assert store.user_counts('alice')['documents'] == 0  # nothing of the batch was committed


def test_a_grouped_work_that_breaks_the_transaction_fails_its_whole_batch_with_a_store_error(store):
    def work(tx):
        tx.record_push('alice', push(document='kept?'), 1)
        tx.conn.execute('INSERT INTO nowhere VALUES (1)')
    with pytest.raises(StoreError):
        store.grouped(work)
    assert store.user_counts('alice')['documents'] == 0  # nothing of the batch was committed


def test_the_change_token_moves_with_every_commit_and_is_read_without_pread_too(store, monkeypatch):
    import os as os_module
    first = store.change_token()
    store.record_library('lib', 'Library')
    second = store.change_token()
    assert first is not None and second not in (None, first)
    monkeypatch.delattr(os_module, 'pread')  # Windows has no pread
    assert store.change_token() == second


def test_in_a_group_commit_only_the_last_work_of_a_key_may_keep_what_it_wrote(store):
    store.record_library('lib', 'Library')  # the sidecar exists
    results = {}

    def work(tx):
        tx.conn.execute("INSERT INTO notices (at, message) VALUES (0, 'a work')")

    in_one_batch(store, [lambda n=n, k=k: results.__setitem__(n, store.grouped(work, True, k))
                         for n, k in enumerate(['a', 'b', 'a'])])
    tokens = {n: token for n, (_, token) in results.items()}
    assert tokens[1] is not None and tokens[1] == tokens[2] == store.change_token()
    assert tokens[0] is None  # a later work of the same key wrote after it
