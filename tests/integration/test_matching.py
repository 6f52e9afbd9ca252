"""Which library book a KOReader document is, through a real calibre-server: downloads via
/opds and /get, digests computed here from the received bytes, pushes as a stock client."""

import json
import os
import sqlite3
import time

import pytest

from harness import CalibreServer
from koreader_client import Device, cd_filename, md5_text, partial_md5

BOOKS = [('Alice in the Server Room', 'Ada Reader', 6), ('The Sync of Time', 'Kobo Stanza', 6),
         ('Pages & Positions', 'Ann Author & Bob Writer', 6), ('Dune: Messiah', 'Frank Herbert', 6)]


@pytest.fixture(scope='module')
def server(home):
    main = home.library('Library', BOOKS)
    other = home.library('Other', [('Elsewhere', 'Otto Other', 4)])
    home.add_user('alice', 'secret')
    home.add_user('rita', 'pw')
    home.add_user('lena', 'pw')
    home.users('libraries', '--action', 'per-library', 'rita', 'Library', 'title:"Alice in the Server Room"')
    home.users('libraries', '--action', 'allow', 'lena', 'Other')
    srv = CalibreServer(home, [main, other], '--enable-auth', '--auth-mode', 'basic').start()
    srv.libraries = {'Library': main, 'Other': other}
    yield srv
    srv.stop()


def sidecar(home):
    conn = home.settled_sidecar()
    conn.row_factory = sqlite3.Row
    return conn


def link_of(home, user, document):
    with sidecar(home) as c:
        row = c.execute('SELECT book_id, format FROM document_links WHERE user=? AND document=?',
                        (user, document)).fetchone()
    return tuple(row) if row else None


def book_id(server, title, library='Library'):
    out = server.home.run('calibredb', '--with-library', f'http://127.0.0.1:{server.port}/#{library}',
                          '--username', 'alice', '--password', 'secret', 'search', f'title:"={title}"').stdout
    return int(out.strip())


def acquisition(device, title):
    return next(a for a in device.opds_acquisitions() if a[0] == title)


def cli(home, *args):
    return json.loads(home.run('calibre-debug', '-r', 'BookBoss', '--', *args, '--json').stdout)


def test_opds_download_then_push_links_the_document_to_the_book(server, home):
    kobo = Device(server, 'alice', 'secret')
    title, author, href, mime = acquisition(kobo, 'The Sync of Time')
    data, headers = kobo.download(href)
    document = partial_md5(data)
    kobo.push(document, 0.25)
    assert link_of(home, 'alice', document) == (book_id(server, 'The Sync of Time'), 'EPUB')


def test_the_default_opds_file_name_digest_links_too(server, home):
    kobo = Device(server, 'alice', 'secret', 'Kindle')
    title, author, href, mime = acquisition(kobo, 'Dune: Messiah')
    kobo.download(href)
    document = md5_text('Frank Herbert - Dune_ Messiah.epub')  # KOReader's name on a vfat Kindle
    assert document == 'fc744e550d4976eea195c3fdd51c5fba'
    kobo.push(document, 0.1)
    assert link_of(home, 'alice', document) == (book_id(server, 'Dune: Messiah'), 'EPUB')


def test_the_server_file_name_digest_links_too(server, home):
    kobo = Device(server, 'alice', 'secret', 'PocketBook')
    title, author, href, mime = acquisition(kobo, 'Pages & Positions')
    _, headers = kobo.download(href, 'HEAD')  # "use server filenames" asks with HEAD first
    name = cd_filename(headers['Content-Disposition'])
    document = md5_text(name)
    kobo.push(document, 0.4)
    assert link_of(home, 'alice', document) == (book_id(server, 'Pages & Positions'), 'EPUB')


def test_after_a_metadata_edit_old_and_new_downloads_share_one_position(server, home):
    old_device = Device(server, 'alice', 'secret', 'Kobo Clara', 'C' * 32)
    new_device = Device(server, 'alice', 'secret', 'Kobo Sage', 'S' * 32)
    title, author, href, mime = acquisition(old_device, 'Alice in the Server Room')
    old = partial_md5(old_device.download(href)[0])
    old_device.push(old, 0.2)
    server.home.run('calibredb', '--with-library', f'http://127.0.0.1:{server.port}/#Library',
                    '--username', 'alice', '--password', 'secret', 'set_metadata', '--field',
                    'comments:edited', str(book_id(server, 'Alice in the Server Room')))
    new = partial_md5(new_device.download(href)[0])
    assert new != old
    new_device.push(new, 0.6, '/body/DocFragment[9]')
    got = old_device.pull(old)
    assert (got['percentage'], got['progress'], got['device']) == (0.6, '/body/DocFragment[9]', 'Kobo Sage')
    old_device.push(old, 0.7, '/body/DocFragment[10]')
    got = new_device.pull(new)
    assert (got['percentage'], got['device'], got['document']) == (0.7, 'Kobo Clara', new)
    with sidecar(home) as c:  # both digests stay in the history
        kinds = {r[0] for r in c.execute("SELECT digest FROM digests WHERE kind='served'")}
    assert {old, new} <= kinds


