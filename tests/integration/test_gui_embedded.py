"""The content server inside the calibre GUI (offscreen) serves BookBoss too."""

import hashlib
import json

import pytest

from harness import CalibreGui


@pytest.fixture(scope='module')
def gui(home):
    g = CalibreGui(home, home.library('GuiLibrary'))
    g.add_user('gina', 'pw')
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
