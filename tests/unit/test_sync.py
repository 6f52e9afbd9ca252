"""The sync service and matching, with a real store and stand-ins for calibre's permissions
and for a projection."""

import pytest

from bookboss.plugin.app.matching import Matcher
from bookboss.plugin.app.sync import Sync
from bookboss.plugin.core.books import Book, BookFormat
from bookboss.plugin.core.digests import name_md5
from bookboss.plugin.core.text import authors_set, normalise
from fakes import Libraries, RecordingProjection, SyncWorld, in_one_batch, push, quiet

LIB = 'lib-uuid'
A = BookFormat(Book(LIB, 1), 'EPUB')
B = BookFormat(Book(LIB, 2), 'EPUB')


class World(SyncWorld):

    def __init__(self, store, libraries=None, logged=False, **cadence):
        super().__init__(store, libraries or Libraries(LIB), logged=logged, **cadence)

    def push(self, user, doc, pct, at, device_id='K'):
        self.clock.now = at
        return self.sync.push(user, push(doc, pct, f'p{pct}', 'Kobo', device_id))


@pytest.fixture
def world(store):
    return World(store)


def match(store, user, document, metadata=None, libraries=None):
    return Matcher(store, libraries or Libraries(LIB)).match(user, document, metadata, store.linked_book(user, document))


def test_a_digest_in_the_history_matches_its_book(store):
    store.record_digests([('d1', 'served', A, 'alice', None)])
    assert match(store, 'alice', 'd1') == A


def test_unknown_documents_are_unmatched(store):
    assert match(store, 'alice', 'nothing') is None


def test_hidden_books_never_match(store):
    store.record_digests([('d1', 'served', A, 'alice', None)])
    assert match(store, 'bob', 'd1', libraries=Libraries(LIB, hidden={('bob', 1)})) is None


def test_several_candidates_prefer_the_one_most_recently_served_to_this_user(store):
    store.record_digests([('name', 'opds_name', A, None, None), ('name', 'opds_name', B, None, None)], now=100)
    store.record_served([(A, 'alice', 200), (B, 'alice', 100), (B, 'bob', 300)])
    assert match(store, 'alice', 'name') == A
    assert match(store, 'bob', 'name') == B


def test_two_downloads_of_one_book_share_one_position_per_format(world, store):
    store.record_digests([('old', 'served', A, 'alice', None), ('new', 'served', A, 'alice', None)])
    world.push('alice', 'old', 0.2, 100)
    world.push('alice', 'new', 0.6, 200, device_id='S')
    got = world.sync.pull('alice', 'old')
    assert (got['percentage'], got['device_id'], got['document']) == (0.6, 'S', 'old')


def test_positions_never_cross_formats(world, store):
    pdf = BookFormat(Book(LIB, 1), 'PDF')
    store.record_digests([('e', 'served', A, 'alice', None), ('p', 'served', pdf, 'alice', None)])
    world.push('alice', 'e', 0.9, 100)
    assert world.sync.pull('alice', 'p') is None


def test_a_push_of_a_linked_document_queues_a_write_for_every_projection_in_its_transaction(world, store):
    store.record_digests([('d', 'served', A, 'alice', None)])
    world.push('alice', 'd', 0.3, 100)
    assert [(r['projection'], r['book']) for r in store.pending_writes()] == [('recording', A.book)]
    assert world.background.woken == 1 and world.projection.applied == []  # not on the request thread
    world.projections.drain()
    assert world.projection.applied == [('alice', A.book)] and store.pending_writes() == []
    assert store.reading_state('alice', A.book)['status'] == 'Reading'


def test_an_unmatched_push_reaches_no_projection(world):
    world.push('alice', 'unknown', 0.3, 100)
    assert world.projection.applied == []


