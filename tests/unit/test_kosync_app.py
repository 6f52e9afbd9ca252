"""The kosync app over WSGI, in-process, with a real SQLite store."""

import hashlib
import json

import pytest

from bookboss.plugin.app.auth import Authenticator
from bookboss.plugin.app.kosync import make_app
from bookboss.plugin.app.sync import Sync
from bookboss.plugin.core.protocol import MAX_BODY_BYTES
from bookboss.plugin.core.throttle import LoginThrottle
from fakes import Accounts
from wsgi_client import call

KEY = hashlib.md5(b'secret').hexdigest()
ALICE = {'x-auth-user': 'alice', 'x-auth-key': KEY, 'Accept': 'application/vnd.koreader.v1+json'}
BOB = {'x-auth-user': 'bob', 'x-auth-key': hashlib.md5(b'hunter2').hexdigest()}
DOC = 'd3b07384d113edec49eaa6238ad5ff00'


@pytest.fixture
def app(store):
    logged = []
    app = make_app(Sync(store, log=logged.append), Authenticator(Accounts(), LoginThrottle()), log=logged.append)
    app.logged = logged
    return app


def body(**kw):
    b = {'document': DOC, 'percentage': 0.3241, 'progress': '/body/DocFragment[6]/body/p[4]/text().17',
         'device': 'Kobo Libra 2', 'device_id': 'A1B2C3D4E5F60718293A4B5C6D7E8F90'}
    b.update(kw)
    return b


def assert_json(status, headers, raw, expected_status, expected=None):
    assert status == expected_status
    assert headers['Content-Type'] == 'application/json'
    data = json.loads(raw)
    if expected is not None:
        assert data == expected
    return data


def test_healthcheck_needs_no_login(app):
    assert_json(*call(app, 'GET', '/healthcheck'), 200, {'state': 'OK'})


def test_auth_ok_and_bad_key(app):
    assert_json(*call(app, 'GET', '/users/auth', headers=ALICE), 200, {'authorized': 'OK'})
    assert_json(*call(app, 'GET', '/users/auth', headers=dict(ALICE, **{'x-auth-key': 'nope'})), 401,
                {'code': 2001, 'message': 'Unauthorized'})


def test_register_is_402_2005_pointing_at_the_calibre_administrator(app):
    data = assert_json(*call(app, 'POST', '/users/create', {'username': 'x', 'password': KEY}), 402)
    assert data['code'] == 2005 and 'calibre administrator' in data['message']


def test_push_then_pull_from_another_device_returns_the_record(app):
    status, headers, raw = call(app, 'PUT', '/syncs/progress', body(), ALICE)
    put = assert_json(status, headers, raw, 200)
    assert set(put) == {'document', 'timestamp'} and put['document'] == DOC
    assert type(put['timestamp']) is int and 1_600_000_000 < put['timestamp'] < 10_000_000_000
    got = assert_json(*call(app, 'GET', f'/syncs/progress/{DOC}', headers=ALICE), 200)
    assert got == {'document': DOC, 'percentage': 0.3241,
                   'progress': '/body/DocFragment[6]/body/p[4]/text().17', 'device': 'Kobo Libra 2',
                   'device_id': 'A1B2C3D4E5F60718293A4B5C6D7E8F90', 'timestamp': put['timestamp']}


def test_unknown_document_is_200_empty_object_byte_exact(app):
    status, headers, raw = call(app, 'GET', '/syncs/progress/ffffffffffffffffffffffffffffffff', headers=ALICE)
    assert (status, headers['Content-Type'], raw) == (200, 'application/json', b'{}')


def test_one_user_never_reads_or_overwrites_another_users_progress(app):
    call(app, 'PUT', '/syncs/progress', body(percentage=0.9), ALICE)
    assert call(app, 'GET', f'/syncs/progress/{DOC}', headers=BOB)[2] == b'{}'
    call(app, 'PUT', '/syncs/progress', body(percentage=0.1), BOB)
    assert json.loads(call(app, 'GET', f'/syncs/progress/{DOC}', headers=ALICE)[2])['percentage'] == 0.9


@pytest.mark.parametrize('method,path', [('PUT', '/syncs/progress'), ('GET', f'/syncs/progress/{DOC}'),
                                         ('GET', '/users/auth')])
def test_progress_calls_without_valid_credentials_are_401_json(app, method, path):
    assert_json(*call(app, method, path, body(), {'x-auth-user': 'alice', 'x-auth-key': 'bad'}), 401,
                {'code': 2001, 'message': 'Unauthorized'})


def test_get_without_document_is_404_json(app):
    for path in ('/syncs/progress', '/syncs/progress/'):
        assert_json(*call(app, 'GET', path, headers=ALICE), 404)


def test_unknown_path_is_404_json_and_wrong_method_405_json(app):
    assert_json(*call(app, 'GET', '/nowhere'), 404)
    assert_json(*call(app, 'DELETE', '/healthcheck'), 405)
    assert_json(*call(app, 'PUT', f'/syncs/progress/{DOC}', body(), ALICE), 405)
    assert_json(*call(app, 'OPTIONS', '/syncs/progress', headers=ALICE), 405)


def test_repeated_and_trailing_slashes_work(app):
    assert_json(*call(app, 'GET', '//healthcheck/'), 200, {'state': 'OK'})
    assert_json(*call(app, 'PUT', '//syncs//progress/', body(), ALICE), 200)
    assert_json(*call(app, 'GET', f'/syncs//progress/{DOC}/', headers=ALICE), 200)


