"""calibre's users as BookBoss's accounts: BookBoss never keeps a password of its own."""

import os
import threading
import time

from . import calibre_compat


class CalibreAccounts:
    """calibre's own user database (a calibre.srv.users.UserManager) as app.ports.Accounts.

    What is read of a user is kept until calibre's user database changes in any way (a
    password changed, a user removed or added, a restriction edited, by any program): every
    request (and every background run) starts with refresh(), which asks SQLite whether it did
    (UserDatabaseWatch), so a change takes effect at the next request.
    """

    def __init__(self, user_manager, watch=None):
        self.user_manager = user_manager
        self.watch = watch or UserDatabaseWatch(calibre_compat.user_db_path(user_manager))
        self.cache = {}
        self.seen = None  # the user database's change counter the cache was started at
        self.lock = threading.Lock()

    def refresh(self):
        """Start a new cache if calibre's user database changed since the cache was started.
        (The cache is replaced, never emptied in place: a reader that started before the change
        can only fill the old one; the counter is recorded only after the new cache is in
        place, so no request that follows a change can read the old one.)"""
        counter = self.watch.counter()
        if counter is None or counter != self.seen:
            with self.lock:
                if counter is None or counter != self.seen:
                    self.cache = {}
                    self.seen = counter

    def current(self):
        """The per-user cache as of the last refresh()."""
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


class UserDatabaseWatch:
    """What changes whenever calibre's user database changes: counter().

    calibre's user database is an SQLite file in rollback-journal mode, and SQLite increments
    the file change counter in its header (4 bytes at offset 24, SQLite's documented file
    format) at every commit, whichever program or connection made it (`calibre-server
    --manage-users`, the GUI's Users panel, this process's calibre). Reading it is one pread of
    the open file: no SQLite lock and no calibre lock (calibre's UserManager has one lock for
    the whole process, which its own requests take too). A file replaced by another (renamed
    over) is reopened, noticed within a second (calibre's own connection stays on the file it
    opened anyway); a database in WAL mode (whose header does not count commits) counts as
    changed at every request, so nothing is ever kept wrongly.
    """

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.fd, self.opened = None, 0
        self.checked = 0.0  # when the open file was last checked for having been replaced

    def counter(self):
        """The change counter (with the number of times the file was opened), or None when
        there is none to trust (not a database yet, WAL mode, unreadable): every call then
        counts as a change."""
        try:
            return self._counter()
        except OSError:
            return None

    def _counter(self):
        fd, now = self.fd, time.monotonic()
        if fd is None or (now - self.checked > 1.0 and self._replaced(fd, now)):
            fd = self._reopen(fd)
        header = self._header(fd)
        if len(header) < 28 or not header.startswith(b'SQLite format 3\0') or header[18] == 2:
            return None  # not a database yet, or WAL mode: no counter to trust
        return self.opened, header[24:28]

    def _replaced(self, fd, now):
        self.checked = now
        return os.fstat(fd).st_nlink == 0

    def _header(self, fd):
        if hasattr(os, 'pread'):
            return os.pread(fd, 28, 0)
        with self.lock:  # Windows: no pread
            os.lseek(fd, 0, os.SEEK_SET)
            return os.read(fd, 28)

    def _reopen(self, old):
        with self.lock:
            if self.fd is old:
                self.fd = os.open(self.path, os.O_RDONLY | getattr(os, 'O_CLOEXEC', 0) | getattr(os, 'O_BINARY', 0))
                self.opened += 1
                if old is not None:
                    os.close(old)
            return self.fd


def calibre_user_names(userdb=None):
    """The names in calibre's user database (default: the one in calibre's config folder)."""
    from calibre.constants import config_dir
    from calibre.srv.users import UserManager
    path = userdb or os.path.join(config_dir, 'server-users.sqlite')
    return sorted(UserManager(path).all_user_names) if os.path.exists(path) else []


def calibre_account_fingerprint(name, userdb=None):
    """The fingerprint of the calibre account called name (calibre_compat.user_account), or None."""
    from calibre.constants import config_dir
    from calibre.srv.users import UserManager
    path = userdb or os.path.join(config_dir, 'server-users.sqlite')
    if not os.path.exists(path):
        return None
    account = calibre_compat.user_account(UserManager(path), name)
    return account[1] if account else None


class AdministratorUsers:
    """The command line's view of calibre's users: it acts for the administrator, so no user
    is treated as read-only."""

    def __init__(self, names):
        self.all_user_names = set(names)

    def is_readonly(self, user):
        return False