def test_late_binding_replays_history_in_order_and_queues_the_projections(world, store):
    for t, pct in ((100, 0.3), (200, 1.0), (300, 0.5)):
        world.push('alice', 'late', pct, t)
    world.sync.record_digests([('late', 'served', A, None, None)])
    state = store.reading_state('alice', A.book)
    assert (state['status'], state['started'], state['finished'], state['last_read']) == ('Read', 100, 200, 300)
    assert store.book_position('alice', A)['percentage'] == 0.5
    # a download holds calibre's library: the projection is queued, not run, and the writer woken
    assert [(r['projection'], r['user'], r['book']) for r in store.pending_writes()] == [('recording', 'alice', A.book)]
    assert world.background.woken == 1 and world.projection.applied == []
    world.projections.drain()
    assert world.projection.applied == [('alice', A.book)] and store.pending_writes() == []


def test_a_pull_that_links_a_document_replays_its_pushes_into_the_projections(world, store):
    world.push('alice', 'doc', 1.0, 100)
    store.record_digests([('doc', 'manual', A, None, 'command line')])
    world.clock.now = 500
    assert world.sync.pull('alice', 'doc')['percentage'] == 1.0
    state = store.reading_state('alice', A.book)
    assert (state['status'], state['finished']) == ('Read', 100)
    world.projections.drain()
    assert world.projection.applied == [('alice', A.book)]


def test_a_pull_of_an_already_linked_document_writes_nothing(world, store):
    store.record_digests([('d', 'served', A, 'alice', None)])
    world.push('alice', 'd', 0.3, 100)
    changes, applied = store.conn.total_changes, list(world.projection.applied)
    world.sync.pull('alice', 'd')
    assert store.conn.total_changes == changes and world.projection.applied == applied


def test_a_pull_never_causes_a_transition_itself(world, store):
    store.record_digests([('d', 'served', A, 'alice', None)])
    world.push('alice', 'd', 0.0, 100)
    world.sync.pull('alice', 'd')
    assert store.reading_state('alice', A.book).get('status') in (None, 'Unread')


def test_a_link_from_the_page_replays_pushes_once_and_projects(world, store):
    world.push('alice', 'doc', 0.4, 100)
    assert world.sync.link('alice', 'doc', A) is True
    assert world.sync.link('alice', 'doc', A) is False
    assert store.reading_state('alice', A.book)['status'] == 'Reading'
    world.projections.drain()
    assert world.projection.applied == [('alice', A.book)]


def test_a_projection_that_cannot_write_is_queued_under_its_name_and_drained_later(world, store):
    store.record_digests([('d', 'served', A, 'alice', None)])
    world.projection.failing = True
    assert world.push('alice', 'd', 0.3, 100) == 100  # the push is acknowledged all the same
    world.projections.drain()
    assert [(r['projection'], r['attempts']) for r in store.pending_writes()] == [('recording', 1)]
    assert world.background.started == 1  # retried every 30 s from now on
    world.projection.failing = False
    world.projections.drain()
    assert world.projection.applied == [('alice', A.book)] and store.pending_writes() == []


def test_a_write_queued_again_while_it_is_applied_is_applied_again(world, store):
    store.record_digests([('d', 'served', A, 'alice', None)])
    world.push('alice', 'd', 0.3, 100)

    class PushDuringApply(RecordingProjection):
        def apply(self, user, book):
            super().apply(user, book)
            if len(self.applied) == 1:
                world.push('alice', 'd', 0.4, 101)  # a push arrives while calibre is written
    world.projections.registered['recording'] = world.projection = PushDuringApply()
    world.projections.drain()
    assert [r['version'] for r in store.pending_writes()] == [1]  # still queued: not lost
    world.projections.drain()
    assert len(world.projection.applied) == 2 and store.pending_writes() == []


def test_writes_queued_for_a_projection_this_process_lacks_wait_for_one_that_has_it(world, store):
    store.queue_write('positions', 'alice', A.book)
    world.projections.drain()
    assert [r['projection'] for r in store.pending_writes()] == ['positions']


def test_the_command_lines_link_binds_at_the_users_next_sync(store):
    cli = Sync(store, log=quiet)  # no matcher: calibre's permissions cannot be asked
    world = World(store)
    world.push('alice', 'doc', 1.0, 100)
    cli.add_manual_link('doc', A)
    assert store.linked_book('alice', 'doc') is None
    world.sync.pull('alice', 'doc')
    assert store.linked_book('alice', 'doc') == A


