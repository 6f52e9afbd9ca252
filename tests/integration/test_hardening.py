"""Hardening, tried as an attacker and as a careless administrator would, against a real
calibre-server: the throttle behind a proxy, per-user bounds, removed and re-created
calibre users, private sidecar files, malformed Host and Origin headers, the page's
security headers and counts, empty passwords, a clean shutdown, an emptied sidecar."""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import time
from urllib.parse import urlencode

import pytest

from harness import CalibreServer, settled
from koreader_client import Device, basic, md5_text

BOOKS = [('Visible Book', 'Ann Author', 4), ('Hidden Book', 'Bo Writer', 4)]
LIMITS = {'documents_per_user': 20, 'history_per_user': 30, 'page_rows': 5}


def cli(home, *args):
    return json.loads(home.run('calibre-debug', '-r', 'BookBoss', '--', *args, '--json').stdout)


@pytest.fixture(scope='module')
def sidecar(home):
    """BOOKBOSS_SIDECAR in a folder that does not exist yet (created by the server, umask 022)."""
    path = os.path.join(home.base, 'private', 'sync.sqlite')
    home.env['BOOKBOSS_SIDECAR'] = path
    return path


@pytest.fixture(scope='module')
def server(home, sidecar):
    library = home.library('Library', BOOKS)
    for name in ('alice', 'rita', 'tina', 'ulla', 'erin'):
        home.add_user(name, 'pw')
    home.users('libraries', '--action', 'per-library', 'rita', 'Library', 'title:"Visible Book"')
    os.makedirs(os.path.join(home.config, 'plugins'), exist_ok=True)
    with open(os.path.join(home.config, 'plugins', 'BookBoss.json'), 'w') as f:
        json.dump(dict(LIMITS, trusted_proxies=['127.0.0.1']), f)
    old = os.umask(0o022)
    try:
        srv = CalibreServer(home, [library], '--enable-auth', '--auth-mode', 'basic').start()
    finally:
        os.umask(old)
    srv.library = library
    yield srv
    srv.stop()


def kosync(server, method, path, user, password, body=None, extra=None):
    headers = {'x-auth-user': user, 'x-auth-key': md5_text(password), 'Content-Type': 'application/json'}
    headers.update(extra or {})
    status, _, raw = server.request(method, '/koreader' + path, json.dumps(body).encode() if body else None, headers)
    return status, json.loads(raw)


def push_body(document, percentage=0.5, device_id='KOBO'):
    return {'document': document, 'percentage': percentage, 'progress': '/body/p[1]', 'device': 'Kobo',
            'device_id': device_id}


# -- row 1 -------------------------------------------------------------------------------

def test_an_underscore_header_never_merges_into_the_proxys_forwarded_for(server):
    for i in range(5):
        status, _ = kosync(server, 'GET', '/users/auth', 'tina', 'wrong',
                           extra={'X-Forwarded-For': '10.0.0.2', 'X_Forwarded_For': f'10.9.9.{i}'})
        assert status == 401
    status, body = kosync(server, 'GET', '/users/auth', 'tina', 'pw', extra={'X-Forwarded-For': '10.0.0.2'})
    assert status == 401 and 'Too many failed logins' in body['message']
    # another reader behind the same proxy is not affected
    assert kosync(server, 'GET', '/users/auth', 'tina', 'pw', extra={'X-Forwarded-For': '10.0.0.3'})[0] == 200


# -- row 2 -------------------------------------------------------------------------------

def test_growth_per_user_is_bounded_whatever_device_ids_the_client_invents(server, sidecar):
    for i in range(LIMITS['documents_per_user']):
        assert kosync(server, 'PUT', '/syncs/progress', 'alice', 'pw', push_body(f'flood{i:04d}', device_id=f'dev{i}'))[0] == 200
    status, body = kosync(server, 'PUT', '/syncs/progress', 'alice', 'pw', push_body('flood-one-too-many'))
    assert (status, body['code']) == (403, 2003) and str(LIMITS['documents_per_user']) in body['message']
    # an acknowledged document still syncs, and its latest position is never dropped
    assert kosync(server, 'PUT', '/syncs/progress', 'alice', 'pw', push_body('flood0000', 0.9, 'devX'))[0] == 200
    for i in range(1, LIMITS['documents_per_user']):
        assert kosync(server, 'GET', f'/syncs/progress/flood{i:04d}', 'alice', 'pw')[1]['percentage'] == 0.5
    assert kosync(server, 'GET', '/syncs/progress/flood-one-too-many', 'alice', 'pw')[1] == {}
    with settled(sidecar) as c:
        history = c.execute("SELECT COUNT(*) FROM push_history WHERE user='alice'").fetchone()[0]
    assert history <= LIMITS['history_per_user']


