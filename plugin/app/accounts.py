"""A calibre account is its name and its fingerprint (calibre's user id and creation time).

calibre can remove a user and create another of the same name; the new account must not see
the old one's positions, devices and titles. The first time BookBoss sees an account it
remembers its fingerprint; when the fingerprint under a name changes, the old account's
sidecar data is kept under a retired name (shown by `status`, removed with `forget-user`)
and the new account starts empty.
"""

import threading

RETIRED = '#retired:'


def retired_name(user, fingerprint):
    """The name an old account's data is kept under (calibre allows no '#' in user names)."""
    return f'{user}{RETIRED}{fingerprint}'


class AccountGuard:

    def __init__(self, store, accounts, log=print):
        """accounts: ports.Accounts (fingerprint(name) -> str or None)."""
        self.store, self.accounts, self.log = store, accounts, log
        self.lock = threading.Lock()
        self.confirmed = {}  # name -> the fingerprint already checked against the sidecar

    def check(self, user):
        """Called for every logged-in request before any of the user's data is served."""
        fingerprint = self.accounts.fingerprint(user)
        if fingerprint is None or self.confirmed.get(user) == fingerprint:
            return
        with self.lock:
            old = self.store.adopt_account(user, fingerprint, retired_name)
            if old is not None:
                self.log(f'BookBoss: the calibre account {user!r} was removed and created again; the old '
                         f'account\'s sidecar data is kept as {retired_name(user, old)!r} and not served to '
                         f'the new one (calibre-debug -r BookBoss -- forget-user {user} removes it)')
            self.confirmed[user] = fingerprint