def test_unlink_removes_manual_links_and_bindings(world, store):
    world.push('alice', 'doc', 0.5, 100)
    world.sync.add_manual_link('doc', A)
    assert store.linked_book('alice', 'doc') == A
    assert world.sync.unlink('doc') == {'manual_links_removed': 1, 'bindings_removed': 1}
    assert store.linked_book('alice', 'doc') is None


def test_a_library_that_cannot_be_searched_leaves_the_document_unmatched(store):
    class Broken(Libraries):
        def visible(self, user, fmt):
            raise RuntimeError('library is being switched')
    logged = []
    store.record_digests([('d', 'served', A, 'alice', None)])
    sync = Sync(store, Matcher(store, Broken(LIB)), log=logged.append)
    assert sync.push('alice', push('d', 0.3)) > 0
    assert store.linked_book('alice', 'd') is None and any('being switched' in m for m in logged)


def test_metadata_file_name_then_title_and_authors_link_exactly_one_visible_book(store):
    store.record_digests([(name_md5('Ada - Alice.epub'), 'opds_name', A, None, None)])
    libs = Libraries(LIB, books=[(2, 'The Sync of Time', ['Kobo Stanza', 'Ann Other'], ['EPUB', 'PDF']),
                                 (3, 'Twin', ['X'], ['EPUB']), (4, 'Twin', ['X'], ['EPUB'])])
    assert match(store, 'alice', 'u1', {'filename': '/mnt/onboard/Ada - Alice.epub'}, libs) == A
    meta = {'title': '  the SYNC of\ttime ', 'authors': 'Ann Other\nKobo Stanza', 'filename': 'x.pdf'}
    assert match(store, 'alice', 'u2', meta, libs) == BookFormat(Book(LIB, 2), 'PDF')
    assert match(store, 'alice', 'u3', {'title': 'Twin', 'authors': 'X'}, libs) is None  # two books match
    assert match(store, 'alice', 'u4', {'title': 'The Sync of Time', 'authors': 'Somebody'}, libs) is None


def test_normalisation_is_nfkc_casefolded_and_whitespace_collapsed():
    assert normalise('ＤＵＮＥ\u00a0 Messiah') == 'dune messiah'
    assert authors_set('A\nB') == authors_set(['b', 'a'])


class Reader:
    """A stand-in for calibre's web reader (app.ports.ReaderPositionSource)."""

    def __init__(self, newer=None, fails=False):
        self.newer, self.fails, self.asked = newer, fails, []

    def newer_than(self, user, fmt, answer):
        self.asked.append((user, fmt, answer and answer['timestamp']))
        if self.fails:
            raise RuntimeError('the EPUB cannot be read')
        return self.newer


def test_a_pull_of_a_linked_document_answers_another_readers_newer_position(world, store):
    store.record_digests([('d', 'served', A, 'alice', None)])
    world.push('alice', 'd', 0.3, 100)
    world.sync.reader = Reader({'percentage': 0.6, 'progress': '/body/DocFragment[2]/body', 'device': 'calibre reader',
                                'device_id': 'CAL', 'timestamp': 200})
    answer = world.sync.pull('alice', 'd')
    assert (answer['document'], answer['percentage'], answer['device'], answer['timestamp']) == ('d', 0.6, 'calibre reader', 200)
    assert world.sync.reader.asked == [('alice', A, 100)]
    assert store.reading_state('alice', A.book)['percentage'] == 0.3  # another reader never moves the state


def test_another_reader_that_fails_or_has_nothing_newer_leaves_the_pull_as_it_was(world, store):
    store.record_digests([('d', 'served', A, 'alice', None)])
    world.push('alice', 'd', 0.3, 100)
    for reader in (Reader(fails=True), Reader(None)):
        world.sync.reader = reader
        assert world.sync.pull('alice', 'd')['percentage'] == 0.3


def test_an_unlinked_document_never_asks_another_reader(world):
    world.push('alice', 'unknown', 0.3, 100)
    world.sync.reader = Reader({'percentage': 0.9})
    assert world.sync.pull('alice', 'unknown')['percentage'] == 0.3 and world.sync.reader.asked == []


