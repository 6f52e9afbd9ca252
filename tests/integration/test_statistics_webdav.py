"""KOReader's reading statistics through a real calibre-server: the WebDAV session exactly as
KOReader's Cloud storage makes it (reference koreader-statistics.md §2.3: preemptive Basic,
`Connection: close, TE`, PROPFIND with its 136-byte body, GET, PUT with If-Match), in calibre's
default Digest mode; the figures of a statistics database (built by the tests with KOReader's
schema) read back from the library's columns; nothing for a book the user may not see."""

import base64
import hashlib
import json
import time
import urllib.request

import pytest

from harness import CalibreServer
from koreader_client import partial_md5
from koreader_statistics_db import merged, statistics_db

BOOKS = [('Read On Kobo', 'Ann Author', 4), ('Read On Kindle', 'Bo Writer', 4), ('Hidden Book', 'Cy Writer', 4)]
COLUMNS = {'stats_read_time': '*kor_stats_time_alice', 'stats_pages_read': '*kor_stats_pages_alice',
           'stats_first_read': '*kor_stats_first_alice', 'stats_last_read': '*kor_stats_last_alice',
           'stats_highlights': '*kor_stats_highlights_alice', 'stats_notes': '*kor_stats_notes_alice'}
PROPFIND_BODY = (b'<?xml version="1.0"?><a:propfind xmlns:a="DAV:"><a:prop><a:resourcetype/>'
                 b'<a:getcontentlength/><a:getlastmodified/></a:prop></a:propfind>')
STATS = '/koreader/dav/stats/statistics.sqlite3'
DAY = 86400


def cli(home, *args):
    return json.loads(home.run('calibre-debug', '-r', 'BookBoss', '--', *args, '--json').stdout)


@pytest.fixture(scope='module')
def server(home):
    library = home.library('Library', BOOKS)
    for name in ('alice', 'bob', 'admin', 'carol'):
        home.add_user(name, 'p%41ss' if name == 'alice' else 'pw')
    home.users('libraries', '--action', 'per-library', 'alice', 'Library', 'not title:"Hidden Book"')
    cli(home, 'columns', 'create', '--statistics', '--user', 'alice', '--library', library, '--userdb', home.userdb)
    with open(f'{home.config}/plugins/BookBoss.json', 'w') as f:
        json.dump({'upload_bytes': 1024 * 1024}, f)
    srv = CalibreServer(home, [library], '--enable-auth').start()  # calibre's default: Digest
    yield srv
    srv.stop()


def dav(server, method, path=STATS, body=None, user='alice', password='pAss', headers=None):
    """One request as KOReader's LuaSocket client sends it (the password percent-decoded)."""
    token = base64.b64encode(f'{user}:{password}'.encode()).decode()
    sent = {'Authorization': f'Basic {token}', 'Connection': 'close, TE', 'TE': 'trailers',
            'User-Agent': 'KOReader/v2026.07 (Kobo Libra 2; Linux; arm) LuaSocket/3.0.0'}
    if body is not None:
        sent['Content-Length'] = str(len(body))
    status, got, raw = server.request(method, path, body, dict(sent, **(headers or {})))
    return status, {k.lower(): v for k, v in got}, raw


def sync(server, local, user='alice', password='pAss'):
    """KOReader's sync loop (§2.6): GET (200 or 404), merge, PUT with the GET's ETag; again on 412."""
    requests = []
    while True:
        status, headers, income = dav(server, 'GET', user=user, password=password)
        requests.append(('GET', status, headers.get('etag')))
        assert status in (200, 404)
        upload = merged(local, income) if status == 200 else local
        condition = {'If-Match': headers['etag']} if 'etag' in headers else {}
        status, _, _ = dav(server, 'PUT', body=upload, headers=condition, user=user, password=password)
        requests.append(('PUT', status, condition.get('If-Match')))
        if status != 412:
            assert status in (201, 204)
            return requests, upload


