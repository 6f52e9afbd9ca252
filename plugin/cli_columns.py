"""calibre-debug -r BookBoss -- columns ...: column sets from the command line.

Changing a library's columns or preferences needs calibre's library lock (calibre and
calibre-server must not have the library open). `resync` without the lock queues the
work in the sidecar for the running server instead.
"""

import contextlib
import os

from .column_sets import PURPOSES, default_labels, problems
from .column_writer import column_sets, field_metadata, owner_of, save_column_sets


class ColumnsError(Exception):
    """A columns command that cannot be carried out (no library, bad arguments)."""


class LibraryInUse(ColumnsError):
    """calibre or calibre-server has the library open."""


def add_parser(sub):
    p = sub.add_parser('columns', help='reading-state columns: show, create, set, owner, option, resync')
    p.add_argument('action', choices=('show', 'create', 'set', 'owner', 'option', 'resync'))
    p.add_argument('args', nargs='*', help='set: PURPOSE COLUMN; owner: NAME; option: allow_readonly yes|no')
    p.add_argument('--library', help="library folder (default: the calibre GUI's current library)")
    p.add_argument('--user', help='the calibre user whose set this is')
    p.add_argument('--from', dest='from_user', help='owner: the set currently owned by this user')
    p.add_argument('--userdb', help="calibre's user database (default: the one in calibre's config folder)")
    p.add_argument('--dry-run', action='store_true', help='resync: show what would change')
    p.add_argument('--json', action='store_true')


def user_names(opts):
    from calibre.srv.users import UserManager
    from calibre.constants import config_dir
    path = opts.userdb or os.path.join(config_dir, 'server-users.sqlite')
    return UserManager(path).all_user_names if os.path.exists(path) else set()


@contextlib.contextmanager
def open_library(opts):
    from calibre.utils.lock import singleinstance
    from calibre.utils.config import prefs
    path = os.path.abspath(opts.library or prefs['library_path'] or '')
    if not os.path.exists(os.path.join(path, 'metadata.db')):
        raise ColumnsError(f'no calibre library at {path}: give --library PATH')
    if not singleinstance('db'):
        raise LibraryInUse('calibre or calibre-server has the library open: stop it first, or use '
                          'Preferences > Plugins > BookBoss > Customize in the calibre GUI')
    from calibre.db.legacy import LibraryDatabase
    db = LibraryDatabase(path).new_api
    try:
        yield db
    finally:
        db.close()


def find_column(fm, wanted):
    if wanted in ('-', ''):
        return None
    key = wanted if wanted.startswith('#') else '#' + wanted
    if key in fm:
        return key
    for k, meta in fm.items():
        if meta.get('name') == wanted:
            return k
    raise ColumnsError(f'no custom column {wanted} (columns: {", ".join(sorted(fm)) or "none"})')


def _set_for(sets, user, names, create=True):
    for s in sets:
        if (s.get('owner') or '') == (user or '') or (user and owner_of(s, names) == user):
            return s
    if not create:
        raise ColumnsError(f'no column set for {user or "the default user"}')
    s = {'owner': user or ''}
    sets.append(s)
    return s


def show(opts, store):
    names = user_names(opts)
    with open_library(opts) as db:
        fm = field_metadata(db)
        sets = column_sets(db)
        return {'library': db.backend.library_path, 'sets': [
            dict(s, resolved_owner=owner_of(s, names),
                 problems=[f'{p}: {c}: {m}' for p, c, m in problems(s, fm)]) for s in sets],
            'pending_projections': len(store.pending_projections(db.library_id))}


def create(opts, store):
    names = user_names(opts)
    created, mapped = [], {}
    with open_library(opts) as db:
        fm = field_metadata(db)
        sets = column_sets(db)
        column_set = _set_for(sets, opts.user, names)
        for purpose, label, heading, datatype, display in default_labels(opts.user if len(names) > 1 else None):
            key = '#' + label
            if key not in fm:
                db.create_custom_column(label, heading, datatype, False, display=display)
                created.append(key)
            column_set[purpose] = key
            mapped[purpose] = key
        save_column_sets(db, sets)
        path = db.backend.library_path
    return {'library': path, 'owner': opts.user or '(the only calibre user)', 'created': created,
            'mapped': mapped, 'note': 'restart calibre-server, or restart the calibre GUI, for new '
                                     'columns to appear and be written'}


