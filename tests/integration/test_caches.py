"""What BookBoss keeps in memory never outlives the change that should end it: an
administrator's change made while the server runs, the way administrators make it
(`calibre-server --manage-users`, `calibredb` through the server), takes effect at the next
request."""

import sqlite3
import time

import pytest

from harness import CalibreServer
from koreader_client import Device, md5_text

BOOKS = [('Open Book', 'Ann Author', 4), ('Later Book', 'Bo Writer', 4), ('Renamed Book', 'Cy Writer', 4)]


@pytest.fixture(scope='module')
def server(home):
    library = home.library('Library', BOOKS)
    for name in ('admin', 'alice', 'bob', 'rita', 'dora', 'tess'):
        home.add_user(name, 'pw')
    home.users('libraries', '--action', 'per-library', 'tess', 'Library', 'not tags:hidden')
    home.users('libraries', '--action', 'per-library', 'rita', 'Library', 'title:"Open Book"')
    home.users('libraries', '--action', 'per-library', 'dora', 'Library', 'date:>30daysago')
    srv = CalibreServer(home, [library], '--enable-auth', '--auth-mode', 'basic').start()
    yield srv
    srv.stop()


def auth(server, user, password):
    status, _, _ = server.request('GET', '/koreader/users/auth', headers={
        'x-auth-user': user, 'x-auth-key': md5_text(password)})
    return status


def calibredb(server, *args):
    return server.home.run('calibredb', '--with-library', f'http://127.0.0.1:{server.port}/#Library',
                           '--username', 'admin', '--password', 'pw', *args).stdout


def link_of(home, user, document):
    with home.settled_sidecar() as c:
        row = c.execute('SELECT book_id FROM document_links WHERE user=? AND document=?', (user, document)).fetchone()
    return row[0] if row else None


def name_digest(title, author):
    return md5_text(f'{author} - {title}.epub')  # KOReader's default OPDS file name


def test_a_password_changed_while_the_server_runs_counts_at_the_next_request(server, home):
    assert auth(server, 'alice', 'pw') == 200
    home.users('chpass', 'alice', 'newpw')
    assert auth(server, 'alice', 'pw') == 401
    assert auth(server, 'alice', 'newpw') == 200


def test_a_user_removed_while_the_server_runs_is_refused_at_the_next_request(server, home):
    assert auth(server, 'bob', 'pw') == 200
    home.users('remove', 'bob')
    assert auth(server, 'bob', 'pw') == 401


def test_a_restriction_changed_while_the_server_runs_counts_at_the_next_request(server, home):
    Device(server, 'admin', 'pw').download('/get/epub/2/Library')  # makes the file name's digest known
    document = name_digest('Later Book', 'Bo Writer')
    rita = Device(server, 'rita', 'pw')
    rita.push(document, 0.2)
    assert link_of(home, 'rita', document) is None  # "Later Book" is outside rita's restriction
    home.users('libraries', '--action', 'per-library', 'rita', 'Library', 'title:"Later Book"')
    rita.pull(document)
    assert link_of(home, 'rita', document) == 2


def test_a_date_restriction_is_evaluated_afresh(server, home):
    Device(server, 'admin', 'pw').download('/get/epub/1/Library')
    dora = Device(server, 'dora', 'pw')
    first = name_digest('Open Book', 'Ann Author')
    dora.push(first, 0.1)
    assert link_of(home, 'dora', first) == 1  # added today: within "date:>30daysago"
    calibredb(server, 'set_metadata', '--field', 'timestamp:2000-01-01', '1')
    other = Device(server, 'dora', 'pw', 'Kindle')
    data, _ = Device(server, 'admin', 'pw').download('/get/epub/1/Library')  # new bytes after the edit
    from koreader_client import partial_md5
    second = partial_md5(data)
    other.push(second, 0.3)
    assert link_of(home, 'dora', second) is None  # the book now dates from 2000: not dora's any more


