"""KOReader's statistics over WebDAV, below calibre: the folder's protocol (DavApi with a
real store and sync service), uploads kept byte for byte, figures read from statistics
databases the tests build with KOReader's schema, and what reaches the statistics projection."""

import base64
import hashlib
import threading
from datetime import timezone

import pytest

from bookboss.plugin.app.auth import Authenticator
from bookboss.plugin.app.sync import STATISTICS
from bookboss.plugin.app.webdav import DavApi
from bookboss.plugin.core.books import Book, BookFormat
from bookboss.plugin.core.column_values import changed_values, reading_time_text, statistics_values
from bookboss.plugin.core.limits import Limits
from bookboss.plugin.core.throttle import LoginThrottle
from bookboss.plugin.store import Store
from bookboss.plugin.store.koreader_statistics import NotStatistics, read_figures
from fakes import Accounts, Clock, Libraries, SyncWorld, quiet
from koreader_statistics_db import statistics_db

LIB = 'lib-uuid'
MD5_A, MD5_B, MD5_C = 'a' * 32, 'b' * 32, 'c' * 32
A = BookFormat(Book(LIB, 1), 'EPUB')
B = BookFormat(Book(LIB, 2), 'EPUB')
BOOK_A = {'title': 'Alpha', 'authors': 'Ann', 'md5': MD5_A, 'pages': 200, 'highlights': 3, 'notes': 1,
          'visits': [(1, 1_700_000_000, 60), (2, 1_700_000_100, 120), (3, 1_700_090_000, 30)]}
BOOK_B = {'title': 'Beta', 'md5': MD5_B, 'pages': 50, 'visits': [(1, 1_700_200_000, 45)]}
STATS_FILE = '/stats/statistics.sqlite3'


class Request:
    """app.ports.Request as KOReader's WebDAV client sends it (preemptive Basic)."""

    def __init__(self, method, path, body=b'', user='alice', password='secret', headers=None):
        self.method, self.path, self.remote_addr, self._body = method, '/dav' + path, '10.0.0.7', body
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        if user is not None:
            token = base64.b64encode(f'{user}:{password}'.encode()).decode()
            self.headers['authorization'] = 'Basic ' + token

    def header(self, name):
        return self.headers.get(name.lower())

    def body(self, limit):
        return self._body[:limit + 1]


class World(SyncWorld):
    def __init__(self, store, hidden=(), limits=Limits(), accounts=None):
        super().__init__(store, Libraries(LIB, hidden=hidden), STATISTICS, limits, Clock(1_800_000_000))
        auth = Authenticator(accounts or Accounts(), LoginThrottle(3, 600))
        self.dav = DavApi(self.sync, store, auth, quiet, '/koreader', limits)
        store.record_digests([(MD5_A, 'served', A, 'alice', None), (MD5_B, 'served', B, 'alice', None)])

    def ask(self, method, path='/stats/statistics.sqlite3', body=b'', **kw):
        return self.dav.handle(Request(method, path, body, **kw))


@pytest.fixture
def world(store):
    return World(store)


# -- the folder's protocol ----------------------------------------------------------------

def test_first_sync_is_404_without_etag_then_put_201_then_get_200_with_the_same_bytes_and_strong_etag(world):
    first = world.ask('GET')
    assert first.status == 404 and first.etag is None
    data = statistics_db([BOOK_A])
    assert world.ask('PUT', body=data).status == 201
    got = world.ask('GET')
    assert got.status == 200 and got.body == data and got.etag == hashlib.sha1(data).hexdigest()
    assert got.content_type == 'application/vnd.sqlite3'


def test_put_with_the_current_etag_replaces_a_stale_one_is_412_and_w_prefix_is_accepted(world):
    world.ask('PUT', body=b'one')
    etag = world.ask('GET').etag
    assert world.ask('PUT', body=b'two', headers={'If-Match': f'"{etag}"'}).status == 204
    assert world.ask('PUT', body=b'three', headers={'If-Match': f'"{etag}"'}).status == 412
    assert world.ask('GET').body == b'two'
    fresh = world.ask('GET').etag
    assert world.ask('PUT', body=b'three', headers={'If-Match': f'W/"{fresh}"'}).status == 204
    assert world.ask('GET').body == b'three'


def test_if_match_on_a_file_not_stored_is_412(world):
    assert world.ask('PUT', body=b'x', headers={'If-Match': '"abc"'}).status == 412
    assert world.ask('GET').status == 404


