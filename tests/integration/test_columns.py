"""Reading state in calibre custom columns, through a real calibre-server; values read
back from the library with calibredb."""

import json
import time
from datetime import datetime

import pytest

from harness import CalibreServer
from koreader_client import Device, partial_md5

BOOKS = [('First Book', 'Ann Author', 4), ('Second Book', 'Ann Author', 4), ('Third Book', 'Bo Writer', 4)]


def cli(home, *args):
    result = home.run('calibre-debug', '-r', 'BookBoss', '--', *args, '--json')
    return json.loads(result.stdout)


@pytest.fixture(scope='module')
def server(home):
    library = home.library('Library', BOOKS)
    for user in ('alice', 'bob', 'dave', 'erin'):
        home.add_user(user, 'pw')
    home.add_user('carol', 'pw', readonly=True)
    common = ('--library', library, '--userdb', home.userdb)
    cli(home, 'columns', 'create', '--user', 'alice', *common)
    cli(home, 'columns', 'set', 'device', '-', '--user', 'alice', *common)
    home.run('calibredb', '--library-path', library, 'add_custom_column', 'read', 'Read', 'bool')
    home.run('calibredb', '--library-path', library, 'add_custom_column', 'gone', 'Gone', 'text')
    cli(home, 'columns', 'set', 'status', '#read', '--user', 'bob', *common)
    cli(home, 'columns', 'set', 'device', '#gone', '--user', 'bob', *common)
    cli(home, 'columns', 'create', '--user', 'carol', *common)
    home.run('calibredb', '--library-path', library, 'remove_custom_column', '--force', 'gone')
    srv = CalibreServer(home, [library], '--enable-auth', '--auth-mode', 'basic').start()
    srv.library = library
    yield srv
    srv.stop()


def values(server, book_id, *fields):
    """The book's columns as calibre has them, once BookBoss's background writer has applied
    every write that can be applied now (the push answered before its columns were written)."""
    wait_for_the_column_writer(server.home)
    out = server.home.run('calibredb', '--with-library', f'http://127.0.0.1:{server.port}/#Library',
                          '--username', 'alice', '--password', 'pw', 'list', '--for-machine',
                          '--fields', ','.join(fields), '--search', f'id:{book_id}').stdout
    return json.loads(out)[0]