def test_no_accept_header_is_needed(app):
    headers = {k: v for k, v in ALICE.items() if k != 'Accept'}
    assert_json(*call(app, 'PUT', '/syncs/progress', body(), headers), 200)


def test_luajson_escaped_slashes_and_arbitrary_key_order_are_read(app):
    raw = ('{"device_id":"X","progress":"\\/body\\/DocFragment[2]","device":"K",'
           '"percentage":1,"document":"%s"}' % DOC)
    assert_json(*call(app, 'PUT', '/syncs/progress', raw, ALICE), 200)
    got = json.loads(call(app, 'GET', f'/syncs/progress/{DOC}', headers=ALICE)[2])
    assert got['progress'] == '/body/DocFragment[2]' and got['percentage'] == 1


@pytest.mark.parametrize('raw,code', [('{not json', 103), ('', 103), ('[1,2]', 104), ('"x"', 104),
                                      ('{"percentage": NaN}', 103), (b'\xff\xfe', 103)])
def test_malformed_bodies_get_400_with_the_official_codes(app, raw, code):
    data = assert_json(*call(app, 'PUT', '/syncs/progress', raw, ALICE), 400)
    assert data['code'] == code


def test_deeply_nested_json_is_a_400_not_a_crash(app):
    # Python < 3.12 hits its recursion limit (103); newer json parses it as an array (104)
    data = assert_json(*call(app, 'PUT', '/syncs/progress', '[' * 20000 + ']' * 20000, ALICE), 400)
    assert data['code'] in (103, 104)


def test_a_body_over_the_cap_is_403_2003_naming_the_cap(app):
    raw = json.dumps(body(progress='x' * (MAX_BODY_BYTES + 10)))
    data = assert_json(*call(app, 'PUT', '/syncs/progress', raw, ALICE), 403)
    assert data['code'] == 2003 and str(MAX_BODY_BYTES) in data['message']


def test_invalid_fields_are_403_and_store_nothing(app, store):
    for bad in (body(percentage=1.5), body(document='a:b'), body(device=None), body(progress=['x'])):
        status, headers, raw = call(app, 'PUT', '/syncs/progress', bad, ALICE)
        assert status == 403 and headers['Content-Type'] == 'application/json'
    assert store.counts()['documents'] == 0


def test_document_ids_are_opaque_and_read_back_as_sent(app):
    for doc in ('kosyncconformanceprobe0000000001', 'kosyncprobe.dot', 'Ünïcödé 书'):
        put = assert_json(*call(app, 'PUT', '/syncs/progress', body(document=doc), ALICE), 200)
        assert put['document'] == doc
        got = assert_json(*call(app, 'GET', f'/syncs/progress/{doc}', headers=ALICE), 200)
        assert got['document'] == doc and got['percentage'] == 0.3241


def test_uppercase_hex_document_is_the_same_document(app):
    call(app, 'PUT', '/syncs/progress', body(document=DOC.upper()), ALICE)
    assert json.loads(call(app, 'GET', f'/syncs/progress/{DOC}', headers=ALICE)[2])['document'] == DOC


def test_get_with_a_colon_in_the_document_is_403_2004(app):
    assert_json(*call(app, 'GET', '/syncs/progress/a:b', headers=ALICE), 403)


def test_account_management_calls_are_refused_and_never_change_a_password(app):
    for method, path in (('PUT', '/users/password'), ('DELETE', '/users/me')):
        data = assert_json(*call(app, method, path, {'password': 'new'}, ALICE), 403)
        assert data['code'] == 2003 and 'calibre' in data['message']
    assert_json(*call(app, 'GET', '/users/auth', headers=ALICE), 200)


def test_a_storage_failure_is_502_2000_and_logged(app, store, monkeypatch):
    from bookboss.plugin.store import StoreError

    def broken(*a, **k):
        raise StoreError('disk I/O error')
    monkeypatch.setattr(store, 'transaction', broken)
    assert_json(*call(app, 'PUT', '/syncs/progress', body(), ALICE), 502,
                {'code': 2000, 'message': 'Unknown server error.'})
    assert any('disk I/O error' in line for line in app.logged)


def test_an_unexpected_bug_never_leaks_a_500_or_html(app, store, monkeypatch):
    monkeypatch.setattr(store, 'sync_rows', lambda *a: 1 / 0)
    status, headers, raw = call(app, 'GET', f'/syncs/progress/{DOC}', headers=ALICE)
    assert (status, headers['Content-Type']) == (502, 'application/json')
    assert json.loads(raw)['code'] == 2000
    assert any('ZeroDivisionError' in line for line in app.logged)


def test_metadata_is_stored_and_kept_across_pushes_without_it(app, store):
    call(app, 'PUT', '/syncs/progress', body(metadata={'title': 'Dune', 'authors': 'Frank Herbert'}), ALICE)
    call(app, 'PUT', '/syncs/progress', body(percentage=0.5), ALICE)
    assert store.get_progress('alice', DOC)['metadata'] == {'title': 'Dune', 'authors': 'Frank Herbert'}


def test_a_library_that_cannot_be_searched_leaves_the_document_unmatched_and_sync_goes_on(store):
    class BrokenMatcher:
        def match(self, *a):
            raise RuntimeError('library is being switched')
    logged = []
    app = make_app(Sync(store, BrokenMatcher(), log=logged.append), Authenticator(Accounts(), LoginThrottle()),
                   log=logged.append)
    assert_json(*call(app, 'PUT', '/syncs/progress', body(), ALICE), 200)
    assert assert_json(*call(app, 'GET', f'/syncs/progress/{DOC}', headers=ALICE), 200)['percentage'] == 0.3241
    assert any('library is being switched' in line for line in logged)
