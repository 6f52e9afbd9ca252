"""BookBoss: calibre's content server as a KOReader Progress Sync server.

This module only describes the plugin; the work lives in calibre_plugins.bookboss.plugin,
imported lazily so that no calibre process pays for it and calibre-server never
imports Qt.
"""

from calibre.customize import InterfaceActionBase

try:  # calibre >= 9.12: the official way for a plugin to add content server routes
    from calibre.customize import ContentServerPlugin
    _BASES = (ContentServerPlugin, InterfaceActionBase)
    HAS_CONTENT_SERVER_PLUGIN = True
except ImportError:
    _BASES = (InterfaceActionBase,)
    HAS_CONTENT_SERVER_PLUGIN = False


class BookBoss(*_BASES):
    """One plugin, two faces: calibre lists content-server plugins and GUI actions by isinstance,
    so the same class gives calibre-server its routes and the GUI its BookBoss button and menu
    (actual_plugin, loaded by the GUI only: calibre-server never imports Qt)."""
    name = 'BookBoss'
    version = (0, 1, 0)
    author = 'BookBoss developers'
    description = ('Makes calibre\'s content server a KOReader Progress Sync server at /koreader: '
                   'log in with your calibre username and password, push and pull reading positions.')
    supported_platforms = ['windows', 'osx', 'linux']
    minimum_calibre_version = (6, 13, 0)  # the lowest calibre line the test suite runs on
    can_be_disabled = True
    actual_plugin = 'calibre_plugins.bookboss.plugin.host.ui.action:BookBossAction'

    def initialize(self):
        # Runs in every calibre process, even when disabled: only install a cheap hook.
        # Never import calibre.srv.handler here (circular import under calibre-server).
        from calibre_plugins.bookboss.plugin.host import registration
        registration.install()
        import sys
        if 'calibre.gui2.ui' in sys.modules:  # the calibre GUI: recognise books sent to devices
            registration.install_in_gui()

    def content_server_endpoints(self):
        from calibre_plugins.bookboss.plugin.host.registration import endpoints_for_content_server_plugin
        return endpoints_for_content_server_plugin()

    def is_customizable(self):
        return True

    def config_widget(self):
        # GUI only: Qt is imported here, never on calibre-server's path.
        from calibre.gui2.ui import get_gui
        from calibre_plugins.bookboss.plugin.host.accounts import calibre_account_fingerprint, calibre_user_names
        from calibre_plugins.bookboss.plugin.host.config import prefs
        from calibre_plugins.bookboss.plugin.host.ui.config_gui import ConfigWidget
        gui = get_gui()
        if gui is None or gui.current_db is None:
            return ('Open a library first', 'BookBoss keeps its column mapping in each library.')
        return ConfigWidget(gui.current_db.new_api, calibre_user_names(), calibre_account_fingerprint,
                            public_url=prefs()['public_url'])

    def save_settings(self, config_widget):
        pending = config_widget.save()
        if pending:  # calibre's own prompt; the columns appear (and are written) after a restart
            from calibre.gui2 import show_restart_warning
            from calibre.gui2.ui import get_gui
            if show_restart_warning('calibre shows the new BookBoss columns (' + ', '.join(pending) +
                                    ') and BookBoss writes them after a restart.', parent=config_widget):
                gui = get_gui()
                if gui is not None:
                    gui.quit(restart=True)

    def cli_main(self, argv):
        from calibre_plugins.bookboss.plugin.host.ui.cli import main
        code = main(argv[1:])
        if code:  # calibre-debug -r ignores the return value: scripts need the exit status
            raise SystemExit(code)
        return code
