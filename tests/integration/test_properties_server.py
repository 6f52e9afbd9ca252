"""Property tests against a real calibre-server: whatever arrives under /koreader, the
answer is below 500, and the stored state always equals a simple model: last write wins,
keyed by (user, book, format) for linked documents and (user, document) otherwise."""

import string
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from harness import CalibreServer
from koreader_client import Device, md5_text, partial_md5

USERS = {'una': 'pw1', 'vic': 'pw2'}


@pytest.fixture(scope='module')
def world(home):
    library = home.library('Library', [('Shared Book', 'Ann Author', 3), ('Other Book', 'Bo Writer', 3)])
    for name, password in USERS.items():
        home.add_user(name, password)
    srv = CalibreServer(home, [library]).start()
    una = Device(srv, 'una', 'pw1')
    served = partial_md5(una.download('/get/epub/1/Library')[0])
    # Two digests of one book format: the bytes served and KOReader's default file name.
    linked = {served: ('book', 1), md5_text('Ann Author - Shared Book.epub'): ('book', 1)}
    unlinked = ['kosyncprobe.dot', 'f' * 32, 'Ünïcödé', 'deadbeef' * 4]
    yield {'server': srv, 'linked': linked, 'documents': list(linked) + unlinked, 'model': {}}
    srv.stop()


def model_key(world, user, document):
    return (user,) + world['linked'].get(document, ('document', document.lower() if len(document) == 32 else document))


def check_pull(world, user, document):
    device = Device(world['server'], user, USERS[user])
    got = device.pull(quote(document, safe=''))
    expected = world['model'].get(model_key(world, user, document))
    if expected is None:
        assert got == {}
    else:
        assert (got['percentage'], got['progress'], got['device']) == expected


push_op = st.tuples(st.just('push'), st.sampled_from(sorted(USERS)), st.integers(0, 5),
                    st.floats(0, 1, allow_nan=False), st.text(string.printable, max_size=30),
                    st.sampled_from(['Kobo', 'Kindle', 'Phone']))
pull_op = st.tuples(st.just('pull'), st.sampled_from(sorted(USERS)), st.integers(0, 5))
garbage_op = st.tuples(
    st.just('garbage'), st.sampled_from(['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD']),
    st.lists(st.text(min_size=1, max_size=8), max_size=4).map(lambda parts: '/'.join(quote(p, safe='') for p in parts)),
    st.binary(max_size=300), st.dictionaries(st.sampled_from(['x-auth-user', 'x-auth-key', 'Content-Type', 'Accept',
                                                              'Authorization', 'X-Forwarded-For']),
                                             st.text(string.printable.strip(), max_size=40), max_size=4))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(st.one_of(push_op, pull_op, garbage_op), max_size=15))
def test_any_sequence_keeps_the_last_write_wins_model_and_never_answers_5xx(world, ops):
    server = world['server']
    for op in ops:
        if op[0] == 'push':
            _, user, i, percentage, progress, device_name = op
            document = world['documents'][i]
            device = Device(server, user, USERS[user], device_name)
            device.push(document, percentage, progress)
            world['model'][model_key(world, user, document)] = (percentage, progress, device_name)
        elif op[0] == 'pull':
            _, user, i = op
            check_pull(world, user, world['documents'][i])
        else:
            _, method, path, body, headers = op
            if path in ('', 'link') or headers.get('x-auth-user', '').strip() in USERS:
                continue  # the browser page; failed logins as a real user would throttle the model's user
            status, response_headers, raw = server.request(method, '/koreader/' + path, body, headers)
            assert status < 500, (method, path, status, raw)
    for user in USERS:
        for document in world['documents']:
            check_pull(world, user, document)