def test_the_page_is_paged_and_bounded(server):
    status, _, page = server.request('GET', '/koreader', headers=basic('alice', 'pw'))
    assert status == 200
    assert page.count(b'class="unmatched-row"') == LIMITS['page_rows']
    assert b'Page 1 of 4' in page and b'?page=2' in page
    status, _, page = server.request('GET', '/koreader?page=4', headers=basic('alice', 'pw'))
    assert page.count(b'class="unmatched-row"') == 5 and b'Page 4 of 4' in page


# -- row 3 -------------------------------------------------------------------------------

def test_a_removed_and_recreated_calibre_user_starts_empty(server, home):
    assert kosync(server, 'PUT', '/syncs/progress', 'ulla', 'pw', push_body('ullasbook'))[0] == 200
    home.users('remove', 'ulla')
    time.sleep(1.1)  # calibre's creation timestamp is to the second
    home.add_user('ulla', 'pw2')
    assert kosync(server, 'GET', '/syncs/progress/ullasbook', 'ulla', 'pw2') == (200, {})
    status, _, page = server.request('GET', '/koreader', headers=basic('ulla', 'pw2'))
    assert b'ullasbook' not in page and b'No device has synced yet' in page
    retired = cli(home, 'status')['retired_accounts']
    assert any(r.startswith('ulla#retired:') and '1 documents' in r for r in retired)
    removed = cli(home, 'forget-user', 'ulla')['removed']
    assert removed['progress'] == 1 and not cli(home, 'status')['retired_accounts']


# -- row 4 -------------------------------------------------------------------------------

def test_the_sidecar_folder_and_files_are_private(server, sidecar):
    assert kosync(server, 'PUT', '/syncs/progress', 'alice', 'pw', push_body('flood0001'))[0] == 200
    assert stat.S_IMODE(os.stat(os.path.dirname(sidecar)).st_mode) == 0o700
    for name in (sidecar, sidecar + '-wal', sidecar + '-shm'):
        assert stat.S_IMODE(os.stat(name).st_mode) == 0o600, name


# -- rows 5 and 6 ------------------------------------------------------------------------

def page_token(server, user='alice'):
    """The link form's token, from the page listing flood0002 among the newest unmatched
    documents (its first page shows page_rows of them, newest first: pushed again now, it is
    there however the earlier pushes fell across clock seconds)."""
    assert kosync(server, 'PUT', '/syncs/progress', user, 'pw', push_body('flood0002'))[0] == 200
    query = urlencode({'doc': 'flood0002', 'q': 'Visible'})
    status, _, page = server.request('GET', f'/koreader?{query}', headers=basic(user, 'pw'))
    return re.search(rb'name="csrf" value="([0-9a-f]+)"', page).group(1).decode()


def post_link(server, origin, token, host=None):
    form = urlencode({'csrf': token, 'doc': 'flood0002', 'library': library_uuid(server), 'book': '1',
                      'format': 'EPUB'}).encode()
    headers = dict(basic('alice', 'pw'), **{'Content-Type': 'application/x-www-form-urlencoded', 'Origin': origin})
    if host:
        headers['Host'] = host
    return server.request('POST', '/koreader/link', form, headers)


def library_uuid(server):
    with settled(server.home.env['BOOKBOSS_SIDECAR']) as c:
        return c.execute('SELECT uuid FROM libraries').fetchone()[0]


@pytest.mark.parametrize('bad', ['127.0.0.1:abc', '[::1', '['])
def test_a_malformed_host_or_origin_is_a_400_with_no_traceback(server, bad):
    lines = server.output().count('\n')
    status, headers, _ = server.request('GET', '/koreader', headers=dict(basic('alice', 'pw'), Host=bad))
    assert status == 400 and dict(headers)['Content-Type'].startswith('text/html')
    status, _, _ = post_link(server, f'http://{bad}', page_token(server))
    assert status == 400
    out = server.output()
    assert 'Traceback' not in out and out.count('\n') - lines <= 1


