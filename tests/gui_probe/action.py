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

    def reply(self, data):
        with open(os.path.join(self.dir, 'answer.tmp'), 'w') as f:
            json.dump(data, f)
        os.replace(os.path.join(self.dir, 'answer.tmp'), os.path.join(self.dir, 'answer.json'))
