"""Every kosync endpoint and error path, on the wire, through a real calibre-server."""

import hashlib
import json

import pytest

from harness import CalibreServer

DOC = '5a1c7b2e9d3f4a6b8c0d1e2f3a4b5c6d'


def md5(s):
    return hashlib.md5(s.encode('utf-8')).hexdigest()


def auth(user, password):
    return {'x-auth-user': user, 'x-auth-key': md5(password),
            'Accept': 'application/vnd.koreader.v1+json'}


ALICE = auth('alice', 'secret')
BOB = auth('bob', 'hunter2')
KOBO = {'device': 'Kobo Libra 2', 'device_id': '0A1B2C3D4E5F60718293A4B5C6D7E8F9'}
KINDLE = {'device': 'Kindle Paperwhite', 'device_id': 'FFEEDDCCBBAA99887766554433221100'}


@pytest.fixture(scope='module')
def server(home):
    library = home.library('Library')
    home.add_user('alice', 'secret')
    home.add_user('bob', 'hunter2')
    home.add_user('dave', 'letmein')
    srv = CalibreServer(home, [library]).start()
    yield srv
    srv.stop()


def content_types(headers):
    return [v for k, v in headers if k.lower() == 'content-type']


def exchange(server, method, path, body=None, headers=None):
    status, headers, raw = server.request(method, path, body, headers)
    assert content_types(headers) == ['application/json'], (status, headers, raw)
    return status, raw


def push(server, headers, document=DOC, percentage=0.42, progress='/body/DocFragment[3]/body/p[7]/text().0',
         device=KOBO, **extra):
    body = dict(document=document, percentage=percentage, progress=progress, **device, **extra)
    return exchange(server, 'PUT', '/koreader/syncs/progress', json.dumps(body).encode(),
                    dict(headers, **{'Content-Type': 'application/json'}))


def test_healthcheck(server):
    assert exchange(server, 'GET', '/koreader/healthcheck') == (200, b'{"state":"OK"}')


def test_login_with_md5_key(server):
    assert exchange(server, 'GET', '/koreader/users/auth', headers=ALICE) == (200, b'{"authorized":"OK"}')


def test_wrong_key_and_unknown_user_get_the_same_401(server):
    wrong = exchange(server, 'GET', '/koreader/users/auth', headers=auth('alice', 'nope'))
    unknown = exchange(server, 'GET', '/koreader/users/auth', headers=auth('mallory', 'secret'))
    assert wrong == unknown == (401, b'{"code":2001,"message":"Unauthorized"}')


def test_register_is_402_2005_with_a_message_about_calibre_users(server):
    status, raw = exchange(server, 'POST', '/koreader/users/create',
                           b'{"username":"x","password":"' + md5('y').encode() + b'"}')
    body = json.loads(raw)
    assert status == 402 and body['code'] == 2005 and 'calibre administrator' in body['message']


def test_push_then_pull_from_a_second_device(server):
    status, raw = push(server, ALICE)
    put = json.loads(raw)
    assert status == 200 and list(put) == ['document', 'timestamp'] and put['document'] == DOC
    assert raw == b'{"document":"%s","timestamp":%d}' % (DOC.encode(), put['timestamp'])
    # KOReader on the Kindle pulls: it sees the Kobo's position, with integer seconds.
    status, raw = exchange(server, 'GET', f'/koreader/syncs/progress/{DOC}', headers=ALICE)
    assert status == 200
    assert raw == (b'{"document":"%s","percentage":0.42,"progress":"/body/DocFragment[3]/body/p[7]/text().0",'
                   b'"device":"Kobo Libra 2","device_id":"0A1B2C3D4E5F60718293A4B5C6D7E8F9","timestamp":%d}'
                   % (DOC.encode(), put['timestamp']))
    # The Kindle reads on and pushes; the Kobo pulls the Kindle's position.
    push(server, ALICE, percentage=0.5, progress='/body/DocFragment[4]', device=KINDLE)
    got = json.loads(exchange(server, 'GET', f'/koreader/syncs/progress/{DOC}', headers=ALICE)[1])
    assert (got['percentage'], got['device'], got['device_id']) == (0.5, KINDLE['device'], KINDLE['device_id'])


