"""Preferences > Plugins > BookBoss > Customize: where a device syncs to, and the column set of
each calibre user for the current library (the default columns in one step).

Nothing typed here is lost: a column created since calibre started stays selectable (marked
"new, after restart"), a mapped column calibre no longer has stays mapped (marked "deleted or
renamed") until the user picks another, and the owner of a set is stored by name and calibre
account. Imported only by the calibre GUI (Qt); the server never imports this module.
"""

from qt.core import (QApplication, QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                     QLineEdit, QPushButton, QSizePolicy, QVBoxLayout, QWidget)

from ...core.column_values import NOTHING_MAPPED, PURPOSES, STATISTICS_PURPOSES, problems
from ..column_prefs import (column_sets, create_default_columns, field_metadata, owner_of,
                            save_column_sets, set_for, unowned_sets)
from ..network import sync_url
from ..reader_positions import bridge_on, set_bridge

PURPOSE_LABELS = {'status': 'Read status', 'percent': 'Progress (%)', 'last_read': 'Last read',
                  'finished': 'Finished', 'started': 'Started', 'position': 'Position',
                  'device': 'Device', 'stats_read_time': 'Reading time', 'stats_pages_read': 'Pages read',
                  'stats_first_read': 'First read', 'stats_last_read': 'Last session',
                  'stats_highlights': 'Highlights', 'stats_notes': 'Notes'}
PURPOSE_TIPS = {
    'status': 'Unread, Reading or Read: an enumeration column with those three values, or a Yes/No '
              'column (Yes once the book is read). A status you set by hand in calibre is respected.',
    'percent': 'How far into the book, in whole percent (an integer or a decimal column).',
    'last_read': 'The day of the latest position KOReader sent (a date column).',
    'finished': 'The day the book reached 100 % (a date column).',
    'started': 'The day of the first position KOReader sent (a date column).',
    'position': "KOReader's position text (an XPointer). It changes with every page turn a device "
                'syncs, so the book\'s "modified" date changes too; leave it unmapped unless you need it.',
    'device': 'The name of the device that sent the latest position (a text column).',
    'stats_read_time': "Time spent reading the book, from KOReader's reading statistics: hours (a decimal "
                       'column), minutes (an integer column) or "5 h 12 min" (a text column).',
    'stats_pages_read': "Pages read, from KOReader's reading statistics (an integer column), or "
                        '"120 / 300" with the page count (a text column).',
    'stats_first_read': "The day KOReader's reading statistics first recorded reading the book (a date column).",
    'stats_last_read': "The day of the latest reading session in KOReader's statistics (a date column).",
    'stats_highlights': "Highlights in the book, from KOReader's reading statistics (an integer column).",
    'stats_notes': "Highlights with a note, from KOReader's reading statistics (an integer column).",
}
STATISTICS_HEADING = ("KOReader's reading statistics (synced by KOReader's Cloud storage to this "
                      "server's WebDAV folder, /koreader/dav):")


def server_state(auth, auth_mode, ssl, running):
    """What the administrator should know about the content server, as one paragraph."""
    parts = ['The content server is running.' if running else
             'The content server is not running: start it with Connect/share > Start Content server '
             '(or run calibre-server).']
    if not auth:
        parts.append('calibre authentication is off: KOReader sync still logs in with calibre users, '
                     'but the OPDS catalog and downloads are open to anyone who can reach the server.')
    else:
        basic = auth_mode == 'basic' or (auth_mode == 'auto' and ssl)
        if basic:
            parts.append('Authentication: Basic. KOReader\'s OPDS catalog can log in.')
        else:
            parts.append('Authentication: Digest. KOReader\'s OPDS catalog cannot log in with Digest: set '
                         'Preferences > Sharing over the net > Advanced > Authentication mode to Basic '
                         '(use HTTPS if the network is not yours). Progress sync is not affected.')
    return ' '.join(parts)


