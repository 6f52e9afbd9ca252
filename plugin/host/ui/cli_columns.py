"""calibre-debug -r BookBoss -- columns ...: column sets from the command line.

Changing a library's columns or preferences needs calibre's library lock (calibre and
calibre-server must not have the library open). `resync` without the lock queues the
work in the sidecar for the running server instead.
"""

import contextlib
import os

from ...core.column_values import PURPOSES, problems
from ..accounts import calibre_user_names
from ..column_prefs import column_sets, create_default_columns, field_metadata, owner_of, save_column_sets, set_for
from ..libraries import LibraryInUse as CalibreHasTheLibrary, open_library as open_calibre_library


class ColumnsError(Exception):
    """A columns command that cannot be carried out (no library, bad arguments)."""


class LibraryInUse(ColumnsError):
    """calibre or calibre-server has the library open."""


def add_parser(sub):
    p = sub.add_parser('columns', help='reading-state columns: show, create, set, owner, option, resync, '
                                       'reader-positions')
    p.add_argument('action', choices=('show', 'create', 'set', 'owner', 'option', 'resync', 'reader-positions'))
    p.add_argument('args', nargs='*', help='set: PURPOSE COLUMN; owner: NAME; option: allow_readonly yes|no; '
                                            "reader-positions: on|off (KOReader positions into calibre's web reader)")
    p.add_argument('--library', help="library folder (default: the calibre GUI's current library)")
    p.add_argument('--user', help='the calibre user whose set this is')
    p.add_argument('--from', dest='from_user', help='owner: the set currently owned by this user')
    p.add_argument('--userdb', help="calibre's user database (default: the one in calibre's config folder)")
    p.add_argument('--dry-run', action='store_true', help='resync: show what would change')
    p.add_argument('--statistics', action='store_true',
                   help="create: also the columns of KOReader's reading statistics (reading time, pages read, "
                        'first read, last session, highlights, notes)')
    p.add_argument('--json', action='store_true')


def user_names(opts):
    return set(calibre_user_names(opts.userdb))


@contextlib.contextmanager
def open_library(opts):
    try:
        with open_calibre_library(opts.library) as db:
            yield db
    except CalibreHasTheLibrary:
        raise LibraryInUse('calibre or calibre-server has the library open: stop it first, or use '
                           'Preferences > Plugins > BookBoss > Customize in the calibre GUI') from None


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
    column_set = set_for(sets, user, names, create)
    if column_set is None:
        raise ColumnsError(f'no column set for {user or "the default user"}')
    return column_set


def show(opts, store):
    names = user_names(opts)
    with open_library(opts) as db:
        fm = field_metadata(db)
        sets = column_sets(db)
        return {'library': db.backend.library_path, 'sets': [
            dict(s, resolved_owner=owner_of(s, names),
                 problems=[f'{p}: {c}: {m}' for p, c, m in problems(s, fm)]) for s in sets],
            'pending_projections': len(store.pending_writes(db.library_id))}


def create(opts, store):
    names = user_names(opts)
    with open_library(opts) as db:
        sets = column_sets(db)
        created, mapped = create_default_columns(db, _set_for(sets, opts.user, names), opts.user, names,
                                                 statistics=opts.statistics)
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
    from ..composition import resync_library
    report = resync_library(store, db, user_names(opts), opts.dry_run)
    return {'library': db.backend.library_path, 'dry_run': opts.dry_run, 'changed': report}


def _queue_all(opts, store):
    """Queue every book with sidecar state for the running server's columns projection."""
    from ..columns import CalibreColumns
    queued = 0
    for row in store.libraries().values():
        if opts.library and os.path.abspath(opts.library) != row['path']:
            continue
        for user in store.users_with_state(row['uuid']):
            for book in store.books_with_state(user, row['uuid']):
                store.queue_write(CalibreColumns.name, user, book, 'queued by columns resync')
                queued += 1
    return queued


def reader_positions(opts, store):
    """Turn the library's KOReader -> calibre web reader positions on or off (on by default);
    without an argument, show the setting."""
    from ..reader_positions import bridge_on, set_bridge
    if len(opts.args) > 1 or (opts.args and opts.args[0] not in ('on', 'off')):
        raise ColumnsError('usage: columns reader-positions [on|off] [--library PATH]')
    with open_library(opts) as db:
        if opts.args:
            set_bridge(db, opts.args[0] == 'on')
        return {'library': db.backend.library_path, 'reader_positions': 'on' if bridge_on(db) else 'off'}


ACTIONS = {'show': show, 'create': create, 'set': set_column, 'owner': set_owner, 'option': set_option,
           'resync': resync, 'reader-positions': reader_positions}