def test_unknown_document_is_200_and_exactly_an_empty_object(server):
    assert exchange(server, 'GET', '/koreader/syncs/progress/' + 'e' * 32, headers=ALICE) == (200, b'{}')


def test_users_are_isolated(server):
    push(server, BOB, document='bobsbook', percentage=0.9)
    assert exchange(server, 'GET', '/koreader/syncs/progress/bobsbook', headers=ALICE) == (200, b'{}')
    push(server, ALICE, document='bobsbook', percentage=0.1)
    got = json.loads(exchange(server, 'GET', '/koreader/syncs/progress/bobsbook', headers=BOB)[1])
    assert got['percentage'] == 0.9


@pytest.mark.parametrize('headers', [{}, {'x-auth-user': 'alice'}, auth('alice', 'wrong')])
def test_progress_calls_need_credentials(server, headers):
    assert exchange(server, 'GET', f'/koreader/syncs/progress/{DOC}', headers=headers)[0] == 401
    status, raw = exchange(server, 'PUT', '/koreader/syncs/progress', b'{}', headers)
    assert (status, raw) == (401, b'{"code":2001,"message":"Unauthorized"}')


def test_raw_password_key_and_http_basic_also_log_in(server):
    assert exchange(server, 'GET', '/koreader/users/auth',
                    headers={'x-auth-user': 'alice', 'x-auth-key': 'secret'})[0] == 200
    assert exchange(server, 'GET', '/koreader/users/auth',
                    headers={'Authorization': 'Basic YWxpY2U6c2VjcmV0'})[0] == 200  # alice:secret
    assert exchange(server, 'GET', '/koreader/users/auth',
                    headers={'x-auth-user': 'alice', 'x-auth-key': md5('secret').upper()})[0] == 200


def test_get_without_a_document_is_404_json(server):
    for path in ('/koreader/syncs/progress', '/koreader/syncs/progress/'):
        status, raw = exchange(server, 'GET', path, headers=ALICE)
        assert status == 404 and json.loads(raw)['code']


def test_unknown_path_404_and_wrong_method_405_are_json(server):
    assert exchange(server, 'GET', '/koreader/no/such/thing')[0] == 404
    for method, path in (('DELETE', '/koreader/healthcheck'), ('POST', '/koreader/syncs/progress'),
                         ('PUT', f'/koreader/syncs/progress/{DOC}'), ('OPTIONS', '/koreader/users/auth'),
                         ('GET', '/koreader/users/create')):
        status, raw = exchange(server, method, path, b'{}', ALICE)
        assert status == 405 and 'not allowed' in json.loads(raw)['message']


def test_repeated_and_trailing_slashes_and_no_accept_header(server):
    headers = {k: v for k, v in ALICE.items() if k != 'Accept'}
    assert exchange(server, 'GET', '/koreader//users/auth/', headers=headers)[0] == 200
    assert push(server, headers)[0] == 200
    assert exchange(server, 'GET', f'/koreader//syncs/progress//{DOC}/', headers=headers)[0] == 200


def test_head_gives_the_headers_of_get(server):
    status, headers, raw = server.request('HEAD', '/koreader/healthcheck')
    assert (status, content_types(headers), raw) == (200, ['application/json'], b'')
    assert dict(headers)['Content-Length'] == '14'


