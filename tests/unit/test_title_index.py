"""The title index answers from a dictionary and follows calibre's change events; a title
that calibre no longer has never matches, even before its event arrives."""

from types import SimpleNamespace

from bookboss.plugin.host.title_index import TitleIndex


class Library:
    """calibre's Cache as the title index uses it; events are delivered when deliver() is called."""

    def __init__(self, titles):
        self.library_id, self.titles, self.listeners, self.events = 'lib', dict(titles), [], []

    def all_book_ids(self):
        return set(self.titles)

    def all_field_for(self, field, ids):
        return {i: self.titles[i] for i in ids}

    def field_for(self, field, book_id):
        return self.titles.get(book_id)

    def add_listener(self, callback):
        self.listeners.append(callback)

    def rename(self, book_id, title):
        self.titles[book_id] = title
        self.events.append((SimpleNamespace(name='metadata_changed'), 'lib', ('title', {book_id})))

    def deliver(self):
        for event in self.events:
            for listener in self.listeners:
                listener(*event)
        self.events = []


def test_titles_are_found_normalised_and_follow_renames():
    db = Library({1: 'Dune', 2: 'The  Sync of Time', 3: 'Dune'})
    index = TitleIndex()
    assert index.books_titled(db, 'dune') == {1, 3}
    assert index.books_titled(db, 'the sync of time') == {2}
    db.rename(3, 'Dune Messiah')
    assert index.books_titled(db, 'dune') == {1}  # before the event: checked against calibre's title
    db.deliver()
    assert index.books_titled(db, 'dune messiah') == {3}


def test_a_new_library_object_is_indexed_afresh():
    index = TitleIndex()
    assert index.books_titled(Library({1: 'Old'}), 'old') == {1}
    assert index.books_titled(Library({1: 'New'}), 'new') == {1}