class ConfigWidget(QWidget):

    def __init__(self, db, user_names, account_of=None, server=None, public_url=''):
        """account_of(name) -> calibre account fingerprint or None; server: {'listen_on', 'port',
        'url_prefix', 'auth', 'auth_mode', 'ssl', 'running'} or None (read from calibre)."""
        super().__init__()
        self.db, self.user_names = db, sorted(user_names)
        self.account_of = account_of or (lambda name: None)
        self.sets = column_sets(db)
        self.fm = field_metadata(db)
        self.created = []
        server = server or current_server()
        layout = QVBoxLayout(self)

        where = QGroupBox('KOReader: Tools > Progress sync > Custom sync server', self)
        form = QFormLayout(where)
        self.url = QLineEdit(sync_url(server.get('listen_on'), server.get('port'), server.get('url_prefix'),
                                      public_url), where)
        self.url.setReadOnly(True)
        self.url.setObjectName('sync_url')
        self.url.setMinimumWidth(420)
        self.url.setToolTip('Type this address on every device exactly as shown; log in with your calibre '
                            'username and password.')
        copy = QPushButton('Copy', where)
        copy.setToolTip('Copy the address to the clipboard')
        copy.clicked.connect(lambda: QApplication.clipboard().setText(self.url.text()))
        row = QHBoxLayout()
        row.addWidget(self.url, 1)
        row.addWidget(copy)
        form.addRow('Server address:', row)
        self.server_text = _wrapping_label(server_state(server.get('auth'), server.get('auth_mode'),
                                                        server.get('ssl'), server.get('running')), where)
        self.server_text.setObjectName('server_state')
        form.addRow(self.server_text)
        layout.addWidget(where)

        box = QGroupBox(f'Reading-state columns in this library ({db.backend.library_path})', self)
        form = QFormLayout(box)
        self.owner = QComboBox(box)
        self.owner.setObjectName('owner')
        self.owner.setToolTip('Whose reading state these columns show: calibre columns are shared by '
                              'everyone, so each calibre user who wants columns needs a set of their own.')
        if not self.user_names:
            self.owner.addItem('(no calibre users yet)', '')
        for name in self.user_names:
            self.owner.addItem(name, name)
        self.owner.currentIndexChanged.connect(self.show_set)
        form.addRow('Columns of the calibre user:', self.owner)
        self.combos = {}
        for purpose in PURPOSES:
            if purpose == STATISTICS_PURPOSES[0]:
                heading = QLabel(STATISTICS_HEADING, box)
                heading.setWordWrap(True)
                form.addRow(heading)
            combo = QComboBox(box)
            combo.setObjectName(purpose)
            combo.setMinimumContentsLength(28)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setToolTip(PURPOSE_TIPS[purpose])
            self.combos[purpose] = combo
            label = QLabel(PURPOSE_LABELS[purpose] + ':', box)
            label.setToolTip(PURPOSE_TIPS[purpose])
            form.addRow(label, combo)
        self.allow_readonly = QCheckBox('Write these columns even though this calibre user is read-only', box)
        self.allow_readonly.setToolTip('A read-only calibre user may not change books; allow BookBoss to '
                                       'write their reading state anyway.')
        form.addRow(self.allow_readonly)
        self.create_button = QPushButton('Create default columns for this user', box)
        self.create_button.setToolTip('Creates the columns that do not exist yet (Read status, Progress, '
                                      'Last read, Finished; named for the user when there are several '
                                      'users) and maps them. calibre shows new columns after a restart.')
        self.create_button.clicked.connect(self.create_defaults)
        self.create_statistics = QCheckBox("with the reading-statistics columns", box)
        self.create_statistics.setObjectName('create_statistics')
        self.create_statistics.setToolTip('Also create Reading time, Pages read, First read, Last session, '
                                          "Highlights and Notes, filled from KOReader's reading statistics.")
        form.addRow(self.create_button, self.create_statistics)
        self.reader_positions = QCheckBox("Also write KOReader positions for calibre's web reader (EPUB books)", box)
        self.reader_positions.setObjectName('reader_positions')
        self.reader_positions.setToolTip('calibre\'s web reader, opening an EPUB afresh, starts where KOReader left '
                                         'it (for the calibre user logged in; needs calibre authentication on). '
                                         'For every user of this library.')
        self.reader_positions.setChecked(bridge_on(db))
        form.addRow(self.reader_positions)
        self.message = _wrapping_label('', box)
        self.message.setObjectName('message')
        form.addRow(self.message)
        layout.addWidget(box)
        if not self.user_names:
            layout.addWidget(_wrapping_label(
                'There are no calibre users yet. Create one in Preferences > Sharing over the net > Users '
                '(or with calibre-server --manage-users); KOReader logs in with that name and password. '
                "KOReader's OPDS catalog needs Basic authentication.", self))
        layout.addStretch(1)
        self.current = None
        self.show_set()

    # -- the set shown ----------------------------------------------------------------------

    def _owner(self):
        return self.owner.currentData() or ''

    def _choices(self, combo, allowed, mapped):
        combo.blockSignals(True)
        combo.clear()
        combo.addItem('(none)', '')
        for key in sorted(self.fm, key=lambda k: (self.fm[k].get('name') or k).lower()):
            column = self.fm[key]
            if column['datatype'] in allowed:
                suffix = ' — new, after restart' if column.get('pending') else ''
                combo.addItem(f"{column.get('name') or key} ({key}){suffix}", key)
        if mapped and combo.findData(mapped) < 0:  # kept: never saved over without the user's choice
            combo.addItem(f'{mapped} — deleted or renamed', mapped)
        combo.setCurrentIndex(max(combo.findData(mapped or ''), 0))
        combo.blockSignals(False)

    def _store_current(self):
        if self.current is None:
            return
        for purpose, combo in self.combos.items():
            self.current[purpose] = combo.currentData() or None
        self.current['allow_readonly'] = self.allow_readonly.isChecked()

    def show_set(self):
        self._store_current()
        self.current = set_for(self.sets, self._owner(), self.user_names)
        for purpose, combo in self.combos.items():
            self._choices(combo, PURPOSES[purpose], self.current.get(purpose))
        self.allow_readonly.setChecked(bool(self.current.get('allow_readonly')))
        self.show_message()

    def show_message(self, first=None):
        lines = [first] if first else []
        owner = self._owner()
        mapped = {p: c for p, c in self.current.items() if p in PURPOSES and c}
        stamped = self.current.get('owner_account')
        if owner and stamped and self.account_of(owner) not in (None, stamped):
            lines.append(f'This set belonged to an earlier calibre account named {owner} (removed and created '
                         f'again): its columns are not written. Click OK to give it to the current {owner}.')
        if not mapped:
            lines.append(NOTHING_MAPPED[0].upper() + NOTHING_MAPPED[1:] + '.')
        for purpose, column, message in problems(self.current, self.fm):
            lines.append(f'{PURPOSE_LABELS[purpose]} → {column}: {message}.')
        if mapped and not problems(self.current, self.fm) and owner:
            lines.append(f'Ready: the pushes of {owner} write these columns.')
        for column_set in unowned_sets(self.sets, self.user_names):
            columns = ', '.join(c for p, c in column_set.items() if p in PURPOSES and c)
            lines.append(f'A column set has no owner ({columns}): with several calibre users, nobody\'s '
                         'pushes are written to it. Choose its user above and map those columns there.')
        self.message.setText('\n'.join(lines))

    def create_defaults(self):
        self._store_current()
        created, _ = create_default_columns(self.db, self.current, self._owner(), self.user_names, self.fm,
                                            self.create_statistics.isChecked())
        self.created.extend(created)
        for purpose, combo in self.combos.items():
            self._choices(combo, PURPOSES[purpose], self.current.get(purpose))
        self.show_message('Default columns created and mapped. Click OK: calibre then offers to restart, '
                          'and shows the new columns after the restart.' if created else
                          'The default columns already existed; they are mapped now.')

    # -- saving -------------------------------------------------------------------------------

    def pending_columns(self):
        """Mapped columns calibre will show only after a restart."""
        return sorted({c for s in self.sets for p, c in s.items()
                       if p in PURPOSES and c and self.fm.get(c, {}).get('pending')})

    def save(self):
        """Save every set (each owner stored by name and account); return the mapped columns
        that need a restart (calibre's restart prompt follows)."""
        self._store_current()
        keep = [s for s in self.sets if any(s.get(p) for p in PURPOSES)]
        for column_set in keep:
            owner = owner_of(column_set, self.user_names)
            if owner:
                column_set['owner'] = owner
                account = self.account_of(owner)
                if account:
                    column_set['owner_account'] = account
        self.sets[:] = keep
        save_column_sets(self.db, keep)
        if self.reader_positions.isChecked() != bridge_on(self.db):
            set_bridge(self.db, self.reader_positions.isChecked())
        return self.pending_columns()


def _wrapping_label(text, parent):
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.MinimumExpanding)
    return label


def current_server():
    """The GUI's content server settings and state."""
    from calibre.gui2.ui import get_gui
    from calibre.srv.opts import server_config
    opts = server_config()
    gui = get_gui()
    server = getattr(gui, 'content_server', None) if gui is not None else None
    return {'listen_on': opts.listen_on, 'port': opts.port, 'url_prefix': opts.url_prefix,
            'auth': opts.auth, 'auth_mode': opts.auth_mode, 'ssl': bool(opts.ssl_certfile and opts.ssl_keyfile),
            'running': bool(server is not None and getattr(server, 'is_running', False))}