def set_column(opts, store):
    if len(opts.args) != 2 or opts.args[0] not in PURPOSES:
        raise ColumnsError(f'usage: columns set PURPOSE COLUMN (PURPOSE: {", ".join(PURPOSES)}; COLUMN "-" unmaps)')
    purpose, wanted = opts.args
    with open_library(opts) as db:
        fm = field_metadata(db)
        sets = column_sets(db)
        column_set = _set_for(sets, opts.user, user_names(opts))
        column_set[purpose] = find_column(fm, wanted)
        save_column_sets(db, sets)
        return {'set': column_set, 'problems': [f'{p}: {c}: {m}' for p, c, m in problems(column_set, fm)]}


def set_owner(opts, store):
    if len(opts.args) != 1:
        raise ColumnsError('usage: columns owner NAME [--from CURRENT_OWNER]')
    with open_library(opts) as db:
        sets = column_sets(db)
        names = user_names(opts)
        column_set = _set_for(sets, opts.from_user, names, create=False)
        new = opts.args[0]
        if any(s is not column_set and owner_of(s, names) == new for s in sets):
            raise ColumnsError(f'{new} already owns a column set in this library')
        column_set['owner'] = new
        save_column_sets(db, sets)
        return {'set': column_set}


def set_option(opts, store):
    if len(opts.args) != 2 or opts.args[0] != 'allow_readonly' or opts.args[1] not in ('yes', 'no'):
        raise ColumnsError('usage: columns option allow_readonly yes|no --user NAME')
    with open_library(opts) as db:
        sets = column_sets(db)
        column_set = _set_for(sets, opts.user, user_names(opts), create=False)
        column_set['allow_readonly'] = opts.args[1] == 'yes'
        save_column_sets(db, sets)
        return {'set': column_set}


def resync(opts, store):
    """Re-project sidecar state into the columns; only books with sidecar state are touched.
    Without the library lock the work is queued for the running server."""
    try:
        with open_library(opts) as db:
            return _resync_open_library(opts, store, db)
    except LibraryInUse as e:
        if opts.dry_run:
            raise
        return {'queued_for_the_running_server': _queue_all(opts, store), 'reason': str(e)}


def _resync_open_library(opts, store, db):
    from .column_writer import ColumnWriter
    names = user_names(opts)
    writer = ColumnWriter(store, _OneLibrary(db), _Users(names), lambda *a: None, print)
    report = {}
    for column_set in column_sets(db):
        owner = owner_of(column_set, names)
        if not owner:
            continue
        books = {}
        for book_id in store.books_with_state(owner, db.library_id):
            changes = writer.project(owner, db.library_id, book_id, dry_run=opts.dry_run)
            if changes:
                books[book_id] = {c: str(v) for c, v in changes.items()}
        report[owner] = books
    return {'library': db.backend.library_path, 'dry_run': opts.dry_run, 'changed': report}


def _queue_all(opts, store):
    queued = 0
    for row in store.libraries().values():
        if opts.library and os.path.abspath(opts.library) != row['path']:
            continue
        for user in store.users_with_state(row['uuid']):
            for book_id in store.books_with_state(user, row['uuid']):
                store.queue_projection(user, row['uuid'], book_id, 'queued by columns resync')
                queued += 1
    return queued


class _OneLibrary:
    """The command line's view: one open library, every user may write it (an admin action)."""

    def __init__(self, db):
        self.db = db

    def db_for(self, user, library_uuid):
        return self.db if library_uuid == self.db.library_id else None


class _Users:
    def __init__(self, names):
        self.all_user_names = names

    def is_readonly(self, user):
        return False


ACTIONS = {'show': show, 'create': create, 'set': set_column, 'owner': set_owner, 'option': set_option,
           'resync': resync}
