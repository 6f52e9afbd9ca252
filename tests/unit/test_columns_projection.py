"""The calibre-columns projection with a stand-in library: few writes, nothing lost when the
library is busy (through the sync service and the projections fan-out, as in the server)."""

from types import SimpleNamespace

import pytest

from bookboss.plugin.app.projections import Projections
from bookboss.plugin.app.sync import Sync
from bookboss.plugin.core.books import Book, BookFormat
from bookboss.plugin.host.column_prefs import owner_of
from bookboss.plugin.host.columns import CalibreColumns
from bookboss.plugin.store import Store
from fakes import Clock, Users, push as a_push, quiet

UUID = 'lib'
FM = {'#st': {'datatype': 'enumeration', 'display': {'enum_values': ['Unread', 'Reading', 'Read']}},
      '#pc': {'datatype': 'int', 'display': {}}}


class FieldMetadata(dict):
    def custom_field_keys(self):
        return list(self)


class Library:
    def __init__(self, sets):
        self.library_id = UUID
        self.values = {}
        self.writes = []
        self.busy = False
        self.sets = sets
        self.field_metadata = FieldMetadata(FM)
        self.backend = SimpleNamespace(library_path='/lib', execute=lambda sql: [])  # no custom column created since opening

    def pref(self, name, default=None, namespace=None):
        return self.sets

    def field_for(self, column, book_id):
        return self.values.get((column, book_id))

    def set_field(self, column, mapping):
        if self.busy:
            raise RuntimeError('library is being switched')
        for book_id, value in mapping.items():
            self.values[(column, book_id)] = value
            self.writes.append((column, book_id, value))


@pytest.fixture
def world(tmp_path):
    store = Store(str(tmp_path / 's.sqlite'))
    db = Library([{'owner': 'alice', 'status': '#st', 'percent': '#pc'}])
    libraries = SimpleNamespace(db_for=lambda user, uuid: db)
    notified = []
    projections = Projections(store, quiet)  # no background writer: applied at once
    columns = projections.register(CalibreColumns(store, libraries, Users({'alice', 'bob'}),
                                                  lambda *a: notified.append(a), quiet))
    clock = Clock()
    sync = Sync(store, Linked(), projections, status=columns, log=quiet, clock=clock)
    yield SimpleNamespace(store=store, db=db, columns=columns, projections=projections, sync=sync, clock=clock,
                          notified=notified)
    store.close()


BOOK = Book(UUID, 1)


class Linked:
    """Every document is book 1's EPUB."""
    def match(self, user, document, metadata, linked):
        return BookFormat(BOOK, 'EPUB')


def push(world, user, pct, t):
    world.clock.now = t
    world.sync.push(user, a_push('d', pct, 'p', 'K', 'I'))


def test_only_visible_changes_are_written_and_the_gui_is_notified(world):
    push(world, 'alice', 0.3, 100)
    push(world, 'alice', 0.305, 101)
    assert world.db.writes == [('#st', 1, 'Reading'), ('#pc', 1, 30)]
    assert len(world.notified) == 1


def test_a_busy_library_queues_the_projection_and_a_drain_applies_it(world):
    world.db.busy = True
    push(world, 'alice', 0.5, 100)
    assert world.db.writes == []
    assert [(p['projection'], p['book'], p['attempts']) for p in world.store.pending_writes()] == [
        ('columns', BOOK, 1)]
    world.db.busy = False
    world.projections.drain()
    assert world.db.values[('#st', 1)] == 'Reading' and world.store.pending_writes() == []


def test_users_without_a_set_write_nothing(world):
    push(world, 'bob', 0.5, 100)
    assert world.db.writes == []
    assert world.store.reading_state('bob', BOOK)['status'] == 'Reading'


def test_a_read_only_owner_writes_only_when_allowed(world):
    world.columns.users = Users({'alice', 'bob'}, readonly={'alice'})
    push(world, 'alice', 0.5, 100)
    assert world.db.writes == []
    world.db.sets[0]['allow_readonly'] = True
    push(world, 'alice', 0.6, 101)
    assert ('#pc', 1, 60) in world.db.writes


def test_an_unnamed_set_belongs_to_the_only_user():
    assert owner_of({}, {'alice'}) == 'alice'
    assert owner_of({}, {'alice', 'bob'}) is None
    assert owner_of({'owner': 'bob'}, {'alice', 'bob'}) == 'bob'
