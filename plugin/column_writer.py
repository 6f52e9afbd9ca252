"""Projecting one user's reading state into the calibre custom columns of their column set.

Column sets live in each library's own preferences (namespace "bookboss"), so the GUI,
calibre-server and the command line see the same mapping. A set belongs to one calibre
user: its "owner", or, when the owner is left empty, the only calibre user there is.
Writes go only where a value changes visibly; a write that cannot happen now waits in
the sidecar's pending queue. Nothing here ever lets an error reach the sync answer.
"""

import traceback
from datetime import datetime

from .background import PeriodicWorker
from .column_sets import PURPOSES, changed_values, desired_values, problems, status_from_column, usable
from .reading_state import UNREAD

NAMESPACE = 'bookboss'
DRAIN_SECONDS = 30


def column_sets(db):
    return list(db.pref('column_sets', [], namespace=NAMESPACE) or [])


def save_column_sets(db, sets):
    db.set_pref('column_sets', sets, namespace=NAMESPACE)


def owner_of(column_set, user_names):
    """The set's owner; an unnamed set belongs to the only calibre user, if there is just one."""
    if column_set.get('owner'):
        return column_set['owner']
    users = sorted(user_names)
    return users[0] if len(users) == 1 else None


def set_owned_by(sets, user, user_names):
    for column_set in sets:
        if owner_of(column_set, user_names) == user:
            return column_set
    return None


def field_metadata(db):
    fm = db.field_metadata
    return {key: {'datatype': fm[key]['datatype'], 'display': fm[key].get('display') or {},
                  'name': fm[key].get('name')} for key in fm.custom_field_keys()}


def local_tz():
    return datetime.now().astimezone().tzinfo


class ColumnWriter:

    def __init__(self, store, libraries, user_manager, notify_changes, log):
        self.store, self.libraries, self.user_manager = store, libraries, user_manager
        self.notify_changes, self.log = notify_changes, log
        self.drainer = PeriodicWorker('BookBossColumns', DRAIN_SECONDS, self.drain, log)
        self.known_problems = {}  # (library_uuid, owner) -> problems last recorded

    def _owner_set(self, user, db):
        column_set = set_owned_by(column_sets(db), user, self.user_manager.all_user_names)
        if column_set is None:
            return None
        if self.user_manager.is_readonly(user) and not column_set.get('allow_readonly'):
            return None
        return column_set

    def summary(self, user):
        """[{'library', 'text'}]: whether the user owns a column set in each library, and its problems."""
        out = []
        for name, db in self.libraries.allowed_libraries(user):
            column_set = set_owned_by(column_sets(db), user, self.user_manager.all_user_names)
            if column_set is None:
                text = 'you own no column set here, so your reading state is kept by BookBoss only'
            else:
                fm = field_metadata(db)
                mapped = ', '.join(f'{p} → {c}' for p, c in column_set.items() if p in PURPOSES and c)
                text = f'your column set: {mapped or "nothing mapped"}'
                found = problems(column_set, fm)
                if found:
                    text += '; problems: ' + '; '.join(f'{p} → {c}: {m}' for p, c, m in found)
                if self.user_manager.is_readonly(user) and not column_set.get('allow_readonly'):
                    text += ' (read-only account: columns are not written)'
            out.append({'library': name, 'text': text})
        return out

    def current_status(self, user, key):
        """The status the owner's status column shows now, or None (no set, no column, no access)."""
        try:
            db = self.libraries.db_for(user, key.library_uuid)
            column_set = db and self._owner_set(user, db)
            if not column_set:
                return None
            fm = field_metadata(db)
            column = usable(column_set, fm).get('status')
            if not column:
                return None
            state = self.store.reading_state(user, key.library_uuid, key.book_id) or {}
            return status_from_column(fm[column]['datatype'], db.field_for(column, key.book_id),
                                      state.get('status') or UNREAD)
        except Exception:
            self.log('BookBoss: could not read the status column:\n' + traceback.format_exc())
            return None

    def project(self, user, library_uuid, book_id, dry_run=False):
        """Write the user's sidecar state for one book into their columns. Returns {column: value}
        written (or that would be). Failures queue the projection and are logged."""
        try:
            db = self.libraries.db_for(user, library_uuid)
            if db is None:
                return {}
            column_set = self._owner_set(user, db)
            if not column_set:
                return {}
            changes = self.changes_for(db, column_set, user, library_uuid, book_id)
            if changes and not dry_run:
                for column, value in changes.items():
                    db.set_field(column, {book_id: value})
                self._notify(db, book_id)
            self.store.projection_done(user, library_uuid, book_id)
            return changes
        except Exception as e:
            self.log(f'BookBoss: could not write the columns of book {book_id} now ({e}); queued')
            try:
                self.store.queue_projection(user, library_uuid, book_id, f'{type(e).__name__}: {e}')
            except Exception:
                self.log('BookBoss: could not queue the projection:\n' + traceback.format_exc())
            self.drainer.start()
            return {}

    def changes_for(self, db, column_set, owner, library_uuid, book_id):
        fm = field_metadata(db)
        found = problems(column_set, fm)
        if self.known_problems.get((library_uuid, owner)) != found:  # logged once per cause
            for purpose, column, message in self.store.record_column_problems(library_uuid, owner, found):
                self.log(f'BookBoss: column set of {owner}: {purpose} -> {column}: {message}')
            self.known_problems[(library_uuid, owner)] = found
        state = self.store.reading_state(owner, library_uuid, book_id) or {}
        position = self.store.latest_book_position(owner, library_uuid, book_id)
        tz = local_tz()
        want = desired_values(column_set, fm, state, position, tz)
        current = {column: db.field_for(column, book_id) for column in want}
        return changed_values(want, current, fm, tz)

    def _notify(self, db, book_id):
        from calibre.srv.changes import MetadataChanged
        self.notify_changes(db.backend.library_path, MetadataChanged({book_id}))

    def project_later(self, user, library_uuid, book_id):
        """Queue a projection for the background writer. Used where calibre holds the library's
        read lock (inside a download), so a write now would fail."""
        self.store.queue_projection(user, library_uuid, book_id, None)
        self.drainer.wake()

    def drain(self):
        """Apply queued projections; those that still fail stay queued."""
        for row in self.store.pending_projections():
            self.project(row['user'], row['library_uuid'], row['book_id'])
