"""KOReader → calibre's web reader: a push for a linked EPUB becomes the calibre user's reader
position for the book (read back through calibre-server's own /book-get-last-read-position),
converted against the book's own EPUB; nothing is written with calibre authentication off."""

import json
import os
import time

import pytest

from harness import CalibreServer
from koreader_client import Device, basic, partial_md5
from probe_book import write_epub

with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'data',
                       'crengine_probe_vectors.json'), encoding='utf-8') as f:
    CRENGINE = json.load(f)['books']['probe']['20240114']


@pytest.fixture(scope='module')
def library(home, tmp_path_factory):
    epub = write_epub(tmp_path_factory.mktemp('probe') / 'probe.epub')
    library = home.library('Library', [])
    home.run('calibredb', '--library-path', library, 'add', str(epub))
    home.add_user('alice', 'pw')
    return library


def server_with_auth(home, library):
    return CalibreServer(home, [library], '--enable-auth', '--auth-mode', 'basic').start()


def device_with(server, name, href='/get/epub/1/Library'):
    """alice's KOReader device after downloading href: (device, the document KOReader computes)."""
    device = Device(server, 'alice', 'pw', name)
    data, _ = device.download(href)
    return device, partial_md5(data)


def reader_positions(server, user='alice'):
    status, _, raw = server.request('GET', '/book-get-last-read-position/Library/1-EPUB',
                                    headers=basic(user, 'pw'))
    assert status == 200, raw
    return json.loads(raw)['1:EPUB']


def wait_for_positions(server, count):
    for _ in range(100):
        rows = reader_positions(server)
        if len(rows) >= count:
            return rows
        time.sleep(0.1)
    return rows


def test_a_koreader_push_becomes_the_users_calibre_reader_position(home, library):
    server = server_with_auth(home, library)
    try:
        kobo, document = device_with(server, 'Kobo Libra 2')
        kobo.push(document, 0.25, progress='/body/DocFragment[1]/body/p[1]/text().7')  # "world"
        (row,) = wait_for_positions(server, 1)
        assert row['device'] == 'KOReader: Kobo Libra 2' and row['cfi'] == 'epubcfi(/2/2/4/2/1:13)'
        assert row['pos_frac'] == 0.25 and abs(row['epoch'] - time.time()) < 60
        kindle = Device(server, 'alice', 'pw', 'Kindle')
        kindle.push(document, 0.4, progress='/body[1]/DocFragment[2]/body[1]/p[1]/text()[1].0')  # non-linear c2
        rows = {r['device']: r for r in wait_for_positions(server, 2)}
        assert rows['KOReader: Kindle']['cfi'] == 'epubcfi(/6/2/4/2/1:0)'  # calibre puts c2 last
        assert rows['KOReader: Kobo Libra 2']['cfi'] == 'epubcfi(/2/2/4/2/1:13)'  # one row per device
    finally:
        server.stop()


def test_with_calibre_authentication_off_nothing_is_written(home, library):
    server = CalibreServer(home, [library]).start()
    try:
        kobo, document = device_with(server, 'Kobo Clara')
        kobo.push(document, 0.6, progress='/body/DocFragment[1]/body/p[2]/text()[2].1')
        time.sleep(1)
    finally:
        server.stop()
    server = server_with_auth(home, library)
    try:
        assert 'KOReader: Kobo Clara' not in {r['device'] for r in reader_positions(server)}
    finally:
        server.stop()


def test_a_library_can_turn_the_bridge_off(home, library):
    def setting(*args):
        out = home.run('calibre-debug', '-r', 'BookBoss', '--', 'columns', 'reader-positions', *args,
                       '--library', library, '--json').stdout
        return json.loads(out)['reader_positions']
    assert setting() == 'on'
    assert setting('off') == 'off'
    server = server_with_auth(home, library)
    try:
        kobo, document = device_with(server, 'Kobo Sage')
        kobo.push(document, 0.7, progress='/body/DocFragment[1]/body/p[2]/text()[2].1')
        time.sleep(1)
        assert 'KOReader: Kobo Sage' not in {r['device'] for r in reader_positions(server)}
    finally:
        server.stop()
    assert setting('on') == 'on'


