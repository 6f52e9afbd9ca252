"""The content server inside the calibre GUI (offscreen) serves BookBoss too."""

import hashlib
import json
import os
import time

import pytest

from harness import ask_gui, probed_gui, settled
from koreader_client import Device, md5_text as md5_name, partial_md5


@pytest.fixture(scope='module')
def gui(home):
    library = home.library('GuiLibrary')
    g = probed_gui(home, library)
    g.add_user('gina', 'pw')
    home.run('calibre-debug', '-r', 'BookBoss', '--', 'columns', 'create', '--library', library,
             '--userdb', os.path.join(home.config, 'server-users.sqlite'))
    g.start()
    yield g
    g.stop()


def test_gui_embedded_server_logs_in_pushes_and_pulls(gui):
    headers = {'x-auth-user': 'gina', 'x-auth-key': hashlib.md5(b'pw').hexdigest()}
    status, h, raw = gui.request('GET', '/koreader/users/auth', headers=headers)
    assert (status, dict(h)['Content-Type'], raw) == (200, 'application/json', b'{"authorized":"OK"}')
    body = {'document': 'guidoc', 'percentage': 0.25, 'progress': '/body/p[1]', 'device': 'Kobo', 'device_id': 'K'}
    assert gui.request('PUT', '/koreader/syncs/progress', body, headers)[0] == 200
    status, h, raw = gui.request('GET', '/koreader/syncs/progress/guidoc', headers=headers)
    assert status == 200 and json.loads(raw)['percentage'] == 0.25
    assert 'BookBoss: FAILED' not in gui.output()


def test_a_push_is_live_in_the_guis_own_library_and_its_view(gui):
    kobo = Device(gui, 'gina', 'pw')
    data, _ = kobo.download('/get/epub/1/GuiLibrary')
    kobo.push(partial_md5(data), 0.42)
    deadline = time.monotonic() + 10
    while True:
        status = ask_gui(gui, 1, '#kor_status')
        percent = ask_gui(gui, 1, '#kor_percent')
        if (status['view'], percent['view']) == ('Reading', '42%') or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert (status['db'], percent['db']) == ('Reading', '42')
    assert (status['view'], percent['view']) == ('Reading', '42%'), (status, percent)


def test_the_bookboss_menu_is_in_the_gui(gui):
    items = ask_gui(gui, cmd='bookboss_menu')['items']
    assert items[:2] == ['KOReader status of the selected book…', 'Unmatched KOReader documents…']
    assert {'Re-index library files', 'Re-apply reading state to columns', 'Open the KOReader page in the browser',
            'Configure BookBoss…'} <= set(items)


def test_the_unmatched_dialog_links_a_document_to_the_selected_book_and_its_columns_update(gui):
    kobo = Device(gui, 'gina', 'pw', 'Sideloaded Kobo')
    document = 'sideloaded0000000000000000000003'
    kobo.push(document, 0.37, metadata={'title': 'A Copy Nobody Knows', 'authors': 'Someone Else'})
    result = ask_gui(gui, 3, cmd='bookboss_link', document=document)
    assert result['linked'] is True and result['formats'] == ['EPUB'], result
    assert 'Pages & Positions' in result['message']
    deadline = time.monotonic() + 10
    while True:
        percent = ask_gui(gui, 3, '#kor_percent')
        if percent['view'] == '37%' or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert (percent['db'], percent['view']) == ('37', '37%'), percent
    status = ask_gui(gui, 3, cmd='bookboss_status')
    (row,) = [u for u in status['report']['users'] if u['user'] == 'gina']
    assert f'{document} (EPUB)' in row['documents'] and status['users'][0][2] == '37 %'


def test_re_index_runs_as_a_calibre_job(gui):
    assert ask_gui(gui, cmd='bookboss_reindex')['started']
    deadline = time.monotonic() + 20
    while True:
        answer = ask_gui(gui, cmd='bookboss_jobs')
        jobs = [j for j in answer['jobs'] if j['description'] == 'BookBoss: index the library files']
        if (jobs and jobs[0]['finished']) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert jobs and jobs[0]['finished'] and not jobs[0]['failed'], (jobs, gui.output()[-3000:])
    assert jobs[0]['result']['files_unchanged'] + jobs[0]['result']['files_hashed'] == answer['files']


def test_a_book_sent_to_a_folder_device_is_recognised_after_a_push(gui, home):
    # last in this module: after a send to a folder device calibre 6.13 shows an error dialog of
    # its own (a Dispatcher without a callback) that blocks the offscreen GUI's event loop
    folder = os.path.join(home.base, 'kobo-folder')
    os.makedirs(folder)
    ask_gui(gui, cmd='connect_folder', path=folder)
    for _ in range(100):
        if ask_gui(gui, cmd='device')['connected']:
            break
        time.sleep(0.1)
    ask_gui(gui, 2, cmd='send')
    sent = []
    for _ in range(200):
        sent = [os.path.join(dp, f) for dp, _, fs in os.walk(folder) for f in fs if f.endswith('.epub')]
        if sent:
            break
        time.sleep(0.1)
    assert sent, gui.output()[-3000:]
    time.sleep(1)  # the digest is recorded right after the driver returns
    with open(sent[0], 'rb') as f:
        document = partial_md5(f.read())  # what KOReader computes on the device
    kobo = Device(gui, 'gina', 'pw', 'Kobo over USB')
    kobo.push(document, 0.5)
    with settled(os.path.join(home.config, 'plugins', 'BookBoss', 'bookboss.sqlite')) as c:
        link = c.execute('SELECT book_id, format FROM document_links WHERE document=?', (document,)).fetchone()
        kinds = {r[0] for r in c.execute('SELECT kind FROM digests WHERE digest=?', (document,))}
    assert link == (2, 'EPUB') and kinds == {'device'}
    by_name = md5_name(os.path.basename(sent[0]))
    kobo.push(by_name, 0.6)  # KOReader's "filename" checksum of the file as it landed
    with settled(os.path.join(home.config, 'plugins', 'BookBoss', 'bookboss.sqlite')) as c:
        assert c.execute('SELECT book_id FROM document_links WHERE document=?', (by_name,)).fetchone() == (2,)