def test_a_book_tagged_out_of_a_cached_restriction_is_hidden_at_the_next_request(server, home):
    # "not tags:hidden" is a restriction calibre keeps in its search cache (BookBoss reads it from
    # there): calibre's change events must reach it
    tess = Device(server, 'tess', 'pw')
    metadata = {'title': 'Later Book', 'authors': 'Bo Writer'}
    tess.push('sideloaded00000000000000000000t1', 0.2, metadata=metadata)
    assert link_of(home, 'tess', 'sideloaded00000000000000000000t1') == 2
    calibredb(server, 'set_metadata', '--field', 'tags:hidden', '2')
    tess.push('sideloaded00000000000000000000t2', 0.2, metadata=metadata)
    assert link_of(home, 'tess', 'sideloaded00000000000000000000t2') is None
    calibredb(server, 'set_metadata', '--field', 'tags:', '2')
    tess.push('sideloaded00000000000000000000t3', 0.2, metadata=metadata)
    assert link_of(home, 'tess', 'sideloaded00000000000000000000t3') == 2


def test_a_title_changed_while_the_server_runs_matches_at_the_next_request(server, home):
    alice = Device(server, 'alice', 'newpw')
    metadata = {'title': 'A Brand New Title', 'authors': 'Cy Writer'}
    alice.push('sideloaded00000000000000000000c1', 0.4, metadata=metadata)
    assert link_of(home, 'alice', 'sideloaded00000000000000000000c1') is None
    calibredb(server, 'set_metadata', '--field', 'title:A Brand New Title', '3')
    alice.push('sideloaded00000000000000000000c2', 0.4, metadata=metadata)
    assert link_of(home, 'alice', 'sideloaded00000000000000000000c2') == 3


def kept_pull_of_later_book(server, user, tag):
    """user's device pulling its document of "Later Book" (pushed at 20 %) while another device
    read the book to 60 %: the answer (the book's 60 %) kept in memory. The document."""
    first, other = Device(server, user, 'pw'), Device(server, user, 'pw', 'Kindle')
    metadata = {'title': 'Later Book', 'authors': 'Bo Writer'}
    document = f'sideloaded00000000000000000000{tag}1'
    first.push(document, 0.2, metadata=metadata)
    other.push(f'sideloaded00000000000000000000{tag}2', 0.6, metadata=metadata)  # the same book, further on
    time.sleep(0.5)  # the background writer's work for the pushes is done: the sidecar stays as it is
    for _ in range(3):  # kept in memory after the first
        assert first.pull(document)['percentage'] == 0.6
    return first, document


def test_a_pull_answered_from_memory_follows_a_book_tagged_out_of_the_restriction(server, home):
    tess, document = kept_pull_of_later_book(server, 'tess', 'p')
    calibredb(server, 'set_metadata', '--field', 'tags:hidden', '2')
    assert tess.pull(document)['percentage'] == 0.2  # the document's own only
    calibredb(server, 'set_metadata', '--field', 'tags:', '2')


def test_a_sidecar_change_by_another_program_is_answered_at_the_next_pull(server, home):
    admin = Device(server, 'admin', 'pw')
    document = 'sideloaded00000000000000000000a1'
    admin.push(document, 0.25, metadata={'title': 'Open Book', 'authors': 'Ann Author'})
    assert link_of(home, 'admin', document) == 1
    assert admin.pull(document)['percentage'] == 0.25
    assert admin.pull(document)['percentage'] == 0.25  # now kept in memory
    with sqlite3.connect(home.sidecar) as c:  # another program writing the sidecar while the server runs
        c.execute("UPDATE book_progress SET percentage=0.75 WHERE user='admin' AND book_id=1")
        c.execute("UPDATE progress SET percentage=0.75 WHERE user='admin' AND document=?", (document,))
    assert admin.pull(document)['percentage'] == 0.75


def test_a_pull_answered_from_memory_follows_a_restriction_changed_while_the_server_runs(server, home):
    home.users('libraries', '--action', 'per-library', 'rita', 'Library', 'title:"Later Book"')
    rita, document = kept_pull_of_later_book(server, 'rita', 'q')
    home.users('libraries', '--action', 'per-library', 'rita', 'Library', 'title:"Open Book"')
    assert rita.pull(document)['percentage'] == 0.2  # the book is not rita's now