def wait_for_the_column_writer(home, seconds=5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with home.settled_sidecar() as c:
            if not c.execute('SELECT COUNT(*) FROM pending_writes WHERE attempts=0').fetchone()[0]:
                return
        time.sleep(0.05)


def document_for(server, user, book_id):
    device = Device(server, user, 'pw', f'{user} Kobo')
    data, _ = device.download(f'/get/epub/{book_id}/Library')
    return device, partial_md5(data)


def today():
    return datetime.now().astimezone().date()


def local_day(iso):
    return datetime.fromisoformat(iso).astimezone().date()


A = ('*kor_status_alice', '*kor_percent_alice', '*kor_last_read_alice', '*kor_finished_alice')


def test_the_reading_state_table_in_alices_columns(server):
    kobo, doc = document_for(server, 'alice', 1)
    kobo.push(doc, 0.0)
    v = values(server, 1, *A)
    assert v.get('*kor_status_alice') in (None, 'Unread')
    kobo.push(doc, 0.3)
    v = values(server, 1, *A)
    assert (v['*kor_status_alice'], v['*kor_percent_alice']) == ('Reading', 30)
    assert local_day(v['*kor_last_read_alice']) == today()
    kobo.push(doc, 0.9999)
    v = values(server, 1, *A)
    assert (v['*kor_status_alice'], v['*kor_percent_alice']) == ('Reading', 99)
    kobo.push(doc, 1.0)
    v = values(server, 1, *A)
    assert (v['*kor_status_alice'], v['*kor_percent_alice']) == ('Read', 100)
    finished = v['*kor_finished_alice']
    assert local_day(finished) == today()
    kobo.push(doc, 0.5)
    v = values(server, 1, *A)
    assert (v['*kor_status_alice'], v['*kor_percent_alice'], v['*kor_finished_alice']) == ('Read', 50, finished)


def test_a_hand_edit_back_to_unread_counts(server):
    kobo, doc = document_for(server, 'alice', 2)
    kobo.push(doc, 1.0)
    assert values(server, 2, *A)['*kor_status_alice'] == 'Read'
    server.home.run('calibredb', '--with-library', f'http://127.0.0.1:{server.port}/#Library', '--username',
                    'alice', '--password', 'pw', 'set_metadata', '--field', '#kor_status_alice:Unread', '2')
    kobo.push(doc, 0.2)
    assert values(server, 2, *A)['*kor_status_alice'] == 'Reading'


def test_ten_pushes_within_one_percent_and_one_day_write_once(server):
    kobo, doc = document_for(server, 'alice', 3)
    kobo.push(doc, 0.41)
    first = values(server, 3, 'last_modified')['last_modified']
    for i in range(10):
        time.sleep(0.1)
        kobo.push(doc, 0.411 + i / 2000)  # 41.1 % .. 41.55 %: the whole percent stays 41
    assert values(server, 3, 'last_modified')['last_modified'] == first
    assert values(server, 3, *A)['*kor_percent_alice'] == 41


def test_bobs_yes_no_column_and_his_own_set(server):
    kobo, doc = document_for(server, 'bob', 1)
    kobo.push(doc, 0.6)
    v = values(server, 1, '*read', '*kor_status_alice')
    assert v.get('*read') in (None, False) and v['*kor_status_alice'] == 'Read'  # alice's state untouched
    kobo.push(doc, 1.0)
    assert values(server, 1, '*read')['*read'] is True


def test_a_deleted_column_is_reported_and_sync_goes_on(server, home):
    kobo, doc = document_for(server, 'bob', 2)
    kobo.push(doc, 1.0)  # 200, although bob's device column is gone
    assert values(server, 2, '*read')['*read'] is True
    problems = cli(home, 'status')['column_problems']
    assert any('bob' in p and '#gone' in p and 'does not exist' in p for p in problems)
    assert server.output().count('#gone') == 1  # logged once per cause


def test_a_user_without_a_set_syncs_and_keeps_state_in_the_sidecar(server, home):
    kobo, doc = document_for(server, 'dave', 3)
    kobo.push(doc, 0.5)
    assert kobo.pull(doc)['percentage'] == 0.5
    with home.settled_sidecar() as c:
        assert c.execute("SELECT status FROM reading_state WHERE user='dave'").fetchone()[0] == 'Reading'


def test_a_read_only_user_syncs_but_writes_no_columns(server):
    kobo, doc = document_for(server, 'carol', 3)
    kobo.push(doc, 0.5)
    assert kobo.pull(doc)['percentage'] == 0.5
    assert values(server, 3, '*kor_status_carol').get('*kor_status_carol') is None


def test_a_document_linked_late_updates_the_columns(server, tmp_path):
    txt = tmp_path / 'third.txt'
    txt.write_text('Third book as plain text.\n' * 300)
    doc = partial_md5(txt.read_bytes())
    kobo = Device(server, 'alice', 'pw', 'Kindle')
    kobo.push(doc, 0.35)
    server.home.run('calibredb', '--with-library', f'http://127.0.0.1:{server.port}/#Library', '--username',
                    'alice', '--password', 'pw', 'add_format', '3', str(txt))
    v_before = values(server, 3, *A)
    kobo.download('/get/txt/3/Library')  # links the document; the columns follow off the request thread
    for _ in range(50):
        v = values(server, 3, *A)
        if v['*kor_percent_alice'] == 35:
            break
        time.sleep(0.2)
    assert v_before['*kor_percent_alice'] == 41 and v['*kor_percent_alice'] == 35


def test_resync_while_the_server_runs_queues_the_work_for_it(server, home):
    result = cli(home, 'columns', 'resync', '--library', server.library, '--userdb', home.userdb)
    assert result['queued_for_the_running_server'] >= 3 and 'has the library open' in result['reason']
    assert cli(home, 'status')['pending_column_writes'] >= 3


def test_resync_projects_into_a_newly_mapped_column_only_for_books_with_state(server, home):
    server.stop()  # the command line needs calibre's library lock
    try:
        common = ('--library', server.library, '--userdb', home.userdb)
        home.run('calibredb', '--library-path', server.library, 'add_custom_column', 'pos', 'Position', 'text')
        home.run('calibredb', '--library-path', server.library, 'set_custom', 'pos', '2', 'set by hand')
        cli(home, 'columns', 'set', 'position', '#pos', '--user', 'alice', *common)
        dry = cli(home, 'columns', 'resync', '--dry-run', *common)
        assert set(dry['changed']['alice']) == {'1', '2', '3'}
        assert home.run('calibredb', '--library-path', server.library, 'list', '--fields', '*pos',
                        '--for-machine').stdout.count('/body') == 0  # a dry run writes nothing
        cli(home, 'columns', 'resync', *common)
        rows = {r['id']: r.get('*pos') for r in json.loads(home.run(
            'calibredb', '--library-path', server.library, 'list', '--fields', '*pos', '--for-machine').stdout)}
        assert all(rows[i].startswith('/body') for i in (1, 2, 3))
        assert cli(home, 'columns', 'resync', '--dry-run', *common)['changed']['alice'] == {}
    finally:
        server.start()
