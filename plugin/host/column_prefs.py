"""Column sets as calibre keeps them: in each library's own preferences (namespace
"bookboss"), so the GUI, calibre-server and the command line see the same mapping. One
function per question, shared by the server, the command line and the GUI."""

from ..core.column_values import PURPOSES, default_labels
from . import calibre_compat

NAMESPACE = 'bookboss'


def column_sets(db):
    return list(db.pref('column_sets', [], namespace=NAMESPACE) or [])


def column_sets_value(db):
    """The stored preference itself (calibre keeps one object per value until it is saved again):
    what tells a cached reading of the mapping that it is still current."""
    return db.pref('column_sets', None, namespace=NAMESPACE)


def save_column_sets(db, sets):
    db.set_pref('column_sets', sets, namespace=NAMESPACE)


def owner_of(column_set, user_names):
    """The set's owner; an unnamed set belongs to the only calibre user, if there is just one."""
    if column_set.get('owner'):
        return column_set['owner']
    users = sorted(user_names)
    return users[0] if len(users) == 1 else None


def set_owned_by(sets, user, user_names, account=None):
    """The set whose (resolved) owner is user, or None. account: the user's calibre account
    fingerprint when known; a set stamped with another account's fingerprint belonged to an
    earlier account of the same name and is not this user's."""
    for column_set in sets:
        if owner_of(column_set, user_names) == user:
            stamped = column_set.get('owner_account')
            if account and stamped and stamped != account:
                return None
            return column_set
    return None


def claim(db, sets, column_set, user, account=None):
    """Store the set's owner (and the owner's account fingerprint) in the library when it is
    first used or saved, so adding calibre users later never moves it. True when it changed."""
    if column_set.get('owner') == user and (not account or column_set.get('owner_account') == account):
        return False
    column_set['owner'] = user
    if account:
        column_set['owner_account'] = account
    save_column_sets(db, sets)
    return True


def unowned_sets(sets, user_names):
    """The sets nobody's pushes are written to: no owner named while there are several users."""
    return [s for s in sets if owner_of(s, user_names) is None and any(s.get(p) for p in PURPOSES)]


def set_for(sets, owner, user_names, create=True):
    """The set an administrator edits for owner ('' or None: the unnamed set): the one named for
    them, else the one they own; a new one appended to sets when create, else None."""
    for s in sets:
        if (s.get('owner') or '') == (owner or '') or (owner and owner_of(s, user_names) == owner):
            return s
    if not create:
        return None
    s = {'owner': owner or ''}
    sets.append(s)
    return s


def field_metadata(db, pending=True):
    """{column key: {'datatype', 'display', 'name'}} of the library's custom columns; with
    pending, also the columns created since the library was opened, marked 'pending': True
    (calibre shows and writes them only after a restart)."""
    fm = db.field_metadata
    out = {key: {'datatype': fm[key]['datatype'], 'display': fm[key].get('display') or {},
                 'name': fm[key].get('name')} for key in fm.custom_field_keys()}
    if pending:
        for key, column in calibre_compat.stored_custom_columns(db).items():
            if key not in out and not column['deleting']:
                out[key] = dict(column, pending=True)
    return out


def create_default_columns(db, column_set, owner, user_names, fm=None, statistics=False):
    """Create the default columns (per user when there are several calibre users; with
    statistics, those of KOReader's reading statistics too) that do not exist yet and map them in
    column_set. Returns ([created keys], {purpose: key}); fm, when given, learns the new columns
    (they appear in calibre only after a restart)."""
    fm = field_metadata(db) if fm is None else fm
    created, mapped = [], {}
    for purpose, label, heading, datatype, display in default_labels(owner if len(user_names) > 1 else None,
                                                                     statistics):
        key = '#' + label
        if key not in fm:
            db.create_custom_column(label, heading, datatype, False, display=display)
            created.append(key)
            fm[key] = {'datatype': datatype, 'display': display, 'name': heading, 'pending': True}
        column_set[purpose] = mapped[purpose] = key
    return created, mapped
