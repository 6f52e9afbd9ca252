"""Matching documents to books, with a real store and a stand-in for calibre's permissions."""

import pytest

from bookboss.plugin.books import BookKey
from bookboss.plugin.catalog import Catalog, authors_set, normalise
from bookboss.plugin.digests import name_md5
from bookboss.plugin.store import Store

LIB = 'lib-uuid'
A = BookKey(LIB, 1, 'EPUB')
B = BookKey(LIB, 2, 'EPUB')


class Libraries:
    def __init__(self, hidden=(), books=()):
        self.hidden = set(hidden)  # (user, book_id)
        self.books = books         # (book_id, title, authors list, formats)

    def visible(self, user, key):
        return (user, key.book_id) not in self.hidden

    def find_books(self, user, title, authors):
        return [(LIB, bid, fmts) for bid, t, a, fmts in self.books
                if (user, bid) not in self.hidden and normalise(t) == title and authors_set(a) == authors]


@pytest.fixture
def store(tmp_path):
    s = Store(str(tmp_path / 's.sqlite'))
    yield s
    s.close()


def push(doc, pct, device_id='K'):
    return dict(document=doc, percentage=pct, progress=f'p{pct}', device='Kobo', device_id=device_id, metadata=None)


def test_a_digest_in_the_history_resolves_to_its_book(store):
    store.record_digests([('d1', 'served', A, 'alice', None)])
    assert Catalog(store, Libraries()).resolve('alice', 'd1') == A


def test_unknown_documents_are_unmatched(store):
    assert Catalog(store, Libraries()).resolve('alice', 'nothing') is None


def test_hidden_books_never_match(store):
    store.record_digests([('d1', 'served', A, 'alice', None)])
    assert Catalog(store, Libraries(hidden={('bob', 1)})).resolve('bob', 'd1') is None


def test_several_candidates_prefer_the_one_most_recently_served_to_this_user(store):
    store.record_digests([('name', 'opds_name', A, None, None), ('name', 'opds_name', B, None, None)], now=100)
    store.record_served([(A, 'alice', 200), (B, 'alice', 100), (B, 'bob', 300)])
    catalog = Catalog(store, Libraries())
    assert catalog.resolve('alice', 'name') == A
    assert catalog.resolve('bob', 'name') == B


def test_two_downloads_of_one_book_share_one_position_per_format(store):
    catalog = Catalog(store, Libraries())
    store.record_digests([('old', 'served', A, 'alice', None), ('new', 'served', A, 'alice', None)])
    store.record_push('alice', push('old', 0.2), 100, book=catalog.bind('alice', 'old'))
    store.record_push('alice', push('new', 0.6, 'S'), 200, book=catalog.bind('alice', 'new'))
    got = store.position_for('alice', 'old', catalog.bind('alice', 'old'))
    assert (got['percentage'], got['device_id'], got['document']) == (0.6, 'S', 'old')


def test_positions_never_cross_formats(store):
    pdf = BookKey(LIB, 1, 'PDF')
    catalog = Catalog(store, Libraries())
    store.record_digests([('e', 'served', A, 'alice', None), ('p', 'served', pdf, 'alice', None)])
    store.record_push('alice', push('e', 0.9), 100, book=catalog.bind('alice', 'e'))
    assert store.position_for('alice', 'p', catalog.bind('alice', 'p')) is None


def test_late_binding_replays_history_in_order(store):
    for t, pct in ((100, 0.3), (200, 1.0), (300, 0.5)):
        store.record_push('alice', push('late', pct), t)
    catalog = Catalog(store, Libraries())
    store.record_digests([('late', 'served', A, None, None)])
    catalog.bind_new_digests(['late'])
    state = store.reading_state('alice', LIB, 1)
    assert (state['status'], state['started'], state['finished'], state['last_read']) == ('Read', 100, 200, 300)
    assert store.book_position('alice', A)['percentage'] == 0.5


def test_metadata_file_name_then_title_and_authors_link_exactly_one_visible_book(store):
    store.record_digests([(name_md5('Ada - Alice.epub'), 'opds_name', A, None, None)])
    libs = Libraries(books=[(2, 'The Sync of Time', ['Kobo Stanza', 'Ann Other'], ['EPUB', 'PDF']),
                            (3, 'Twin', ['X'], ['EPUB']), (4, 'Twin', ['X'], ['EPUB'])])
    catalog = Catalog(store, libs)
    assert catalog.resolve('alice', 'u1', {'filename': '/mnt/onboard/Ada - Alice.epub'}) == A
    meta = {'title': '  the SYNC of\ttime ', 'authors': 'Ann Other\nKobo Stanza', 'filename': 'x.pdf'}
    assert catalog.resolve('alice', 'u2', meta) == BookKey(LIB, 2, 'PDF')
    assert catalog.resolve('alice', 'u3', {'title': 'Twin', 'authors': 'X'}) is None  # two books match
    assert catalog.resolve('alice', 'u4', {'title': 'The Sync of Time', 'authors': 'Somebody'}) is None


def test_normalisation_is_nfkc_casefolded_and_whitespace_collapsed():
    assert normalise('ＤＵＮＥ\u00a0 Messiah') == 'dune messiah'
    assert authors_set('A\nB') == authors_set(['b', 'a'])
