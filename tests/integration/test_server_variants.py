"""How the plugin lives in differently configured calibre servers."""

import hashlib
import json

import pytest

from harness import CalibreHome, CalibreServer


def md5(s):
    return hashlib.md5(s.encode('utf-8')).hexdigest()


@pytest.fixture(scope='module')
def library(home):
    home.add_user('erin', 'pass1')
    return home.library('Books')


def test_with_calibre_auth_kosync_still_uses_its_own_headers_under_a_url_prefix(home, library):
    srv = CalibreServer(home, [library], '--enable-auth', '--auth-mode', 'basic',
                        '--url-prefix', '/calibre').start()
    try:
        # calibre's own pages ask for HTTP auth; KOReader's x-auth headers reach the app
        assert srv.request('GET', '/calibre/opds')[0] == 401
        status, headers, raw = srv.request('GET', '/calibre/koreader/users/auth',
                                           headers={'x-auth-user': 'erin', 'x-auth-key': md5('pass1')})
        assert (status, dict(headers)['Content-Type'], raw) == (200, 'application/json', b'{"authorized":"OK"}')
        status, _, raw = srv.request('GET', '/calibre/koreader/users/auth',
                                     headers={'x-auth-user': 'erin', 'x-auth-key': md5('bad')})
        assert (status, raw) == (401, b'{"code":2001,"message":"Unauthorized"}')
        assert srv.request('GET', '/calibre/koreader/healthcheck')[2] == b'{"state":"OK"}'
        # the browser page sits behind calibre's own login and gives the prefixed sync URL
        assert srv.request('GET', '/calibre/koreader')[0] == 401
        status, headers, raw = srv.request('GET', '/calibre/koreader/', headers={'Authorization': 'Basic ZXJpbjpwYXNzMQ=='})
        assert status == 200 and f'http://127.0.0.1:{srv.port}/calibre/koreader</code>' in raw.decode()
        assert f'http://127.0.0.1:{srv.port}/calibre/opds' in raw.decode()
    finally:
        srv.stop()


def test_calibre_ban_settings_drive_the_throttle(home, library):
    srv = CalibreServer(home, [library], '--ban-after', '2', '--ban-for', '3').start()
    try:
        bad = {'x-auth-user': 'erin', 'x-auth-key': md5('bad')}
        for _ in range(2):
            assert srv.request('GET', '/koreader/users/auth', headers=bad)[0] == 401
        status, _, raw = srv.request('GET', '/koreader/users/auth',
                                     headers={'x-auth-user': 'erin', 'x-auth-key': md5('pass1')})
        assert status == 401 and 'Try again in 3 minute' in json.loads(raw)['message']
    finally:
        srv.stop()


def test_with_no_calibre_users_login_explains_how_to_create_one(plugin_zip):
    home = CalibreHome(plugin_zip)
    try:
        srv = CalibreServer(home, [home.library('Lib', books=[('Solo', 'Nobody', 2)])]).start()
        try:
            status, headers, raw = srv.request('GET', '/koreader/users/auth',
                                               headers={'x-auth-user': 'admin', 'x-auth-key': md5('x')})
            assert status == 401 and dict(headers)['Content-Type'] == 'application/json'
            body = json.loads(raw)
            assert body['code'] == 2001 and '--manage-users' in body['message']
        finally:
            srv.stop()
    finally:
        home.cleanup()


def test_a_disabled_plugin_adds_no_routes(plugin_zip):
    home = CalibreHome(plugin_zip)
    try:
        home.run('calibre-customize', '--disable-plugin', 'BookBoss')
        srv = CalibreServer(home, [home.library('Lib', books=[('Solo', 'Nobody', 2)])]).start()
        try:
            status, headers, _ = srv.request('GET', '/koreader/healthcheck')
            assert status == 404 and dict(headers)['Content-Type'].startswith('text/plain')
        finally:
            srv.stop()
        home.run('calibre-customize', '--enable-plugin', 'BookBoss')
        srv.start()
        try:
            assert srv.request('GET', '/koreader/healthcheck')[0] == 200
        finally:
            srv.stop()
    finally:
        home.cleanup()


def test_answers_calibre_gives_before_plugin_code_runs(home, library):
    """Documented in README, not fought: calibre's HTTP layer answers these in text/plain."""
    srv = CalibreServer(home, [library]).start()
    try:
        status, headers, _ = srv.request('PATCH', '/koreader/syncs/progress', b'{}')
        assert status == 400 and dict(headers)['Content-Type'].startswith('text/plain')
    finally:
        srv.stop()


def test_without_calibre_auth_the_page_gives_instructions_and_says_how_to_enable_per_user_views(home, library):
    srv = CalibreServer(home, [library]).start()
    try:
        status, headers, raw = srv.request('GET', '/koreader', headers={'Host': 'books.example.org:8080'})
        page = raw.decode()
        assert status == 200 and dict(headers)['Content-Type'] == 'text/html; charset=utf-8'
        assert 'http://books.example.org:8080/koreader' in page and 'loopback-warning' not in page
        assert 'id="no-auth"' in page and '--enable-auth' in page and 'id="devices"' not in page
        assert 'id="no-reader-bridge"' in page and "calibre's web reader" in page
        # KOReader's own requests are unaffected
        assert srv.request('GET', '/koreader/healthcheck')[2] == b'{"state":"OK"}'
    finally:
        srv.stop()


def test_the_library_index_runs_when_the_server_starts(home, library):
    srv = CalibreServer(home, [library]).start()  # no request reaches BookBoss
    try:
        import time
        for _ in range(100):
            if 'BookBoss: indexed library Books' in srv.output():
                break
            time.sleep(0.2)
        assert 'BookBoss: indexed library Books' in srv.output(), srv.output()
        assert 'already taken' not in srv.output() and 'FAILED' not in srv.output()  # routes added once
    finally:
        srv.stop()