def calibre_get(server, path, user='alice', password='p%41ss'):
    """GET with calibre's own (Digest) login, as a browser or calibre's OPDS clients do."""
    url = f'http://127.0.0.1:{server.port}{path}'
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, url, user, password)
    with urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords)).open(url) as response:
        return response.read()


def download(server, book_id, user='alice', password='p%41ss'):
    """The document KOReader computes for a book downloaded through calibre."""
    return partial_md5(calibre_get(server, f'/get/epub/{book_id}/Library', user, password))


def columns_of(server, book_id, wait_for=None):
    for _ in range(100):
        out = server.home.run('calibredb', '--with-library', f'http://127.0.0.1:{server.port}/#Library',
                              '--username', 'admin', '--password', 'pw', 'list', '--for-machine',
                              '--fields', ','.join(COLUMNS.values()), '--search', f'id:{book_id}').stdout
        values = json.loads(out)[0]
        if wait_for is None or values.get(wait_for[0]) == wait_for[1]:
            return values
        time.sleep(0.2)
    return values


def book(md5, title, visits, highlights=0, notes=0, pages=120):
    return {'title': title, 'authors': 'x', 'md5': md5, 'pages': pages, 'highlights': highlights,
            'notes': notes, 'visits': visits}


def test_choosing_the_folder_is_a_207_multistatus_without_the_folder_itself(server):
    status, headers, raw = dav(server, 'PROPFIND', '/koreader/dav/stats/', PROPFIND_BODY,
                               headers={'Depth': '1', 'Content-Type': 'application/xml'})
    assert status == 207 and headers['content-type'] == 'application/xml; charset=utf-8'
    assert raw.startswith(b'<?xml') and b'<d:multistatus xmlns:d="DAV:">' in raw
    assert b'<d:href>/koreader/dav/stats/</d:href>' not in raw


def test_first_sync_second_device_and_a_stale_etag_as_koreader_makes_them(server):
    start = int(time.time()) - 10 * DAY
    kobo_a = statistics_db([book('1' * 32, 'On Kobo', [(1, start, 60)])])
    requests, stored = sync(server, kobo_a)
    assert requests == [('GET', 404, None), ('PUT', 201, None)]  # first sync: no ETag with the 404
    _, headers, raw = dav(server, 'GET')
    assert raw == kobo_a and headers['etag'] == f'"{hashlib.sha1(kobo_a).hexdigest()}"'
    assert headers['content-type'] == 'application/vnd.sqlite3'
    status, head, _ = dav(server, 'HEAD')
    assert status == 200 and head['etag'] == headers['etag']

    kindle = statistics_db([book('2' * 32, 'On Kindle', [(1, start + DAY, 30)])], wal=True)
    requests, stored = sync(server, kindle)  # second device: GET -> merge -> PUT If-Match
    etag = f'"{hashlib.sha1(kobo_a).hexdigest()}"'
    assert requests == [('GET', 200, etag), ('PUT', 204, etag)]
    assert dav(server, 'GET')[2] == stored

    status, _, _ = dav(server, 'PUT', body=kobo_a, headers={'If-Match': etag})  # a device still at the old copy
    assert status == 412 and dav(server, 'GET')[2] == stored
    requests, _ = sync(server, kobo_a)  # the next round trip: a fresh GET, then success
    assert [r[:2] for r in requests] == [('GET', 200), ('PUT', 204)]


def test_wrong_password_is_401_with_a_basic_challenge_and_then_throttled(server):
    for _ in range(5):
        status, headers, _ = dav(server, 'GET', user='carol', password='wrong')
        assert status == 401 and headers['www-authenticate'].startswith('Basic')
    status, _, raw = dav(server, 'GET', user='carol', password='pw')
    assert status == 401 and b'Too many failed logins' in raw


