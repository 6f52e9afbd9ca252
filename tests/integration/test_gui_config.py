"""The GUI configuration (Preferences > Plugins > BookBoss > Customize), offscreen."""

import json

SCRIPT = r'''
import json, sys
from calibre.gui2 import Application
app = Application([])
from calibre.customize.ui import find_plugin
plugin = find_plugin('BookBoss')
from calibre_plugins.bookboss.plugin.host.ui.config_gui import ConfigWidget
from calibre.db.legacy import LibraryDatabase
db = LibraryDatabase({library!r}).new_api
w = ConfigWidget(db, ['alice', 'bob', 'carol'])
w.owner.setCurrentIndex(w.owner.findData('bob'))
w.create_defaults()
w.owner.setCurrentIndex(w.owner.findData('carol'))
w.create_statistics.setChecked(True)
w.create_defaults()
w.owner.setCurrentIndex(w.owner.findData('alice'))
w.combos['status'].setCurrentIndex(w.combos['status'].findData('#read'))
w.allow_readonly.setChecked(True)
w.save()
db.close()
db = LibraryDatabase({library!r}).new_api
print('RESULT', json.dumps({{'customizable': plugin.is_customizable(),
    'sets': db.pref('column_sets', namespace='bookboss'),
    'columns': sorted(db.field_metadata.custom_field_keys())}}))
db.close()
'''


def test_the_configuration_maps_columns_creates_defaults_and_saves_per_owner(home):
    library = home.library('ConfigLibrary', [('A Book', 'An Author', 2)])
    home.run('calibredb', '--library-path', library, 'add_custom_column', 'read', 'Read', 'bool')
    out = home.run('calibre-debug', '-c', SCRIPT.format(library=library)).stdout
    result = json.loads(out.split('RESULT ', 1)[1])
    assert result['customizable'] is True
    assert {'#kor_status_bob', '#kor_percent_bob', '#kor_last_read_bob', '#kor_finished_bob'} <= set(result['columns'])
    sets = {s['owner']: s for s in result['sets']}
    assert sets['bob']['status'] == '#kor_status_bob' and sets['bob']['percent'] == '#kor_percent_bob'
    assert sets['alice']['status'] == '#read' and sets['alice']['allow_readonly'] is True
    assert not any(c.startswith('#kor_stats_') and c.endswith('_bob') for c in result['columns'])


def test_the_create_action_with_its_statistics_checkbox_also_creates_and_maps_the_statistics_columns(home):
    library = home.library('ConfigStatistics', [('A Book', 'An Author', 2)])
    out = home.run('calibre-debug', '-c', SCRIPT.format(library=library)).stdout
    result = json.loads(out.split('RESULT ', 1)[1])
    carol = {s['owner']: s for s in result['sets']}['carol']
    expected = {'stats_read_time': '#kor_stats_time_carol', 'stats_pages_read': '#kor_stats_pages_carol',
                'stats_first_read': '#kor_stats_first_carol', 'stats_last_read': '#kor_stats_last_carol',
                'stats_highlights': '#kor_stats_highlights_carol', 'stats_notes': '#kor_stats_notes_carol'}
    assert {p: carol[p] for p in expected} == expected and carol['status'] == '#kor_status_carol'
    assert set(expected.values()) <= set(result['columns'])
