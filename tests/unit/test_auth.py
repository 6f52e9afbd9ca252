import base64
import hashlib

import pytest

from bookboss.plugin.app.auth import Authenticator, credentials
from bookboss.plugin.app.kosync import WsgiRequest
from bookboss.plugin.core.protocol import KosyncError
from bookboss.plugin.core.throttle import LoginThrottle
from fakes import Accounts


def environ(user=None, key=None, basic=None, addr='10.0.0.2', **extra):
    env = {'REMOTE_ADDR': addr}
    if user is not None:
        env['HTTP_X_AUTH_USER'] = user.encode('utf-8').decode('latin-1')
    if key is not None:
        env['HTTP_X_AUTH_KEY'] = key
    if basic is not None:
        env['HTTP_AUTHORIZATION'] = 'Basic ' + base64.b64encode(basic.encode()).decode()
    env.update(extra)
    return WsgiRequest(env)


def md5(s):
    return hashlib.md5(s.encode('utf-8')).hexdigest()


@pytest.fixture
def auth():
    return Authenticator(Accounts({'alice': 'secret', 'bob': 'hunter2'}), LoginThrottle())


def refused(auth, env):
    with pytest.raises(KosyncError) as e:
        auth.authenticate(env)
    assert (e.value.status, e.value.code) == (401, 2001)
    return e.value.message


def test_md5_key_in_lower_or_upper_case_logs_in(auth):
    assert auth.authenticate(environ('alice', md5('secret'))) == 'alice'
    assert auth.authenticate(environ('alice', md5('secret').upper())) == 'alice'


def test_raw_password_as_key_and_http_basic_log_in(auth):
    assert auth.authenticate(environ('alice', 'secret')) == 'alice'
    assert auth.authenticate(environ(basic='alice:secret')) == 'alice'
    assert auth.authenticate(environ(basic='alice:' + md5('secret'))) == 'alice'


def test_unknown_user_and_wrong_key_are_indistinguishable(auth):
    assert refused(auth, environ('alice', md5('wrong'))) == refused(auth, environ('nobody', md5('x')))


def test_missing_credentials_are_401(auth):
    assert refused(auth, environ()) == 'Unauthorized'
    assert refused(auth, environ('alice')) == 'Unauthorized'
    assert refused(auth, environ(key=md5('secret'))) == 'Unauthorized'


def test_throttled_attempts_say_when_to_retry_and_skip_the_password_check(auth):
    for _ in range(5):
        refused(auth, environ('alice', 'wrong'))
    message = refused(auth, environ('alice', md5('secret')))
    assert 'Try again in 10 minute' in message
    assert auth.authenticate(environ('alice', md5('secret'), addr='10.0.0.9')) == 'alice'
    assert auth.authenticate(environ('bob', md5('hunter2'))) == 'bob'


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted():
    throttle = LoginThrottle()
    plain = Authenticator(Accounts({'a': 'pw'}), throttle)
    for i in range(5):
        refused(plain, environ('a', 'bad', HTTP_X_FORWARDED_FOR=f'10.1.1.{i}'))
    assert 'Try again' in refused(plain, environ('a', 'pw', HTTP_X_FORWARDED_FOR='10.9.9.9'))

    proxied = Authenticator(Accounts({'a': 'pw'}), LoginThrottle(), trusted_proxies=['10.0.0.2'])
    for _ in range(5):
        refused(proxied, environ('a', 'bad', HTTP_X_FORWARDED_FOR='192.168.1.5'))
    assert proxied.authenticate(environ('a', 'pw', HTTP_X_FORWARDED_FOR='192.168.1.6')) == 'a'


def test_no_calibre_users_says_how_to_create_one():
    auth = Authenticator(Accounts({}), LoginThrottle())
    assert '--manage-users' in refused(auth, environ('alice', md5('secret')))


def test_non_utf8_username_bytes_are_just_unauthorized(auth):
    env = environ(key=md5('secret'), HTTP_X_AUTH_USER=b'\xe9t\xe9'.decode('latin-1'))
    refused(auth, env)


def test_utf8_username_header_is_decoded():
    auth = Authenticator(Accounts({'Zoë': 'pw'}), LoginThrottle())
    assert auth.authenticate(environ('Zoë', md5('pw'))) == 'Zoë'
    assert credentials(environ('  Zoë  ', 'k')) == ('Zoë', 'k')
