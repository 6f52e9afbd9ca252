"""Every way a document gets linked to a book reaches calibre's columns the same way: a
document pushed at 100 % while nobody knew it, then linked by the command line (and then
only pulled), by the /koreader page's form, or by a download, shows Read with the finish
date of that push in its owner's columns, read back from the library through a real
calibre-server."""

import json
import re
import time
from datetime import datetime
from urllib.parse import urlencode

import pytest

from harness import CalibreServer
from koreader_client import Device, basic, md5_text

BOOKS = [('Linked By Command', 'Ann Author', 4), ('Linked On The Page', 'Ann Author', 4),
         ('Linked By Download', 'Bo Writer', 4)]
COLUMNS = ('*kor_status', '*kor_percent', '*kor_last_read', '*kor_finished')


def cli(home, *args):
    return json.loads(home.run('calibre-debug', '-r', 'BookBoss', '--', *args, '--json').stdout)


@pytest.fixture(scope='module')
def server(home):
    library = home.library('Library', BOOKS)
    home.add_user('alice', 'pw')
    cli(home, 'columns', 'create', '--library', library, '--userdb', home.userdb)  # alice is the only user
    srv = CalibreServer(home, [library], '--enable-auth', '--auth-mode', 'basic').start()
    for _ in range(100):  # the library index names the library in the sidecar as the server starts
        if cli(home, 'status')['libraries']:
            break
        time.sleep(0.1)
    yield srv
    srv.stop()


def columns_of(server, book_id, wait_for=None):
    """The book's reading-state columns, read through the server (calibredb); with wait_for,
    until the status shows it (the background writer applies queued writes)."""
    for _ in range(100):
        out = server.home.run('calibredb', '--with-library', f'http://127.0.0.1:{server.port}/#Library',
                              '--username', 'alice', '--password', 'pw', 'list', '--for-machine',
                              '--fields', ','.join(COLUMNS), '--search', f'id:{book_id}').stdout
        values = json.loads(out)[0]
        if wait_for is None or values.get('*kor_status') == wait_for:
            return values
        time.sleep(0.2)
    return values


def finished_in_sidecar(home, book_id):
    with home.settled_sidecar() as c:
        return c.execute("SELECT status, finished FROM reading_state WHERE user='alice' AND book_id=?",
                         (book_id,)).fetchone()


def local_day(value):
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value).astimezone().date()
    return datetime.fromisoformat(value).astimezone().date()


def assert_read_since(server, home, book_id, push_time):
    assert finished_in_sidecar(home, book_id) == ('Read', push_time)
    v = columns_of(server, book_id, wait_for='Read')
    assert (v['*kor_status'], v['*kor_percent']) == ('Read', 100)
    assert local_day(v['*kor_finished']) == local_day(push_time)


def test_a_command_line_link_then_a_pull_shows_read_with_the_finish_date_of_the_push(server, home):
    kobo = Device(server, 'alice', 'pw', 'Kobo Clara')
    document = 'handcopied00000000000000000000aa'
    finished_at = kobo.push(document, 1.0)['timestamp']
    assert columns_of(server, 1).get('*kor_status') is None  # unknown document: nothing to show yet
    cli(home, 'link', document, '1', '--library', 'Library', '--format', 'EPUB')
    time.sleep(1.1)  # a later second: the finish date must stay the push's, not the pull's
    assert kobo.pull(document)['percentage'] == 1.0  # the pull binds; no push after the link
    assert_read_since(server, home, 1, finished_at)


def test_a_link_made_on_the_koreader_page_shows_read_with_the_finish_date_of_the_push(server, home):
    kobo = Device(server, 'alice', 'pw', 'Kobo Libra')
    document = 'sideloaded000000000000000000000b'
    finished_at = kobo.push(document, 1.0)['timestamp']
    query = urlencode({'doc': document, 'q': 'Linked On The Page'})  # the page's search for the book
    status, _, page = server.request('GET', f'/koreader?{query}', headers=basic('alice', 'pw'))
    assert status == 200
    token = re.search(rb'name="csrf" value="([0-9a-f]+)"', page).group(1).decode()
    form = urlencode({'csrf': token, 'doc': document, 'library': library_uuid(home), 'book': '2', 'format': 'EPUB'})
    status, headers, _ = server.request('POST', '/koreader/link', form.encode(), dict(
        basic('alice', 'pw'), **{'Content-Type': 'application/x-www-form-urlencoded',
                                 'Origin': f'http://127.0.0.1:{server.port}'}))
    assert status == 303, headers
    assert_read_since(server, home, 2, finished_at)


def test_a_link_made_by_a_download_shows_read_with_the_finish_date_of_the_push(server, home):
    kindle = Device(server, 'alice', 'pw', 'Kindle')
    document = md5_text('Bo Writer - Linked By Download.epub')  # KOReader's default OPDS file name
    finished_at = kindle.push(document, 1.0)['timestamp']
    kindle.download('/get/epub/3/Library')  # records the name's digest: late binding
    assert_read_since(server, home, 3, finished_at)


def library_uuid(home):
    with home.settled_sidecar() as c:
        return c.execute('SELECT uuid FROM libraries').fetchone()[0]
