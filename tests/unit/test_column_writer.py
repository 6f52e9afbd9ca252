"""Projection into columns with a stand-in library: few writes, nothing lost when the library is busy."""

from types import SimpleNamespace

import pytest

from bookboss.plugin.books import BookKey
from bookboss.plugin.column_writer import ColumnWriter, owner_of
from bookboss.plugin.store import Store

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
        self.backend = SimpleNamespace(library_path='/lib')

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


class Users:
    def __init__(self, names, readonly=()):
        self.all_user_names, self.readonly = set(names), set(readonly)

    def is_readonly(self, user):
        return user in self.readonly


@pytest.fixture
def world(tmp_path):
    store = Store(str(tmp_path / 's.sqlite'))
    db = Library([{'owner': 'alice', 'status': '#st', 'percent': '#pc'}])
    libraries = SimpleNamespace(db_for=lambda user, uuid: db)
    notified = []
    writer = ColumnWriter(store, libraries, Users({'alice', 'bob'}), lambda *a: notified.append(a), print)
    yield SimpleNamespace(store=store, db=db, writer=writer, notified=notified)
    store.close()


def push(world, user, pct, t):
    key = BookKey(UUID, 1, 'EPUB')
    status = world.writer.current_status(user, key)
    world.store.record_push(user, dict(document='d', percentage=pct, progress='p', device='K', device_id='I',
                                       metadata=None), t, book=key, current_status=status)
    return world.writer.project(user, UUID, 1)


def test_only_visible_changes_are_written_and_the_gui_is_notified(world):
    push(world, 'alice', 0.3, 100)
    push(world, 'alice', 0.305, 101)
    assert world.db.writes == [('#st', 1, 'Reading'), ('#pc', 1, 30)]
    assert len(world.notified) == 1


def test_a_busy_library_queues_the_projection_and_a_drain_applies_it(world):
    world.db.busy = True
    assert push(world, 'alice', 0.5, 100) == {}
    assert [p['book_id'] for p in world.store.pending_projections()] == [1]
    world.db.busy = False
    world.writer.drain()
    assert world.db.values[('#st', 1)] == 'Reading' and world.store.pending_projections() == []


def test_users_without_a_set_write_nothing(world):
    push(world, 'bob', 0.5, 100)
    assert world.db.writes == []
    assert world.store.reading_state('bob', UUID, 1)['status'] == 'Reading'


def test_a_read_only_owner_writes_only_when_allowed(world):
    world.writer.user_manager = Users({'alice', 'bob'}, readonly={'alice'})
    push(world, 'alice', 0.5, 100)
    assert world.db.writes == []
    world.db.sets[0]['allow_readonly'] = True
    push(world, 'alice', 0.6, 101)
    assert ('#pc', 1, 60) in world.db.writes


def test_an_unnamed_set_belongs_to_the_only_user():
    assert owner_of({}, {'alice'}) == 'alice'
    assert owner_of({}, {'alice', 'bob'}) is None
    assert owner_of({'owner': 'bob'}, {'alice', 'bob'}) == 'bob'
