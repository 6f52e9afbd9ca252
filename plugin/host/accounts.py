"""calibre's users as BookBoss's accounts: BookBoss never keeps a password of its own."""

import os

from . import calibre_compat


class CalibreAccounts:
    """calibre's own user database (a calibre.srv.users.UserManager) as app.ports.Accounts.

    What is read of a user is kept until calibre's user database changes in any way (a
    password changed, a user removed or added, a restriction edited, by any program): every
    request (and every background run) starts with refresh(), which asks SQLite whether it did
    (one PRAGMA), so a change takes effect at the next request.
    """

    def __init__(self, user_manager):
        self.user_manager = user_manager
        self.seen_version, self.cache = None, {}

    def refresh(self):
        """Empty the cache if calibre's user database changed since the last refresh."""
        version = calibre_compat.user_db_version(self.user_manager)
        if version != self.seen_version:
            self.cache, self.seen_version = {}, version

    def current(self):
        """The per-user cache as of the last refresh()."""
        if self.seen_version is None:
            self.refresh()
        return self.cache

    def _account(self, username):
        return self._cached(('account', username), lambda: calibre_compat.user_account(self.user_manager, username))

    def password(self, username):
        account = self._account(username)
        return account[0] if account else None

    def fingerprint(self, username):
        account = self._account(username)
        return account[1] if account else None

    def _cached(self, key, read):
        cache = self.current()
        try:
            return cache[key]
        except KeyError:
            ans = cache[key] = read()
            return ans

    def has_users(self):
        return bool(self.all_user_names)

    @property
    def all_user_names(self):
        return self._cached('names', lambda: frozenset(self.user_manager.all_user_names))

    def is_readonly(self, username):
        return self._cached(('readonly', username), lambda: self.user_manager.is_readonly(username))


def calibre_user_names(userdb=None):
    """The names in calibre's user database (default: the one in calibre's config folder)."""
    from calibre.constants import config_dir
    from calibre.srv.users import UserManager
    path = userdb or os.path.join(config_dir, 'server-users.sqlite')
    return sorted(UserManager(path).all_user_names) if os.path.exists(path) else []


class AdministratorUsers:
    """The command line's view of calibre's users: it acts for the administrator, so no user
    is treated as read-only."""

    def __init__(self, names):
        self.all_user_names = set(names)

    def is_readonly(self, user):
        return False