def test_two_concurrent_puts_with_one_etag_exactly_one_wins(world):
    world.ask('PUT', body=b'base')
    etag = world.ask('GET').etag
    results = []

    def put(body):
        results.append(world.ask('PUT', body=body, headers={'If-Match': f'"{etag}"'}).status)
    threads = [threading.Thread(target=put, args=(b'device %d' % i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [204] + [412] * 5


def test_propfind_is_207_with_prefixed_names_lists_files_and_folders_and_never_the_folder_itself(world):
    world.ask('PUT', body=b'stats')
    world.ask('PUT', '/stats/vocabulary_builder.sqlite3', body=b'words')
    world.ask('PUT', '/other/deeper/x.sqlite3', body=b'x')
    for path in ('/stats', '/stats/', '//stats//'):
        answer = world.ask('PROPFIND', path, headers={'Depth': '1'})
        xml = answer.body.decode()
        assert answer.status == 207 and answer.content_type == 'application/xml; charset=utf-8'
        assert xml.count('<d:response>') == 2 and '<d:multistatus xmlns:d="DAV:">' in xml
        assert '<d:href>/koreader/dav/stats/statistics.sqlite3</d:href>' in xml
        assert '<d:href>/koreader/dav/stats/</d:href>' not in xml
    root = world.ask('PROPFIND', '/').body.decode()
    assert '<d:href>/koreader/dav/stats/</d:href>' in root and '<d:collection/>' in root
    assert '<d:href>/koreader/dav/other/</d:href>' in root and 'statistics.sqlite3' not in root


def test_an_empty_folder_still_answers_a_non_empty_multistatus(world):
    answer = world.ask('PROPFIND', '/')
    assert answer.status == 207 and b'<d:multistatus xmlns:d="DAV:"></d:multistatus>' in answer.body


def test_wrong_or_missing_credentials_are_401_with_a_basic_challenge_and_throttled(world):
    for _ in range(3):
        answer = world.ask('GET', password='wrong')
        assert answer.status == 401 and ('WWW-Authenticate', 'Basic realm="BookBoss (calibre users)"') in answer.headers
    assert world.ask('PROPFIND', '/', user=None).status == 401
    throttled = world.ask('GET')  # the right password, after too many failures from this address
    assert throttled.status == 401 and b'Too many failed logins' in throttled.body


def test_a_percent_decoded_password_is_accepted_as_koreader_sends_it(store):
    world = World(store, accounts=Accounts({'alice': 'p%41ss'}))
    assert world.ask('GET', password='pAss').status == 404
    assert world.ask('GET', password='p%41ss').status == 404
    assert world.ask('GET', password='pBss').status == 401


def test_one_users_files_are_never_another_users(world):
    world.ask('PUT', body=b'alice stats')
    assert world.ask('GET', user='bob', password='hunter2').status == 404
    assert b'statistics' not in world.ask('PROPFIND', '/stats', user='bob', password='hunter2').body
    assert world.ask('PUT', body=b'bob stats', user='bob', password='hunter2').status == 201
    assert world.ask('GET').body == b'alice stats'


def test_an_upload_over_the_cap_is_413_naming_the_cap_and_keeps_the_file_stored_before(store):
    world = World(store, limits=Limits(upload_bytes=1024 * 1024))
    world.ask('PUT', body=b'kept')
    answer = world.ask('PUT', body=b'x' * (1024 * 1024 + 1))
    assert answer.status == 413 and b'at most 1 MB' in answer.body
    assert world.ask('GET').body == b'kept'


def test_a_users_file_count_is_capped_with_507(store):
    world = World(store, limits=Limits(uploads_per_user=2))
    assert world.ask('PUT', '/a.sqlite3', body=b'1').status == 201
    assert world.ask('PUT', '/b.sqlite3', body=b'2').status == 201
    assert world.ask('PUT', '/c.sqlite3', body=b'3').status == 507
    assert world.ask('PUT', '/a.sqlite3', body=b'4').status == 204  # replacing is always allowed


def test_mkcol_delete_options_and_other_methods(world):
    assert world.ask('MKCOL', '/new').status == 201
    world.ask('PUT', body=b'x')
    assert world.ask('DELETE').status == 204 and world.ask('GET').status == 404
    assert world.ask('DELETE').status == 404
    assert ('DAV', '1') in world.ask('OPTIONS', user=None).headers
    assert world.ask('POST').status == 405
    assert world.ask('GET', '/../x').status == 400


# -- reading the statistics -----------------------------------------------------------------

def test_figures_are_koreaders_totals_per_md5_with_first_and_last_read_from_page_visits():
    (a,) = read_figures(statistics_db([BOOK_A]))
    assert a == {'md5': MD5_A, 'title': 'Alpha', 'authors': 'Ann', 'read_time': 210, 'pages_read': 3,
                 'pages': 200, 'first_read': 1_700_000_000, 'last_read': 1_700_090_030, 'highlights': 3,
                 'notes': 1}


def test_a_wal_mode_upload_is_read_from_a_private_copy_and_its_bytes_stay_unchanged():
    data = statistics_db([BOOK_A, BOOK_B], wal=True)
    before = bytes(data)
    assert {f['md5'] for f in read_figures(data)} == {MD5_A, MD5_B}
    assert data == before and data[18:20] == b'\x02\x02'


def test_rows_sharing_an_md5_add_their_time_and_rows_without_md5_are_skipped():
    renamed = dict(BOOK_A, title='Alpha (new title)', visits=[(9, 1_700_300_000, 100)], highlights=5)
    figures = read_figures(statistics_db([BOOK_A, renamed, dict(BOOK_B, md5=None)]))
    (a,) = figures
    assert a['read_time'] == 310 and a['highlights'] == 5 and a['last_read'] == 1_700_300_100


def test_a_book_without_page_visits_has_no_reading_time_and_its_last_open_as_last_read():
    (b,) = read_figures(statistics_db([dict(BOOK_B, visits=[])]))
    assert b['read_time'] == 0 and b['first_read'] is None and b['pages_read'] == 0


@pytest.mark.parametrize('data, reason', [
    (b'not a database', 'not an SQLite database'),
    (b'SQLite format 3\x00' + b'\x00' * 200, 'not a readable KOReader statistics database'),
])
def test_foreign_or_damaged_uploads_are_not_statistics_and_say_why(data, reason):
    with pytest.raises(NotStatistics, match=reason):
        read_figures(data)


def test_another_schema_version_is_not_read():
    import sqlite3
    import tempfile
    with tempfile.NamedTemporaryFile(suffix='.sqlite3') as f:
        conn = sqlite3.connect(f.name)
        conn.execute('PRAGMA user_version=20201010')
        conn.execute('CREATE TABLE book (id INTEGER)')
        conn.commit()
        conn.close()
        data = open(f.name, 'rb').read()
    with pytest.raises(NotStatistics, match='schema version 20201010'):
        read_figures(data)


# -- what reaches the projection -------------------------------------------------------------

def test_an_upload_is_read_in_the_background_and_queues_the_statistics_of_the_books_it_names(world, store):
    world.ask('PUT', body=statistics_db([BOOK_A, dict(BOOK_B, md5=MD5_C)]))
    assert world.projection.applied == [] and store.upload('alice', STATS_FILE, False)['unread'] == 1
    world.projections.drain()
    assert world.projection.applied == [('alice', A.book)]  # md5 C names no book
    assert store.book_statistics('alice', A.book)['read_time'] == 210
    assert store.upload('alice', STATS_FILE, False)['unread'] == 0
    world.projections.drain()
    assert world.projection.applied == [('alice', A.book)]  # read once


def test_an_unchanged_book_is_not_queued_again_and_a_changed_one_is(world):
    world.ask('PUT', body=statistics_db([BOOK_A, BOOK_B]))
    world.projections.drain()
    world.projection.applied.clear()
    etag = world.ask('GET').etag
    more = dict(BOOK_B, visits=BOOK_B['visits'] + [(2, 1_700_300_000, 50)])
    world.ask('PUT', body=statistics_db([BOOK_A, more]), headers={'If-Match': etag})
    world.projections.drain()
    assert world.projection.applied == [('alice', B.book)]


def test_a_book_the_user_may_not_see_gets_nothing(store):
    world = World(store, hidden={('alice', 2)})
    world.ask('PUT', body=statistics_db([BOOK_A, BOOK_B]))
    world.projections.drain()
    assert world.projection.applied == [('alice', A.book)]
    assert store.book_statistics('alice', B.book) is None


def test_a_non_sqlite_upload_is_stored_and_served_unchanged_and_records_why_it_projects_nothing(world, store):
    assert world.ask('PUT', body=b'hello').status == 201
    world.projections.drain()
    assert world.ask('GET').body == b'hello' and world.projection.applied == []
    assert 'not an SQLite database' in store.upload('alice', STATS_FILE, False)['problem']


def test_a_broken_upload_after_a_good_one_keeps_the_figures_read_before(world, store):
    world.ask('PUT', body=statistics_db([BOOK_A]))
    world.projections.drain()
    world.ask('PUT', body=b'garbage')
    world.projections.drain()
    assert store.book_statistics('alice', A.book)['highlights'] == 3


def test_other_files_are_stored_but_not_read(world, store):
    world.ask('PUT', '/stats/vocabulary_builder.sqlite3', body=statistics_db([BOOK_A]))
    world.projections.drain()
    assert world.projection.applied == [] and store.book_statistics('alice', A.book) is None


def test_a_digest_recorded_later_rereads_the_statistics_and_reaches_the_book(world, store):
    world.ask('PUT', body=statistics_db([dict(BOOK_B, md5=MD5_C)]))
    world.projections.drain()
    assert world.projection.applied == []
    world.sync.record_digests([(MD5_C, 'served', B, 'alice', None)])
    world.projections.drain()
    assert world.projection.applied == [('alice', B.book)]


def test_statistics_never_change_the_reading_state(world, store):
    world.ask('PUT', body=statistics_db([BOOK_A]))
    world.projections.drain()
    assert store.reading_state('alice', A.book).get('status') is None


# -- the column values -------------------------------------------------------------------------

FM = {'#t': {'datatype': 'float'}, '#m': {'datatype': 'int'}, '#tt': {'datatype': 'text'},
      '#p': {'datatype': 'text'}, '#f': {'datatype': 'datetime'}, '#h': {'datatype': 'int'}}


def test_statistics_values_per_column_type():
    figures = {'read_time': 7500, 'pages_read': 120, 'pages': 300, 'first_read': 1_700_000_000,
               'last_read': None, 'highlights': 4, 'notes': 0}
    want = statistics_values({'stats_read_time': '#t', 'stats_pages_read': '#p', 'stats_first_read': '#f',
                              'stats_last_read': '#f2', 'stats_highlights': '#h'}, FM, figures, timezone.utc)
    assert want['#t'] == 2.08 and want['#p'] == '120 / 300' and want['#h'] == 4
    assert want['#f'].date().isoformat() == '2023-11-14' and '#f2' not in want
    assert statistics_values({'stats_read_time': '#m'}, FM, figures, timezone.utc) == {'#m': 125}
    assert statistics_values({'stats_read_time': '#tt'}, FM, figures, timezone.utc) == {'#tt': '2 h 5 min'}
    assert reading_time_text(300) == '5 min'


def test_reading_time_in_hours_changes_visibly_only_at_a_tenth():
    assert changed_values({'#t': 2.08}, {'#t': 2.1}, FM, timezone.utc) == {}
    assert changed_values({'#t': 2.16}, {'#t': 2.1}, FM, timezone.utc) == {'#t': 2.16}


# -- accounts and backups ---------------------------------------------------------------------

def test_every_sidecar_table_with_a_user_column_follows_the_account(store):
    from bookboss.plugin.store.books import USER_TABLES
    store.pragma('user_version')
    tables = store._read(lambda c: [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")])
    with_user = {t for t in tables if any(col[1] == 'user' for col in store._read(
        lambda c: c.execute(f'PRAGMA table_info({t})').fetchall()))}
    # accounts is the list itself; digests name who downloaded a file, a library fact kept for everyone
    assert with_user - {'accounts', 'digests'} == set(USER_TABLES)


def test_a_new_account_of_the_same_name_never_sees_the_old_accounts_uploads_and_forget_user_removes_them(world, store):
    store.adopt_account('alice', 'first', lambda u, f: f'{u}#retired:{f}')
    world.ask('PUT', body=statistics_db([BOOK_A]))
    world.projections.drain()
    store.adopt_account('alice', 'second', lambda u, f: f'{u}#retired:{f}')
    assert world.ask('GET').status == 404 and store.book_statistics('alice', A.book) is None
    assert store.upload('alice#retired:first', STATS_FILE, False) is not None
    store.forget_user('alice', '#retired:')
    assert store.uploads() == [] and store.statistics('alice#retired:first') == []


def test_the_backup_holds_the_uploads_byte_for_byte(world, store, tmp_path):
    data = statistics_db([BOOK_A])
    world.ask('PUT', body=data)
    copy = Store(store.backup(str(tmp_path / 'backup.sqlite')))
    try:
        assert copy.upload('alice', STATS_FILE)['data'] == data
    finally:
        copy.close()


def test_a_kosync_push_never_queues_the_statistics_projection(world, store):
    world.sync.push('alice', {'document': MD5_A, 'percentage': 0.5, 'progress': '/p', 'device': 'Kobo',
                              'device_id': 'K', 'metadata': None})
    assert [w['projection'] for w in store.pending_writes()] == []


def test_times_from_a_device_clock_far_off_are_dropped_not_written():
    (a,) = read_figures(statistics_db([dict(BOOK_A, visits=[(1, 0, 60), (2, 99_999_999_999, 60)])]))
    assert a['first_read'] is None and a['last_read'] is None and a['read_time'] == 120


def test_a_reread_marks_only_the_statistics_files_of_the_users_it_concerns(world, store):
    world.ask('PUT', body=statistics_db([BOOK_A]))
    world.ask('PUT', '/stats/vocabulary_builder.sqlite3', body=b'words')
    world.ask('PUT', '/stats/my-statistics.sqlite3', body=b'not the statistics')
    world.ask('PUT', body=statistics_db([BOOK_B]), user='bob', password='hunter2')
    world.projections.drain()
    assert store.reread_statistics([MD5_A], 'statistics.sqlite3') == 1
    assert [(u['user'], u['path']) for u in store.uploads() if u['unread']] == [('alice', STATS_FILE)]
