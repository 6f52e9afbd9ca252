"""calibre's users as BookBoss's accounts: BookBoss never keeps a password of its own."""

import os

from . import calibre_compat


class CalibreAccounts:
    """calibre's own user database (a calibre.srv.users.UserManager) as app.ports.Accounts."""

    def __init__(self, user_manager):
        self.user_manager = user_manager

    def password(self, username):
        return self.user_manager.get(username)

    def has_users(self):
        return bool(self.user_manager.all_user_names)

    def fingerprint(self, username):
        return calibre_compat.account_fingerprint(self.user_manager, username)


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