def test_another_users_folder_is_never_reachable(server):
    dav(server, 'PUT', '/koreader/dav/mine/statistics.sqlite3', b'alice only')
    status, _, _ = dav(server, 'GET', '/koreader/dav/mine/statistics.sqlite3', user='bob', password='pw')
    assert status == 404
    _, _, listing = dav(server, 'PROPFIND', '/koreader/dav/mine/', user='bob', password='pw')
    assert b'statistics' not in listing
    assert dav(server, 'PUT', '/koreader/dav/mine/statistics.sqlite3', b'bob', user='bob', password='pw')[0] == 201
    assert dav(server, 'GET', '/koreader/dav/mine/statistics.sqlite3')[2] == b'alice only'


def test_an_oversized_upload_is_413_naming_the_cap_and_a_foreign_one_is_stored_but_not_read(server, home):
    path = '/koreader/dav/other/statistics.sqlite3'
    status, _, raw = dav(server, 'PUT', path, b'x' * (1024 * 1024 + 1), user='bob', password='pw')
    assert status == 413 and b'at most 1 MB' in raw
    assert dav(server, 'PUT', path, b'not a database', user='bob', password='pw')[0] == 201
    assert dav(server, 'GET', path, user='bob', password='pw')[2] == b'not a database'
    for _ in range(50):
        lines = [u for u in cli(home, 'status')['webdav_uploads'] if u.startswith('bob: /other/')]
        if lines and 'being read' not in lines[0]:
            break
        time.sleep(0.1)
    assert 'stored unchanged, but not read: not an SQLite database' in lines[0]


def test_a_books_columns_show_its_statistics_and_a_book_the_user_may_not_see_gets_nothing(server):
    kobo_doc, kindle_doc = download(server, 1), download(server, 2)
    hidden_doc = download(server, 3, 'admin', 'pw')  # a digest BookBoss knows, of a book alice may not see
    now = int(time.time())
    first, last = now - 5 * DAY, now - DAY
    stats = statistics_db([
        book(kobo_doc, 'Read On Kobo', [(1, first, 120), (2, first + 200, 120), (3, last, 60)],
             highlights=4, notes=1),
        book(kindle_doc, 'Read On Kindle', [(5, last, 90)]),
        book(hidden_doc, 'Hidden Book', [(1, last, 100)], highlights=9)])
    _, headers, _ = dav(server, 'GET')
    assert dav(server, 'PUT', body=stats, headers={'If-Match': headers['etag']})[0] == 204
    v = columns_of(server, 1, wait_for=(COLUMNS['stats_highlights'], 4))
    assert v[COLUMNS['stats_read_time']] == pytest.approx(300 / 3600, abs=0.01)  # hours
    assert v[COLUMNS['stats_pages_read']] == 3 and v[COLUMNS['stats_notes']] == 1
    assert _day(v[COLUMNS['stats_first_read']]) == _day(first)
    assert _day(v[COLUMNS['stats_last_read']]) == _day(last)
    assert columns_of(server, 2, wait_for=(COLUMNS['stats_pages_read'], 1))[COLUMNS['stats_pages_read']] == 1
    hidden = columns_of(server, 3)
    assert all(hidden.get(c) in (None, '', 'None') for c in COLUMNS.values()), hidden  # calibredb: 'None'


def test_the_page_shows_the_users_statistics_per_book_and_in_total(server):
    page = calibre_get(server, '/koreader/').decode()
    assert '/koreader/dav</code>' in page
    totals = page.split('id="statistics-totals">')[1].split('</p>')[0]
    assert '3 books (2 linked to the library)' in totals and '13 highlights' in totals
    rows = page.split('id="statistics"')[1].split('</table>')[0]
    assert 'Read On Kobo</td>' in rows and '5 min' in rows
    assert 'Hidden Book (not linked to a library book)' in rows
    assert 'bob' not in page.split('id="uploads"')[1]


def _day(value):
    from datetime import datetime
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value).astimezone().date()
    return datetime.fromisoformat(value).astimezone().date()
