"""The zip as calibre sees it: install, type, cheap initialize()."""

import os
import zipfile


def test_zip_has_the_plugin_shape_and_bundles_bottle_013(plugin_zip):
    names = set(zipfile.ZipFile(plugin_zip).namelist())
    assert {'__init__.py', 'plugin-import-name-bookboss.txt', 'plugin/vendor/bottle.py',
            'plugin/app/kosync.py', 'plugin/store/__init__.py', 'plugin/app/templates/page.tpl'} <= names
    bottle = zipfile.ZipFile(plugin_zip).read('plugin/vendor/bottle.py').decode()
    assert "__version__ = '0.13." in bottle
    assert os.path.basename(plugin_zip).startswith('BookBoss-')


def calibre_has_content_server_plugins(home):
    out = home.run('calibre-debug', '-c', 'from calibre.constants import numeric_version as v; print(v)').stdout
    return tuple(int(x) for x in out.strip().strip('()').split(',')) >= (9, 12, 0)


def test_calibre_lists_the_plugin_as_a_content_server_plugin_where_that_exists_else_as_a_gui_action(home):
    # one class is both (the GUI's BookBoss button); calibre shows the first base's type
    out = home.run('calibre-customize', '-l').stdout
    line = next(row for row in out.splitlines() if 'BookBoss' in row)
    expected = 'Content server' if calibre_has_content_server_plugins(home) else 'User interface action'
    assert line.startswith(expected)


def test_routes_are_registered_one_way_only(home):
    # The finalize hook is installed on every calibre (it starts BookBoss with each server);
    # it adds the routes only where calibre has no ContentServerPlugin.
    out = home.run('calibre-debug', '-c', '''
import calibre.customize.ui
from calibre.srv.routes import Router
from calibre_plugins.bookboss.plugin.host import calibre_compat
print('HOOK', getattr(Router.finalize, 'bookboss_hook', False), 'ADDS ROUTES', not calibre_compat.has_content_server_plugin())
''').stdout
    assert f'HOOK True ADDS ROUTES {not calibre_has_content_server_plugins(home)}' in out


def test_initialize_loads_nothing_heavy_in_ordinary_calibre_processes(home):
    out = home.run('calibre-debug', '-c', '''
import sys
import calibre.customize.ui as ui
ui.find_plugin('BookBoss')
mods = [m for m in ('calibre.srv.handler', 'calibre_plugins.bookboss.plugin.host.endpoint',
                    'calibre_plugins.bookboss.plugin.host.composition', 'calibre_plugins.bookboss.plugin.app',
                    'calibre_plugins.bookboss.plugin.vendor.bottle', 'calibre_plugins.bookboss.plugin.store',
                    'PyQt6.QtWidgets', 'qt.core') if m in sys.modules]
print('LOADED', mods)
''').stdout
    assert 'LOADED []' in out