def test_a_range_download_records_the_digest_of_the_whole_file(server, home):
    kobo = Device(server, 'alice', 'secret')
    bid = book_id(server, 'Pages & Positions')
    server.home.run('calibredb', '--with-library', f'http://127.0.0.1:{server.port}/#Library',
                    '--username', 'alice', '--password', 'secret', 'set_metadata', '--field',
                    'comments:range test', str(bid))
    href = f'/get/epub/{bid}/Library'
    part, headers = kobo.download(href, extra={'Range': 'bytes=0-99'})
    assert len(part) == 100
    full, _ = kobo.download(href)
    assert full[:100] == part
    with sidecar(home) as c:
        served = [r[0] for r in c.execute(
            "SELECT digest FROM digests WHERE kind='served' AND book_id=? ORDER BY first_seen", (bid,))]
    assert served[-1] == partial_md5(full)
    assert all(d != partial_md5(part) for d in served)


def digest_of_alices_download(server, title):
    alice = Device(server, 'alice', 'secret')
    return partial_md5(alice.download(acquisition(alice, title)[2])[0])


def test_a_user_never_gets_a_link_to_a_book_hidden_by_a_search_restriction(server, home):
    document = digest_of_alices_download(server, 'The Sync of Time')
    rita = Device(server, 'rita', 'pw')
    rita.push(document, 0.5)
    assert link_of(home, 'rita', document) is None
    # but the book she may see links
    data, _ = rita.download(f'/get/epub/{book_id(server, "Alice in the Server Room")}/Library')
    mine = partial_md5(data)
    rita.push(mine, 0.5)
    assert link_of(home, 'rita', mine) == (book_id(server, 'Alice in the Server Room'), 'EPUB')


def test_a_user_of_another_library_never_gets_a_link_into_this_one(server, home):
    document = digest_of_alices_download(server, 'Dune: Messiah')
    lena = Device(server, 'lena', 'pw')
    lena.push(document, 0.5)
    assert link_of(home, 'lena', document) is None


def test_an_unchanged_library_file_is_recognised_by_the_index(server, home):
    bid = book_id(server, 'The Sync of Time')
    library = server.libraries['Library']
    folder = next(os.path.join(d, f) for d in (os.path.join(library, a) for a in os.listdir(library))
                  if os.path.isdir(d) for f in os.listdir(d) if f.endswith(f'({bid})'))
    epub = next(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith('.epub'))
    with open(epub, 'rb') as f:
        document = partial_md5(f.read())  # a book copied to the device as stored
    Device(server, 'alice', 'secret').push(document, 0.05)
    assert link_of(home, 'alice', document) == (bid, 'EPUB')


def test_late_binding_replays_earlier_pushes_into_the_reading_state(server, home, tmp_path):
    bid = book_id(server, 'Dune: Messiah')
    txt = tmp_path / 'dune.txt'
    txt.write_text('A text edition of the book, served byte for byte.\n' * 400)
    document = partial_md5(txt.read_bytes())  # TXT is served unchanged
    kindle = Device(server, 'alice', 'secret', 'Kindle Basic')
    for percentage in (0.3, 1.0, 0.5):
        kindle.push(document, percentage)
        time.sleep(1.1)
    assert link_of(home, 'alice', document) is None  # nobody knows this document yet
    home.run('calibredb', '--with-library', f'http://127.0.0.1:{server.port}/#Library', '--username', 'alice',
             '--password', 'secret', 'add_format', str(bid), str(txt))
    kindle.download(f'/get/txt/{bid}/Library')  # the digest becomes known: late binding
    assert link_of(home, 'alice', document) == (bid, 'TXT')
    with sidecar(home) as c:
        history = [r['timestamp'] for r in c.execute(
            'SELECT timestamp FROM push_history WHERE user=? AND document=? ORDER BY id', ('alice', document))]
        state = c.execute('SELECT status, finished FROM reading_state WHERE user=? AND book_id=?',
                          ('alice', bid)).fetchone()
    assert (state['status'], state['finished']) == ('Read', history[1])


def test_command_line_status_unmatched_link_and_unlink(server, home):
    alice = Device(server, 'alice', 'secret')
    alice.push('handcopiedbook0000000000000000ab', 0.4, metadata={'title': 'Hand copied'})
    rows = cli(home, 'unmatched', '--user', 'alice')
    assert any(r['document'] == 'handcopiedbook0000000000000000ab' and r['title'] == 'Hand copied' for r in rows)
    status = cli(home, 'status')
    assert status['digests']['served'] >= 1 and status['digests']['library'] >= 5
    bid = book_id(server, 'Alice in the Server Room')
    cli(home, 'link', 'handcopiedbook0000000000000000ab', str(bid), '--library', 'Library', '--format', 'EPUB')
    alice.pull('handcopiedbook0000000000000000ab')  # the next sync binds it
    assert link_of(home, 'alice', 'handcopiedbook0000000000000000ab') == (bid, 'EPUB')
    result = cli(home, 'unlink', 'handcopiedbook0000000000000000ab')
    assert result['manual_links_removed'] == 1


def test_the_web_uis_legacy_download_path_is_recorded_too(server, home):
    bid = book_id(server, 'Alice in the Server Room')
    data, _ = Device(server, 'alice', 'secret').download(f'/legacy/get/EPUB/{bid}/Library/book.epub')
    with sidecar(home) as c:
        kinds = {r[0] for r in c.execute('SELECT kind FROM digests WHERE digest=?', (partial_md5(data),))}
    assert kinds == {'served'}
