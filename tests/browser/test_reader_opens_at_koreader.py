"""calibre's own web reader, in headless Chromium against a real calibre-server, opens a book at
the position a KOReader device pushed: the position the reader itself then reports
(/book-get-last-read-position, its own device row) is at the pushed text, for an exact, an
element-level and a chapter-level KOReader position."""

import json
import re
import time

import pytest

from harness import CalibreServer
from koreader_client import Device, basic, partial_md5
from probe_book import FILES, write_epub

# the probe book with a long c2: calibre's reader reported no position for a chapter that fits on one page
LONG_C2 = FILES['OEBPS/c2.xhtml'].replace('</body>', '<p>' + 'More notes. ' * 600 + '</p>\n</body>')
BOOK = dict(FILES, **{'OEBPS/c2.xhtml': LONG_C2})
from test_setup_page import browser


@pytest.fixture(scope='module')
def server(home, tmp_path_factory):
    epub = write_epub(tmp_path_factory.mktemp('probe') / 'probe.epub', BOOK)
    library = home.library('Library', [])
    home.run('calibredb', '--library-path', library, 'add', str(epub))
    home.add_user('alice', 'pw')
    srv = CalibreServer(home, [library], '--enable-auth', '--auth-mode', 'basic').start()
    yield srv
    srv.stop()


def rows(server):
    _, _, raw = server.request('GET', '/book-get-last-read-position/Library/1-EPUB', headers=basic('alice', 'pw'))
    return json.loads(raw)['1:EPUB']


def reader_opens_at(server, progress):
    """Push progress from KOReader, open the book in a fresh browser; the reader's own CFI."""
    kobo = Device(server, 'alice', 'pw', 'Kobo Libra 2')
    data, _ = kobo.download('/get/epub/1/Library')
    time.sleep(1.1)  # newer than any position an earlier browser reported
    kobo.push(partial_md5(data), 0.8, progress=progress)
    for _ in range(50):
        if any(r['device'] == 'KOReader: Kobo Libra 2' and r['epoch'] > time.time() - 30 for r in rows(server)):
            break
        time.sleep(0.1)
    before = {r['device']: r['epoch'] for r in rows(server)}
    driver = browser('alice', 'pw')
    try:
        driver.get(f'http://127.0.0.1:{server.port}/#book_id=1&fmt=EPUB&library_id=Library&mode=read_book')
        for _ in range(60):
            mine = [r for r in rows(server) if not r['device'].startswith('KOReader: ')
                    and r['epoch'] > before.get(r['device'], 0)]
            if mine:
                return mine[0]['cfi']
            time.sleep(0.5)
    finally:
        driver.quit()
    raise AssertionError(f'the reader reported no position: {rows(server)}')


def test_the_reader_opens_at_an_exact_koreader_position(server):
    cfi = reader_opens_at(server, '/body/DocFragment[3]/body/p/text()[2].0')  # character 8,190 of c3
    m = re.fullmatch(r'epubcfi\(/4/2/4/2/1:(\d+)\)', cfi)
    assert m and 8190 - 2500 <= int(m.group(1)) <= 8190, cfi  # the page that shows character 8,190


def test_the_reader_opens_at_an_element_level_koreader_position(server):
    cfi = reader_opens_at(server, '/body/DocFragment[3]/body/p')
    m = re.fullmatch(r'epubcfi\(/4/2/4/2/1:(\d+)\)', cfi)
    assert m and int(m.group(1)) < 2500, cfi  # the first page of that paragraph


def test_the_reader_opens_at_a_chapter_level_koreader_position_in_a_non_linear_item(server):
    cfi = reader_opens_at(server, '/body/DocFragment[2]/body')  # c2, which calibre's reader puts last
    assert cfi.startswith('epubcfi(/6/'), cfi
