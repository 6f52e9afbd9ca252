"""Preferences > Plugins > BookBoss > Customize: the column set of each calibre user for
the current library, the default columns in one step, and the sync URL for KOReader.
Imported only by the calibre GUI (Qt); the server never imports this module."""

from qt.core import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                     QPushButton, QVBoxLayout, QWidget)

from ...core.column_values import PURPOSES, problems
from ..column_prefs import column_sets, create_default_columns, field_metadata, save_column_sets, set_for
from ..network import lan_addresses

PURPOSE_LABELS = {'status': 'Status', 'percent': 'Progress (%)', 'last_read': 'Last read',
                  'finished': 'Finished', 'started': 'Started', 'position': 'Position (changes on every push)',
                  'device': 'Device'}


def sync_url():
    from calibre.srv.opts import server_config
    opts = server_config()
    host = opts.listen_on if opts.listen_on not in ('0.0.0.0', '::', '') else (lan_addresses() or ['HOST'])[0]
    prefix = (opts.url_prefix or '').rstrip('/')
    return f'http://{host}:{opts.port}{prefix}/koreader'


class ConfigWidget(QWidget):

    def __init__(self, db, user_names, restart_needed=None):
        super().__init__()
        self.db, self.user_names = db, list(user_names)
        self.restart_needed = restart_needed or (lambda: None)
        self.sets = column_sets(db)
        self.fm = field_metadata(db)
        layout = QVBoxLayout(self)
        url = QLineEdit(sync_url(), self)
        url.setReadOnly(True)
        url.setObjectName('sync_url')
        row = QHBoxLayout()
        row.addWidget(QLabel('KOReader sync server (Tools > Progress sync > Custom sync server):', self))
        row.addWidget(url)
        layout.addLayout(row)
        layout.addWidget(QLabel('Log in on the device with your calibre username and password.', self))

        box = QGroupBox(f'Reading-state columns in this library ({db.backend.library_path})', self)
        form = QFormLayout(box)
        self.owner = QComboBox(box)
        self.owner.setObjectName('owner')
        if len(self.user_names) <= 1:
            self.owner.addItem('(the only calibre user)' if self.user_names else '(no calibre users yet)', '')
        for name in self.user_names:
            self.owner.addItem(name, name)
        self.owner.currentIndexChanged.connect(self.show_set)
        form.addRow('Columns of the calibre user:', self.owner)
        self.combos = {}
        for purpose, allowed in PURPOSES.items():
            combo = QComboBox(box)
            combo.setObjectName(purpose)
            combo.addItem('(none)', '')
            for key in sorted(self.fm):
                if self.fm[key]['datatype'] in allowed:
                    combo.addItem(f"{self.fm[key]['name']} ({key})", key)
            self.combos[purpose] = combo
            form.addRow(PURPOSE_LABELS[purpose] + ':', combo)
        self.allow_readonly = QCheckBox('Write columns even if this calibre user is read-only', box)
        form.addRow(self.allow_readonly)
        self.create_button = QPushButton('Create default columns for this user', box)
        self.create_button.clicked.connect(self.create_defaults)
        form.addRow(self.create_button)
        self.problems = QLabel(box)
        self.problems.setWordWrap(True)
        form.addRow(self.problems)
        layout.addWidget(box)
        self.current = None
        self.show_set()

    def _store_current(self):
        if self.current is None:
            return
        for purpose, combo in self.combos.items():
            self.current[purpose] = combo.currentData() or None
        self.current['allow_readonly'] = self.allow_readonly.isChecked()

    def show_set(self):
        self._store_current()
        self.current = set_for(self.sets, self.owner.currentData() or '', self.user_names)
        for purpose, combo in self.combos.items():
            index = combo.findData(self.current.get(purpose) or '')
            combo.setCurrentIndex(max(index, 0))
        self.allow_readonly.setChecked(bool(self.current.get('allow_readonly')))
        found = problems(self.current, self.fm)
        self.problems.setText('\n'.join(f'{p}: {c}: {m}' for p, c, m in found) or 'No problems with this mapping.')

    def create_defaults(self):
        self._store_current()
        _, mapped = create_default_columns(self.db, self.current, self.owner.currentData() or '',
                                           self.user_names, self.fm)
        for purpose, key in mapped.items():
            combo = self.combos[purpose]
            if combo.findData(key) < 0:
                combo.addItem(f"{self.fm[key]['name']} ({key})", key)
            combo.setCurrentIndex(combo.findData(key))
        self.problems.setText('Default columns created and mapped. Click OK, then restart calibre '
                              'for the new columns to appear.')
        self.restart_needed()

    def save(self):
        self._store_current()
        keep = [s for s in self.sets if any(s.get(p) for p in PURPOSES)]
        save_column_sets(self.db, keep)
