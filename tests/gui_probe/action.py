import json
import os

from calibre.gui2.actions import InterfaceAction
from qt.core import QTimer, Qt


class ProbeAction(InterfaceAction):
    name = 'BookBoss GUI probe'
    action_spec = ('BookBoss probe', None, None, None)

    def genesis(self):
        self.dir = os.environ['BOOKBOSS_PROBE_DIR']
        self.timer = QTimer(self.gui)
        self.timer.timeout.connect(self.answer)
        self.timer.start(100)

    def answer(self):
        query = os.path.join(self.dir, 'query.json')
        if not os.path.exists(query):
            return
        with open(query) as f:
            q = json.load(f)
        os.remove(query)
        if q.get('cmd') == 'connect_folder':
            self.gui.connect_to_folder_named(q['path'])
            return self.reply({'ok': True})
        if q.get('cmd') == 'send':
            self.gui.sync_to_device(None, False, send_ids=[q['book_id']])
            return self.reply({'ok': True})
        if q.get('cmd', '').startswith('bookboss_'):
            return self.reply(self.bookboss(q))
        if q.get('cmd') == 'device':
            return self.reply({'connected': bool(self.gui.device_manager.is_device_connected)})
        db = self.gui.current_db.new_api
        model = self.gui.library_view.model()
        row = model.db.data.id_to_index(q['book_id'])
        shown = None
        if q['column'] in model.column_map:
            index = model.index(row, model.column_map.index(q['column']))
            shown = model.data(index, Qt.ItemDataRole.DisplayRole)
        value = db.field_for(q['column'], q['book_id'])
        self.reply({'db': None if value is None else str(value), 'view': None if shown is None else str(shown),
                    'columns_in_view': list(model.column_map)})

    def bookboss(self, q):
        """Drive the BookBoss menu as a user would: its actions, its dialogs' own methods."""
        from calibre_plugins.bookboss.plugin.host.ui.action import StatusDialog, UnmatchedDialog
        action = self.gui.iactions['BookBoss']
        if q['cmd'] == 'bookboss_menu':
            return {'items': [a.text() for a in action.qaction.menu().actions() if a.text()]}
        if q.get('book_id') is not None:
            self.gui.library_view.select_rows([q['book_id']])
        if q['cmd'] == 'bookboss_status':
            dialog = StatusDialog(self.gui, action.services(), q['book_id'])
            users = [[dialog.users.item(r, c).text() for c in range(dialog.users.columnCount())]
                     for r in range(dialog.users.rowCount())]
            return {'report': dialog.report, 'users': users}
        if q['cmd'] == 'bookboss_link':
            dialog = UnmatchedDialog(self.gui, action.services(), action)
            rows = [r['document'] for r in dialog.rows]
            if q['document'] not in rows:
                return {'linked': False, 'rows': rows}
            dialog.table.selectRow(rows.index(q['document']))
            linked = dialog.link()
            return {'linked': linked, 'message': dialog.message.text(), 'formats':
                    [dialog.format.itemText(i) for i in range(dialog.format.count())]}
        if q['cmd'] == 'bookboss_shot':
            return self.shot(q, action)
        if q['cmd'] == 'bookboss_configure':
            return self.configure(q)
        if q['cmd'] == 'bookboss_reindex':
            action.reindex()
            return {'started': True}
        if q['cmd'] == 'bookboss_jobs':
            db = self.gui.current_db.new_api
            files = sum(len(db.formats(book_id) or ()) for book_id in db.all_book_ids())
            return {'files': files, 'jobs': [{'description': j.description, 'finished': j.is_finished,
                                              'failed': bool(j.failed), 'result': getattr(j, 'result', None)}
                                             for j in self.gui.job_manager.jobs]}
        return {'error': 'unknown command'}

    def configure(self, q):
        """What Preferences > Plugins > BookBoss > Customize does: the plugin's config_widget(),
        then save_settings() as OK does (calibre's restart prompt recorded, not shown)."""
        import calibre.gui2 as gui2
        from calibre.customize.ui import find_plugin
        plugin = find_plugin('BookBoss')
        prompts, original = [], gui2.show_restart_warning
        gui2.show_restart_warning = lambda msg, parent=None: prompts.append(msg) or False
        try:
            w = plugin.config_widget()
            shown = {p: [c.currentData(), c.currentText()] for p, c in w.combos.items()}
            if q.get('create'):
                w.create_statistics.setChecked(bool(q.get('statistics')))
                w.create_defaults()
            message = w.message.text()
            plugin.save_settings(w)
        finally:
            gui2.show_restart_warning = original
        db = self.gui.current_db.new_api
        return {'shown': shown, 'message': message, 'prompts': prompts, 'url': w.url.text(),
                'server_state': w.server_text.text(), 'sets': db.pref('column_sets', namespace='bookboss')}

    def shot(self, q, action):
        """Show one BookBoss window as a user would open it and save a picture of it."""
        import time
        from calibre.customize.ui import find_plugin
        from qt.core import QApplication, QDialog, QDialogButtonBox, QPoint, QVBoxLayout
        from calibre_plugins.bookboss.plugin.host.ui.action import StatusDialog, UnmatchedDialog
        what = q['what']
        if what == 'config':  # as calibre's Preferences > Plugins > Customize frames it
            widget = QDialog(self.gui)
            widget.setWindowTitle('Customize BookBoss')
            layout = QVBoxLayout(widget)
            layout.addWidget(find_plugin('BookBoss').config_widget())
            layout.addWidget(QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel))
        elif what == 'menu':
            widget = action.qaction.menu()
            widget.popup(self.gui.mapToGlobal(QPoint(300, 120)))
        elif what == 'status':
            widget = StatusDialog(self.gui, action.services(), q['book_id'])
        elif what == 'unmatched':
            widget = UnmatchedDialog(self.gui, action.services(), action)
        else:  # the library view, with the columns a reader cares about in sight
            widget = self.gui
            view = self.gui.library_view
            for name in q.get('hide', ()):
                if name in view.column_map:
                    view.hideColumn(view.column_map.index(name))
        if widget is not self.gui:
            widget.show()
        for _ in range(30):
            QApplication.processEvents()
            time.sleep(0.03)
        widget.grab().save(q['path'])
        if widget is not self.gui:
            widget.close()
        return {'saved': q['path'], 'size': [widget.width(), widget.height()]}

    def reply(self, data):
        with open(os.path.join(self.dir, 'answer.tmp'), 'w') as f:
            json.dump(data, f)
        os.replace(os.path.join(self.dir, 'answer.tmp'), os.path.join(self.dir, 'answer.json'))
