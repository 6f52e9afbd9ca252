"""The configuration in the running calibre GUI (offscreen), as Preferences > Plugins > BookBoss
> Customize opens and saves it: default columns created, the configuration reopened before
calibre restarts and saved with OK, calibre restarted: the mapping is intact and a push writes
the columns, also after a second calibre user is added."""

import time

import pytest

from harness import ask_gui, probed_gui
from koreader_client import Device, partial_md5


def column(gui, book_id, name, expected):
    deadline = time.monotonic() + 10
    while True:
        value = ask_gui(gui, book_id, name)
        if value['db'] == expected or time.monotonic() > deadline:
            return value
        time.sleep(0.3)


@pytest.fixture(scope='module')
def gui(home):
    library = home.library('GuiLibrary')
    g = probed_gui(home, library)
    g.add_user('gina', 'pw')
    g.start()
    yield g
    g.stop()


def test_created_columns_survive_reopening_before_a_restart_and_are_written_after_it(gui):
    first = ask_gui(gui, cmd='bookboss_configure', create=True)
    assert 'restart' in first['message']
    assert len(first['prompts']) == 1 and '#kor_status' in first['prompts'][0]  # calibre's "restart now?"
    again = ask_gui(gui, cmd='bookboss_configure')  # reopened before calibre restarts, then OK
    assert again['shown']['status'][0] == '#kor_status' and 'new, after restart' in again['shown']['status'][1]
    assert 'deleted or renamed' not in again['message'] and 'after a restart' in again['message']
    (saved,) = again['sets']
    assert saved['status'] == '#kor_status' and saved['owner'] == 'gina' and saved['owner_account']

    gui.stop()
    gui.start()  # the restart
    after = ask_gui(gui, cmd='bookboss_configure')
    assert after['shown']['status'] == ['#kor_status', 'Read status (#kor_status)']
    assert after['prompts'] == [] and 'Ready: the pushes of gina write these columns.' in after['message']
    assert 'None' not in after['url'] and after['url'].endswith('/koreader')

    kobo = Device(gui, 'gina', 'pw')
    data, _ = kobo.download('/get/epub/1/GuiLibrary')
    document = partial_md5(data)
    kobo.push(document, 0.25)
    assert column(gui, 1, '#kor_percent', '25')['db'] == '25'
    gui.add_user('bob', 'pw')  # a second calibre user, while calibre runs
    kobo.push(document, 0.5)
    assert column(gui, 1, '#kor_percent', '50')['db'] == '50'
    assert column(gui, 1, '#kor_status', 'Reading')['db'] == 'Reading'
