"""Property tests: whatever arrives under /koreader, the app answers JSON, never a 5xx,
and stores only valid records, only for the authenticated user."""

import hashlib
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bookboss.plugin.app.auth import Authenticator
from bookboss.plugin.app.kosync import make_app
from bookboss.plugin.app.sync import Sync
from bookboss.plugin.store import Store
from bookboss.plugin.core.throttle import LoginThrottle
from fakes import Accounts
from wsgi_client import call

USERS = {'alice': 'secret', 'bob': 'hunter2'}


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    store = Store(str(tmp_path_factory.mktemp('prop') / 'bookboss.sqlite'))
    throttle = LoginThrottle(max_failures=10 ** 9)  # properties, not throttling, are tested here
    app = make_app(Sync(store, log=lambda m: None), Authenticator(Accounts(USERS), throttle), log=lambda m: None)
    yield app, store
    store.close()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8)
push_bodies = st.fixed_dictionaries({}, optional={
    'document': st.text(max_size=40) | json_values, 'percentage': st.floats() | st.text(max_size=5) | json_values,
    'progress': st.text(max_size=20) | json_values, 'device': st.text(max_size=20) | json_values,
    'device_id': st.text(max_size=20) | json_values, 'metadata': json_values})
who = st.sampled_from(['alice', 'bob', 'mallory'])
paths = st.sampled_from(['/healthcheck', '/users/auth', '/users/create', '/syncs/progress', '/syncs/progress/x',
                         '/syncs/progress/', '/nowhere', '//syncs//progress']) | st.text(max_size=30).map(lambda t: '/' + t)
methods = st.sampled_from(['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'TRACE'])


def headers_for(user):
    return {'x-auth-user': user, 'x-auth-key': hashlib.md5(USERS.get(user, 'nope').encode()).hexdigest()}


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(method=methods, path=paths, raw=st.binary(max_size=200) | push_bodies.map(lambda b: json.dumps(b).encode()),
       user=who)
def test_any_request_gets_a_json_answer_below_500(world, method, path, raw, user):
    app, _ = world
    status, headers, body = call(app, method, path, raw, headers_for(user))
    assert status < 500
    assert headers['Content-Type'] == 'application/json'
    if method != 'HEAD':
        assert isinstance(json.loads(body), dict)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=push_bodies, user=who)
def test_a_push_is_stored_valid_for_its_user_or_refused_whole(world, body, user):
    app, store = world
    status, _, raw = call(app, 'PUT', '/syncs/progress', body, headers_for(user))
    if user not in USERS:
        assert status == 401
        return
    if status != 200:
        assert status in (400, 403)
        return
    doc = json.loads(raw)['document']
    row = store.get_progress(user, doc)
    assert 0 <= row['percentage'] <= 1 and math.isfinite(row['percentage'])
    assert isinstance(row['progress'], str) and isinstance(row['device'], str)
    other = 'bob' if user == 'alice' else 'alice'
    got = json.loads(call(app, 'GET', '/syncs/progress/' + doc, headers=headers_for(user))[2])
    assert got['percentage'] == row['percentage'] and got['device'] == body['device']
    other_row = store.get_progress(other, doc)
    assert other_row is None or other_row['timestamp'] <= row['timestamp']
