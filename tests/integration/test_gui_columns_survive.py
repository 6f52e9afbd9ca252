"""The configuration never loses the mapping: default columns created in the real calibre
configuration widget (offscreen), the widget reopened before calibre restarts and saved with
OK, then a restart: the mapping is intact and a push writes the columns; a second calibre user
added later does not stop the first user's columns."""

import json

import pytest

from harness import CalibreServer
from koreader_client import Device, partial_md5

SESSION = r'''
import json, sys
from calibre.gui2 import Application
app = Application([])
from calibre.customize.ui import find_plugin
find_plugin('BookBoss')
from calibre_plugins.bookboss.plugin.host.accounts import calibre_account_fingerprint, calibre_user_names
from calibre_plugins.bookboss.plugin.host.ui.config_gui import ConfigWidget
from calibre.db.legacy import LibraryDatabase
SERVER = {{'listen_on': None, 'port': 8080, 'url_prefix': '', 'auth': True, 'auth_mode': 'auto', 'ssl': False,
          'running': False}}
db = LibraryDatabase({library!r}).new_api
users = calibre_user_names({userdb!r})
import functools
account = functools.partial(calibre_account_fingerprint, userdb={userdb!r})
first = ConfigWidget(db, users, account, SERVER)
first.create_defaults()
created_message = first.message.text()
first_pending = first.save()
again = ConfigWidget(db, users, account, SERVER)  # reopened before calibre restarts
shown = {{p: (c.currentData(), c.currentText()) for p, c in again.combos.items()}}
reopened_message = again.message.text()
again.save()  # OK
print('RESULT', json.dumps({{'created_message': created_message, 'pending': first_pending, 'shown': shown,
    'reopened_message': reopened_message, 'url': again.url.text(), 'server_state': again.server_text.text(),
    'sets': db.pref('column_sets', namespace='bookboss')}}))
db.close()
'''

AFTER_RESTART = r'''
import json
from calibre.gui2 import Application
app = Application([])
from calibre.customize.ui import find_plugin
find_plugin('BookBoss')
from calibre_plugins.bookboss.plugin.host.accounts import calibre_user_names
from calibre_plugins.bookboss.plugin.host.ui.config_gui import ConfigWidget
from calibre.db.legacy import LibraryDatabase
db = LibraryDatabase({library!r}).new_api
w = ConfigWidget(db, calibre_user_names({userdb!r}))  # calibre's own server settings (9.x: listen_on None)
print('RESULT', json.dumps({{'sets': db.pref('column_sets', namespace='bookboss'),
    'columns': sorted(db.field_metadata.custom_field_keys()), 'message': w.message.text(),
    'url': w.url.text()}}))
db.close()
'''


def result_of(home, script, library):
    out = home.run('calibre-debug', '-c', script.format(library=library, userdb=home.userdb)).stdout
    return json.loads(out.split('RESULT ', 1)[1])


def columns_of(server, book_id, user, password):
    out = server.home.run('calibredb', '--with-library', f'http://127.0.0.1:{server.port}/#Library',
                          '--username', user, '--password', password, 'list', '--for-machine',
                          '--fields', '*kor_status,*kor_percent', '--search', f'id:{book_id}').stdout
    return json.loads(out)[0]


def wait_for_columns(server, book_id, percent):
    import time
    for _ in range(100):
        values = columns_of(server, book_id, 'alice', 'pw')
        if values.get('*kor_percent') == percent:
            return values
        time.sleep(0.1)
    raise AssertionError(f'columns of book {book_id}: {values}\n' + server.output()[-3000:])


@pytest.fixture(scope='module')
def configured(home):
    library = home.library('Library', [('A Book', 'An Author', 4)])
    home.add_user('alice', 'pw')
    return library, result_of(home, SESSION, library)


def test_columns_created_then_the_dialog_reopened_before_a_restart_keep_their_mapping(configured):
    _, session = configured
    assert 'restart' in session['created_message']
    assert session['pending'] == ['#kor_finished', '#kor_last_read', '#kor_percent', '#kor_status']
    for purpose in ('status', 'percent', 'last_read', 'finished'):
        data, text = session['shown'][purpose]
        assert data == f'#kor_{purpose}' and 'new, after restart' in text
    assert 'deleted or renamed' not in session['reopened_message']
    assert 'after a restart' in session['reopened_message']
    (saved,) = session['sets']
    assert saved['status'] == '#kor_status' and saved['percent'] == '#kor_percent'


def test_the_owner_is_stored_by_name_and_account_even_with_one_user(configured):
    (saved,) = configured[1]['sets']
    assert saved['owner'] == 'alice' and saved['owner_account']


def test_the_sync_url_never_says_none_and_the_digest_consequence_is_named(configured):
    session = configured[1]
    assert 'None' not in session['url'] and session['url'].endswith(':8080/koreader')
    assert 'Digest' in session['server_state'] and 'Basic' in session['server_state']


def test_after_the_restart_the_mapping_is_intact_and_pushes_write_the_columns_even_after_a_second_user(
        configured, home):
    library, _ = configured
    after = result_of(home, AFTER_RESTART, library)
    assert {'#kor_status', '#kor_percent', '#kor_last_read', '#kor_finished'} <= set(after['columns'])
    (saved,) = after['sets']
    assert saved['status'] == '#kor_status' and saved['owner'] == 'alice'
    assert 'Ready: the pushes of alice write these columns.' in after['message']
    assert 'None' not in after['url'] and after['url'].endswith(':8080/koreader')  # calibre's defaults
    server = CalibreServer(home, [library], '--enable-auth', '--auth-mode', 'basic').start()
    try:
        alice = Device(server, 'alice', 'pw')
        data, _ = alice.download('/get/epub/1/Library')
        document = partial_md5(data)
        alice.push(document, 0.25)
        assert wait_for_columns(server, 1, 25)['*kor_status'] == 'Reading'
        home.add_user('bob', 'pw')  # while the server runs, the way an administrator does
        alice.push(document, 0.5)
        assert wait_for_columns(server, 1, 50)['*kor_status'] == 'Reading'
    finally:
        server.stop()
    assert 'BookBoss: column set' not in server.output()
