"""Who is asking: kosync credentials checked against the host's accounts.

KOReader sends x-auth-user and x-auth-key = md5(password); other kosync clients send
the raw password in x-auth-key or use HTTP Basic. The accounts object answers
password(name) -> str | None and has_users() -> bool; BookBoss never stores a password.
"""

import base64
import hashlib
import hmac
from urllib.parse import unquote

from ..core.protocol import unauthorized

NO_USERS_MESSAGE = (
    'This calibre server has no users yet. The calibre administrator creates one in '
    'calibre Preferences > Sharing over the net > Users, or with: calibre-server --manage-users')


def credentials(request):
    """(username, key) from x-auth-* headers or HTTP Basic, or (None, None). request:
    app.ports.Request."""
    user, key = request.header('X-Auth-User'), request.header('X-Auth-Key')
    if user is not None or key is not None:
        return (user or '').strip() or None, key
    header = request.header('Authorization') or ''
    scheme, _, token = header.partition(' ')
    if scheme.lower() == 'basic' and token.strip():
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode('utf-8')
        except (ValueError, UnicodeError):
            return None, None
        user, sep, key = decoded.partition(':')
        if sep:
            return user or None, key
    return None, None


def client_address(request, trusted_proxies=()):
    """The client's address: the last X-Forwarded-For entry when a trusted proxy sent it."""
    addr = request.remote_addr
    if addr in trusted_proxies:
        forwarded = [a.strip() for a in (request.header('X-Forwarded-For') or '').split(',')]
        forwarded = [a for a in forwarded if a]
        if forwarded:
            return forwarded[-1]
    return addr


def key_matches(password, key):
    """True when key is md5(password) in either case, or the password itself."""
    md5 = hashlib.md5(password.encode('utf-8')).hexdigest()
    by_md5 = hmac.compare_digest(md5.encode('ascii'), key.strip().lower().encode('utf-8'))
    by_raw = hmac.compare_digest(password.encode('utf-8'), key.encode('utf-8'))
    return by_md5 or by_raw


class Authenticator:

    def __init__(self, accounts, throttle, trusted_proxies=(), log=None, on_login=None):
        """on_login(user): called after every successful login, before any data is served
        (app.accounts.AccountGuard.check)."""
        self.accounts = accounts
        self.throttle = throttle
        self.trusted_proxies = frozenset(trusted_proxies)
        self.log = log
        self.on_login = on_login
        self.verified = {}  # (user, key, percent_decoded) -> the password the key was found to match

    def authenticate(self, request, percent_decoded=False):
        """Return the username for the request's credentials (app.ports.Request) or raise a
        401 KosyncError. percent_decoded: the client sends the password percent-decoded
        (KOReader's WebDAV client: 'p%41ss' arrives as 'pAss'), which is accepted too."""
        user, key = credentials(request)
        if not user or not key:
            raise unauthorized()
        self.accounts.refresh()  # what the user database says as of this request
        throttle_key = (client_address(request, self.trusted_proxies), user)
        wait = self.throttle.retry_after(throttle_key)
        if wait:
            raise unauthorized(
                f'Too many failed logins for {user} from this address. '
                f'Try again in {max(1, (wait + 59) // 60)} minute(s).')
        password = self.accounts.password(user)
        if password is None and not self.accounts.has_users():
            raise unauthorized(NO_USERS_MESSAGE)
        if not password:  # no such user, or an empty password, which calibre refuses too
            key_matches('x' * 16, key)  # same work as for a real user
            ok = False
        elif self.verified.get((user, key, percent_decoded)) == password:  # the same key for the same password
            ok = True
        else:
            ok = key_matches(password, key) or (percent_decoded and '%' in password and hmac.compare_digest(
                unquote(password).encode('utf-8'), key.encode('utf-8')))
            if ok:
                if len(self.verified) > 1000:
                    self.verified.clear()
                self.verified[(user, key, percent_decoded)] = password
        if not ok:
            self.throttle.failed(throttle_key)
            if self.log is not None:
                self.log(f'BookBoss: failed kosync login for {user!r} from {throttle_key[0]}')
            raise unauthorized()
        self.throttle.succeeded(throttle_key)
        if self.on_login is not None:
            self.on_login(user)
        return user