def test_a_position_set_in_calibres_web_reader_is_offered_to_koreader_until_koreader_moves_on(home, library):
    server = server_with_auth(home, library)

    def web_reader_at(cfi, pos_frac):
        time.sleep(1.1)  # calibre's epoch must be newer than the last push's whole second
        status, _, raw = server.request('POST', '/book-set-last-read-position/Library/1/EPUB',
                                        {'device': 'browser-1', 'cfi': cfi, 'pos_frac': pos_frac},
                                        dict(basic('alice', 'pw'), **{'Content-Type': 'application/json'}))
        assert status == 200, raw
    try:
        kobo, document = device_with(server, 'Kobo Libra 2')
        kobo.push(document, 0.25, progress='/body/DocFragment[1]/body/p[1]/text().7')
        web_reader_at('epubcfi(/2/2/4/6/1:7)', 0.5)  # "r" of "three": "one " is 4 UTF-16 units, " th" 3 more
        offered = kobo.pull(document)
        assert offered['progress'] == '/body/DocFragment[1]/body/p[2]/text()[2].3'
        assert [offered['progress'], 'ree'] in CRENGINE  # what real crengine gives for that character
        assert (offered['percentage'], offered['device']) == (0.5, 'calibre reader') and offered['document'] == document
        kobo.push(document, 0.55, progress=offered['progress'])  # KOReader jumped there and moves on
        assert kobo.pull(document)['device'] == 'Kobo Libra 2'
        web_reader_at('epubcfi(/2/2/4/6/1:0)', 0.56)  # the reader re-posts a position in the same paragraph
        assert kobo.pull(document)['device'] == 'Kobo Libra 2'  # nothing new to offer
        explicit = Device(server, 'alice', 'pw', 'Kindle')
        explicit.push(document, 0.6, progress='/body[1]/DocFragment[3]/body[1]/p[1]/text()[1].0')
        web_reader_at('epubcfi(/2/2/4/30/1:2)', 0.7)  # "epsilon"
        assert explicit.pull(document)['progress'] == '/body[1]/DocFragment[1]/body[1]/p[10]/text()[1].1'
    finally:
        server.stop()


PDF = (b'%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n'
       b'3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n')


def test_a_pdf_and_an_unlinked_document_sync_as_before(home, library, tmp_path):
    pdf = tmp_path / 'paged.pdf'
    pdf.write_bytes(PDF)
    home.run('calibredb', '--library-path', library, 'add', str(pdf))  # book 2, PDF only
    server = server_with_auth(home, library)
    try:
        status, _, raw = server.request('POST', '/book-set-last-read-position/Library/1/EPUB',
                                        {'device': 'browser-2', 'cfi': 'epubcfi(/2/2/4/30/1:2)', 'pos_frac': 0.9},
                                        dict(basic('alice', 'pw'), **{'Content-Type': 'application/json'}))
        assert status == 200, raw
        kobo, paged = device_with(server, 'Kobo Elipsa', '/get/pdf/2/Library')
        kobo.push(paged, 0.3, progress='12')
        kobo.push('sideloaded00000000000000000000ff', 0.4, progress='/body/DocFragment[1]/body/p[1]/text().0')
        time.sleep(1)
        assert (kobo.pull(paged)['progress'], kobo.pull(paged)['device']) == ('12', 'Kobo Elipsa')
        unlinked = kobo.pull('sideloaded00000000000000000000ff')
        assert (unlinked['percentage'], unlinked['device']) == (0.4, 'Kobo Elipsa')
        _, _, raw = server.request('GET', '/book-get-last-read-position/Library/2-PDF', headers=basic('alice', 'pw'))
        assert json.loads(raw)['2:PDF'] == []  # nothing written for a PDF
    finally:
        server.stop()


def test_a_book_whose_epub_file_is_missing_syncs_as_before(home, library):
    # last in this module: it removes book 1's EPUB file from the library folder
    server = server_with_auth(home, library)
    try:
        kobo, document = device_with(server, 'Kobo Nia')
    finally:
        server.stop()
    book_folder = next(os.path.join(root) for root, _, files in os.walk(library)
                       if any(f.endswith('.epub') for f in files))
    for name in os.listdir(book_folder):
        if name.endswith('.epub'):
            os.remove(os.path.join(book_folder, name))
    server = server_with_auth(home, library)
    try:
        kobo = Device(server, 'alice', 'pw', 'Kobo Nia')
        kobo.push(document, 0.65, progress='/body/DocFragment[1]/body/p[4]/text()[2].0')
        time.sleep(1)
        assert 'KOReader: Kobo Nia' not in {r['device'] for r in reader_positions(server)}
        pulled = kobo.pull(document)
        assert (pulled['percentage'], pulled['device']) == (0.65, 'Kobo Nia')
        assert 'Traceback' not in server.output()
    finally:
        server.stop()