# -- the pull's answer kept in memory ----------------------------------------------------------

def linked_world(store, libraries=None, logged=False):
    w = World(store, libraries, logged)
    store.record_digests([('d1', 'served', A, 'alice', None)])
    w.push('alice', 'd1', 0.3, 1000)
    return w


def test_a_pull_of_a_linked_document_is_answered_from_memory_while_nothing_changed(store):
    w = linked_world(store)
    first = w.sync.pull('alice', 'd1')
    calls = []
    store.sync_rows = lambda *a: calls.append(a)  # would fail if asked
    assert w.sync.pull('alice', 'd1') == first and calls == []


def test_a_commit_by_another_connection_is_seen_at_the_next_pull(store, tmp_path):
    import sqlite3
    w = linked_world(store)
    assert w.sync.pull('alice', 'd1')['percentage'] == 0.3
    other = sqlite3.connect(store.path)  # another program (the command line) writing the sidecar
    other.execute("UPDATE book_progress SET percentage=0.9, timestamp=5000 WHERE user='alice'")
    other.commit()
    other.close()
    assert w.sync.pull('alice', 'd1')['percentage'] == 0.9


def test_a_book_hidden_after_the_answer_was_kept_is_not_answered_from_memory(store):
    libraries = Libraries(LIB)
    w = linked_world(store, libraries)
    store.record_digests([('d2', 'served', A, 'alice', None)])
    w.push('alice', 'd2', 0.7, 2000)  # another download of the same book, read further
    assert w.sync.pull('alice', 'd1')['percentage'] == 0.7  # the book's position: kept now
    libraries.hidden.add(('alice', 1))
    assert w.sync.pull('alice', 'd1')['percentage'] == 0.3  # only the document's own position


def test_without_a_visibility_token_nothing_is_kept(store):
    class Untokened(Libraries):
        def visibility_token(self, user, library_uuid):
            return None
    w = linked_world(store, Untokened(LIB))
    w.sync.pull('alice', 'd1')
    assert w.sync.pulls == {}


def test_a_push_keeps_what_it_wrote_so_the_next_pull_and_push_read_nothing(store):
    w = linked_world(store, logged=True)  # as in a server: the push log is applied in the background
    w.projections.drain()
    w.sync.pull('alice', 'd1')
    w.push('alice', 'd1', 0.4, 1500)
    reads = store.sync_rows
    store.sync_rows = lambda *a: pytest.fail('read the sidecar')
    answer = w.sync.pull('alice', 'd1')
    assert (answer['percentage'], answer['timestamp'], answer['document']) == (0.4, 1500, 'd1')
    w.push('alice', 'd1', 0.5, 1600)
    assert w.sync.pull('alice', 'd1')['percentage'] == 0.5
    store.sync_rows = reads
    w.projections.drain()  # the background writer applies the log
    assert store.reading_state('alice', A.book)['percentage'] == 0.5


def test_what_a_push_keeps_equals_what_the_sidecar_answers(store):
    w = linked_world(store)
    w.push('alice', 'd1', 1, 1500)
    kept = w.sync.pull('alice', 'd1')
    w.sync.pulls.clear()
    assert w.sync.pull('alice', 'd1') == kept and isinstance(kept['percentage'], float)


def test_two_documents_of_one_book_committed_together_leave_no_stale_answer_in_memory(store):
    w = linked_world(store)
    store.record_digests([('d2', 'served', A, 'alice', None)])
    w.sync.pull('alice', 'd2')  # linked too
    w.sync.pull('alice', 'd1')  # kept in memory
    in_one_batch(store, [lambda doc=doc, pct=pct: w.sync.push('alice', push(doc, pct, f'p{pct}', 'Kobo', doc))
                         for doc, pct in (('d1', 0.3), ('d2', 0.7))])  # d1, then d2, one commit
    answered = w.sync.pull('alice', 'd1')
    w.sync.pulls.clear()
    assert answered == w.sync.pull('alice', 'd1') and answered['percentage'] == 0.7  # the book read further