@pytest.mark.parametrize('origin', ['http://127.0.0.1:1', 'https://127.0.0.1:{port}', 'http://localhost:{port}',
                                    'null'])
def test_a_link_from_another_origin_is_refused(server, home, origin):
    status, _, _ = post_link(server, origin.format(port=server.port), page_token(server))
    assert status == 403
    with settled(home.env['BOOKBOSS_SIDECAR']) as c:
        assert c.execute("SELECT COUNT(*) FROM document_links WHERE document='flood0002'").fetchone()[0] == 0


def test_a_link_from_exactly_this_origin_is_accepted(server):
    status, headers, _ = post_link(server, f'http://127.0.0.1:{server.port}', page_token(server))
    assert status == 303


# -- row 7 -------------------------------------------------------------------------------

def test_the_page_refuses_framing_and_sniffing(server):
    status, headers, _ = server.request('GET', '/koreader', headers=basic('alice', 'pw'))
    headers = dict(headers)
    assert headers['X-Frame-Options'] == 'DENY'
    assert "frame-ancestors 'none'" in headers['Content-Security-Policy']
    assert headers['X-Content-Type-Options'] == 'nosniff'


# -- row 8 -------------------------------------------------------------------------------

def digests_shown(server, user):
    _, _, page = server.request('GET', '/koreader', headers=basic(user, 'pw'))
    return int(re.search(rb'Digests known for books you may see: (\d+)', page).group(1))


def test_a_restricted_users_page_counts_only_books_they_may_see(server):
    before = digests_shown(server, 'rita')
    Device(server, 'alice', 'pw').download('/get/epub/2/Library')  # the book rita may not see
    assert digests_shown(server, 'rita') == before
    assert digests_shown(server, 'alice') > before


# -- row 9 -------------------------------------------------------------------------------

def test_an_empty_calibre_password_never_logs_in(server, home):
    with sqlite3.connect(home.userdb) as c:
        c.execute("UPDATE users SET pw='' WHERE name='erin'")
    assert kosync(server, 'GET', '/users/auth', 'erin', '')[0] == 401
    status, _, _ = server.request('GET', '/koreader/users/auth', headers={
        'x-auth-user': 'erin', 'x-auth-key': hashlib.md5(b'').hexdigest()})
    assert status == 401


# -- rows 10 and 11 (the server is stopped and started) -----------------------------------

def test_a_normal_stop_leaves_every_acknowledged_push_in_the_database_file_alone(server, home, sidecar, tmp_path):
    for i in range(40):
        assert kosync(server, 'PUT', '/syncs/progress', 'rita', 'pw', push_body('storm', i / 100))[0] == 200
    backup = str(tmp_path / 'backup.sqlite')
    try:
        assert cli(home, 'backup', backup)['backup'] == backup  # while the server runs
    finally:
        server.stop()  # SIGTERM: calibre-server's normal stop
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600 and not os.path.exists(backup + '-wal')
    alone = tmp_path / 'alone.sqlite'
    shutil.copyfile(sidecar, alone)  # the file alone, without -wal
    for copy in (str(alone), backup):
        with sqlite3.connect(copy) as c:
            row = c.execute("SELECT percentage FROM progress WHERE user='rita' AND document='storm'").fetchone()
        assert row == (0.39,), copy


def test_an_emptied_sidecar_is_reported_in_the_log_and_in_status(server, home, sidecar):
    server.stop()  # (already stopped by the test above; stopping twice is harmless)
    for suffix in ('-wal', '-shm'):
        if os.path.exists(sidecar + suffix):
            os.remove(sidecar + suffix)
    open(sidecar, 'wb').close()  # truncated to 0 bytes while stopped
    server.start()
    assert kosync(server, 'GET', '/syncs/progress/storm', 'rita', 'pw') == (200, {})
    assert 'WARNING' in server.output() and 'was empty' in server.output()
    assert any('was empty' in n for n in cli(home, 'status')['notices'])
