"""The BookBoss menu's work when the calibre GUI runs no content server: the same sync service
over the GUI's own library (an administrator's action), the columns written at once."""

import json


SCRIPT = r'''
import json
from calibre.customize.ui import find_plugin
find_plugin('BookBoss')
from calibre.db.legacy import LibraryDatabase
from calibre_plugins.bookboss.plugin.core.books import Book
from calibre_plugins.bookboss.plugin.host.composition import sidecar
db = LibraryDatabase({library!r}).new_api
store = sidecar()
store.record_push('alice', {{'document': 'sideloaded000000000000000000000a', 'percentage': 0.64,
                            'progress': '/body/DocFragment[2]/body/p[3]/text().0', 'device': 'Kobo',
                            'device_id': 'K1', 'metadata': {{'title': 'Somewhere Else'}}}}, 1795910400)
from calibre_plugins.bookboss.plugin.host.gui_services import GuiServices
services = GuiServices(db, ['alice'])
unmatched = services.unmatched()
linked = services.link('alice', 'sideloaded000000000000000000000a', 1, 'epub')
after = {{'percent': db.field_for('#kor_percent', 1), 'status': db.field_for('#kor_status', 1)}}
from calibre_plugins.bookboss.plugin.core.books import BookFormat
store.replace_upload('alice', '/statistics.sqlite3', b'stats', 'etag1')
store.save_statistics('alice', '/statistics.sqlite3', 'etag1', [{{'md5': 'b' * 32, 'title': 'A Book', 'authors': 'x',
    'read_time': 7500, 'pages_read': 120, 'pages': 300, 'first_read': None, 'last_read': None, 'highlights': 4,
    'notes': 1, 'fmt': BookFormat(Book(db.library_id, 1), 'EPUB')}}], None)
report = services.book_report(1)
from calibre_plugins.bookboss.plugin.app.statistics_view import figures_text
statistics_text = figures_text(report['users'][0]['statistics'])
db.set_field('#kor_percent', {{1: 3}})  # a hand edit the sidecar does not know of
resync = services.resync()
index = services.reindex()
print('RESULT', json.dumps({{'unmatched': unmatched, 'linked': linked, 'after': after, 'report': report,
    'statistics_text': statistics_text,
    'resync': {{k: {{str(b): v for b, v in books.items()}} for k, books in resync.items()}},
    'percent_after_resync': db.field_for('#kor_percent', 1), 'index': index,
    'unmatched_after': services.unmatched()}}))
db.close()
'''


def test_the_menu_links_reports_resyncs_and_indexes_without_a_content_server(home):
    library = home.library('Library', [('A Book', 'An Author', 4)])
    home.add_user('alice', 'pw')
    home.run('calibre-debug', '-r', 'BookBoss', '--', 'columns', 'create', '--library', library, '--userdb', home.userdb)
    out = home.run('calibre-debug', '-c', SCRIPT.format(library=library)).stdout
    result = json.loads(out.split('RESULT ', 1)[1])
    assert [(r['user'], r['document'], r['title']) for r in result['unmatched']] == [
        ('alice', 'sideloaded000000000000000000000a', 'Somewhere Else')]
    assert result['linked'] is True
    assert result['after'] == {'percent': 64, 'status': 'Reading'}
    (alice,) = result['report']['users']
    assert alice['documents'] == ['sideloaded000000000000000000000a (EPUB)'] and alice['status'] == 'Reading'
    assert alice['statistics']['read_time'] == 7500 and alice['statistics']['highlights'] == 4
    assert result['statistics_text'] == '2 h 5 min, 120 / 300 pages, 4 highlights, 1 note'
    assert result['resync'] == {'alice': {'1': {'#kor_percent': '64'}}} and result['percent_after_resync'] == 64
    assert result['index']['files_hashed'] + result['index']['files_unchanged'] == 1
    assert result['unmatched_after'] == []
