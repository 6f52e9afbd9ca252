"""The calibre-columns projection: one user's reading state in the custom columns of the
column set they own (app.ports.Projection, and the ReadingStatusSource of hand edits).

Writes go only where a value changes visibly. A write that cannot happen now raises, and
the projections fan-out queues it (app/projections.py). Mapping problems are logged once
per cause and recorded for `status`.
"""

import traceback
from datetime import datetime

from ..core.column_values import PURPOSES, changed_values, desired_values, problems, status_from_column, usable
from ..core.reading_state import UNREAD
from . import calibre_compat
from .column_prefs import claim, column_sets, column_sets_value, field_metadata, set_owned_by


def local_tz():
    return datetime.now().astimezone().tzinfo


class CalibreColumns:

    name = 'columns'

    def __init__(self, store, libraries, users, notify_changes, log):
        """libraries: db_for(user, library_uuid) and allowed_libraries(user) (host.libraries);
        users: all_user_names and is_readonly(user) (calibre's UserManager); notify_changes:
        calibre's, or None where nobody listens (the command line)."""
        self.store, self.libraries, self.users = store, libraries, users
        self.notify_changes, self.log = notify_changes, log
        self.known_problems = {}  # (library_uuid, owner) -> problems last recorded
        self.status_columns = {}  # (library_uuid, owner) -> (db, sets, users, (column, datatype) or None)

    def _owner_set(self, user, db):
        sets = column_sets(db)
        account = self._account(user)
        column_set = set_owned_by(sets, user, self.users.all_user_names, account)
        if column_set is None:
            return None
        if column_set.get('owner') != user or (account and not column_set.get('owner_account')):
            claim(db, sets, column_set, user, account)  # first use: the owner is stored, never inferred again
        if self.users.is_readonly(user) and not column_set.get('allow_readonly'):
            return None
        return column_set

    def _account(self, user):
        fingerprint = getattr(self.users, 'fingerprint', None)
        return fingerprint(user) if fingerprint is not None else None

    def apply(self, user, book):
        return self.write(user, book)

    def write(self, user, book, dry_run=False):
        """Write the user's sidecar state for one book into their columns. Returns {column: value}
        written (or that would be); raises when the library cannot be written now."""
        db = self.libraries.db_for(user, book.library_uuid)
        column_set = db is not None and self._owner_set(user, db)
        if not column_set:
            return {}
        changes = self.changes_for(db, column_set, user, book)
        if changes and not dry_run:
            for column, value in changes.items():
                db.set_field(column, {book.book_id: value})
            if self.notify_changes is not None:
                calibre_compat.notify_metadata_changed(self.notify_changes, db.backend.library_path, [book.book_id])
        return changes

    def changes_for(self, db, column_set, owner, book):
        fm = field_metadata(db)
        found = problems(column_set, fm)
        if self.known_problems.get((book.library_uuid, owner)) != found:  # logged once per cause
            for purpose, column, message in self.store.record_column_problems(book.library_uuid, owner, found):
                self.log(f'BookBoss: column set of {owner}: {purpose} -> {column}: {message}')
            self.known_problems[(book.library_uuid, owner)] = found
        tz = local_tz()
        want = self.desired(column_set, fm, owner, book, tz)
        current = {column: db.field_for(column, book.book_id) for column in want}
        return changed_values(want, current, fm, tz)

    def desired(self, column_set, fm, owner, book, tz):
        """{column: value} the owner's set should show for book: the reading state and position."""
        return desired_values(column_set, fm, self.store.reading_state(owner, book),
                              self.store.latest_book_position(owner, book), tz)

    def status_column(self, user, db):
        """(column, datatype) of the owner's usable status column in db, or None. Worked out
        again whenever the library's column sets are saved (a new preference value), calibre's
        users change (a new accounts cache) or the library is opened again (a restart: custom
        columns change only then), so a push reads one value instead of the whole mapping."""
        sets = column_sets_value(db)
        users = self.users.current() if hasattr(self.users, 'current') else None
        key = (db.library_id, user)
        memo = self.status_columns.get(key)
        if memo is not None and memo[0] is db and memo[1] is sets and memo[2] is users and users is not None:
            return memo[3]
        column_set = self._owner_set(user, db)
        found = None
        if column_set:
            fm = field_metadata(db)
            column = usable(column_set, fm).get('status')
            found = (column, fm[column]['datatype']) if column else None
        if len(self.status_columns) > 10000:
            self.status_columns.clear()
        self.status_columns[key] = (db, sets, users, found)
        return found

    def current_status(self, user, book):
        """The status the owner's status column shows now, or None (no set, no column, no access)."""
        try:
            db = self.libraries.db_for(user, book.library_uuid)
            found = db is not None and self.status_column(user, db)
            if not found:
                return None
            column, datatype = found
            # a Yes/No column tells only Read or not: the sidecar tells Unread from Reading
            sidecar = (self.store.reading_state(user, book).get('status') or UNREAD) if datatype == 'bool' else UNREAD
            return status_from_column(datatype, db.field_for(column, book.book_id), sidecar)
        except Exception:
            self.log('BookBoss: could not read the status column:\n' + traceback.format_exc())
            return None

    def summary(self, user):
        """[{'library', 'text'}]: whether the user owns a column set in each library, and its problems."""
        out = []
        for name, db in self.libraries.allowed_libraries(user):
            column_set = set_owned_by(column_sets(db), user, self.users.all_user_names, self._account(user))
            if column_set is None:
                text = 'you own no column set here, so your reading state is kept by BookBoss only'
            else:
                fm = field_metadata(db)
                mapped = ', '.join(f'{p} → {c}' for p, c in column_set.items() if p in PURPOSES and c)
                text = f'your column set: {mapped or "nothing mapped"}'
                found = problems(column_set, fm)
                if found:
                    text += '; problems: ' + '; '.join(f'{p} → {c}: {m}' for p, c, m in found)
                if self.users.is_readonly(user) and not column_set.get('allow_readonly'):
                    text += ' (read-only account: columns are not written)'
            out.append({'library': name, 'text': text})
        return out