@pytest.mark.parametrize('raw,status,code', [
    (b'{"document": ', 400, 103), (b'[]', 400, 104), (b'\xff\xfe\x00', 400, 103),
    (b'{"document":"d","percentage":"lots","progress":"p","device":"K"}', 403, 2003),
    (b'{"document":"d","percentage":2,"progress":"p","device":"K"}', 403, 2003),
    (b'{"document":"d","percentage":0.5,"device":"K"}', 403, 2003),
    (b'{"document":"a:b","percentage":0.5,"progress":"p","device":"K"}', 403, 2004),
    (b'{"percentage":0.5,"progress":"p","device":"K"}', 403, 2004),
    (b'{"document":"d","percentage":0.5,"progress":"p","device":"K","metadata":"x"}', 403, 2003),
])
def test_bad_bodies_get_a_clear_json_answer_and_store_nothing(server, raw, status, code):
    got_status, body = exchange(server, 'PUT', '/koreader/syncs/progress', raw, auth('dave', 'letmein'))
    assert (got_status, json.loads(body)['code']) == (status, code)
    assert exchange(server, 'GET', '/koreader/syncs/progress/d', headers=auth('dave', 'letmein')) == (200, b'{}')


def test_a_huge_body_is_refused_with_the_cap(server):
    raw = json.dumps({'document': 'big', 'percentage': 0.1, 'device': 'K', 'progress': 'x' * 200_000}).encode()
    status, body = exchange(server, 'PUT', '/koreader/syncs/progress', raw, ALICE)
    assert status == 403 and '65536' in json.loads(body)['message']


def test_numeric_string_percentage_integer_one_and_old_numeric_progress(server):
    raw = b'{"document":"paged","percentage":"1","progress":12,"device":"Old Kobo"}'
    assert exchange(server, 'PUT', '/koreader/syncs/progress', raw, ALICE)[0] == 200
    got = json.loads(exchange(server, 'GET', '/koreader/syncs/progress/paged', headers=ALICE)[1])
    assert (got['percentage'], got['progress'], got['device_id']) == (1.0, '12', '')


def test_opaque_document_ids_read_back_as_written(server):
    for doc in ('kosyncconformanceprobe0000000001', 'kosyncprobe.dot', 'Ünï cödé'):
        status, raw = push(server, ALICE, document=doc)
        assert status == 200 and json.loads(raw)['document'] == doc
        from urllib.parse import quote
        got = json.loads(exchange(server, 'GET', '/koreader/syncs/progress/' + quote(doc), headers=ALICE)[1])
        assert got['document'] == doc and got['percentage'] == 0.42


def test_non_utf8_username_bytes_are_401_not_500(server):
    status, headers, raw = server.request('GET', '/koreader/users/auth',
                                          headers={'x-auth-user': 'caf\xe9', 'x-auth-key': md5('x')})
    assert status == 401 and content_types(headers) == ['application/json']


def test_account_management_is_refused_with_a_pointer_to_calibre(server):
    for method, path in (('PUT', '/koreader/users/password'), ('DELETE', '/koreader/users/me')):
        status, raw = exchange(server, method, path, b'{"password":"x"}', ALICE)
        assert status == 403 and json.loads(raw)['code'] == 2003


def test_repeated_failures_are_throttled_per_user_and_address_with_a_retry_hint(server):
    for _ in range(5):
        assert exchange(server, 'GET', '/koreader/users/auth', headers=auth('dave', 'wrong'))[0] == 401
    status, raw = exchange(server, 'GET', '/koreader/users/auth', headers=auth('dave', 'letmein'))
    assert status == 401 and 'Try again in 10 minute' in json.loads(raw)['message']
    # the household's other readers behind the same address still log in
    assert exchange(server, 'GET', '/koreader/users/auth', headers=BOB)[0] == 200


def test_the_sidecar_lives_in_calibres_config_folder(server, home):
    import os
    assert os.path.exists(home.sidecar)


def test_acknowledged_pushes_survive_a_restart(server, home):
    status, raw = push(server, ALICE, document='durable', percentage=0.77)
    assert status == 200
    server.stop()
    server.start()
    got = json.loads(exchange(server, 'GET', '/koreader/syncs/progress/durable', headers=ALICE)[1])
    assert got['percentage'] == 0.77
