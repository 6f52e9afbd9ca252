"""The BookBoss toolbar button and menu in the calibre GUI (an InterfaceAction; calibre loads it
only in the GUI, never in calibre-server). The work is in host/gui_services.py; this module
only shows and asks."""


from calibre.gui2 import error_dialog, info_dialog, open_url
from calibre.gui2.actions import InterfaceAction
from calibre.gui2.threaded_jobs import ThreadedJob
from qt.core import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QMenu,
                     QPushButton, QTableWidget, QTableWidgetItem, QToolButton, QUrl, QVBoxLayout)

from ...app.display import when
from ...app.statistics_view import figures_text
from ..gui_services import GuiServices
from ..network import listens_everywhere, sync_url
from .config_gui import current_server


def percent(value):
    return '—' if value is None else f'{int(round(value * 100))} %'


class BookBossAction(InterfaceAction):

    name = 'BookBoss'
    action_spec = ('BookBoss', 'sync.png', 'KOReader sync: the selected book, unmatched documents, re-index', None)
    popup_type = QToolButton.ToolButtonPopupMode.InstantPopup
    action_type = 'current'

    def genesis(self):
        self.menu = QMenu(self.gui)
        self.qaction.setMenu(self.menu)
        add = self.menu.addAction
        add('KOReader status of the selected book…', self.show_status)
        add('Unmatched KOReader documents…', self.show_unmatched)
        self.menu.addSeparator()
        add('Re-index library files', self.reindex)
        add('Re-apply reading state to columns', self.resync)
        add('Open the KOReader page in the browser', self.open_page)
        self.menu.addSeparator()
        add('Configure BookBoss…', self.configure)

    # -- helpers -----------------------------------------------------------------------------

    def services(self):
        return GuiServices(self.gui.current_db.new_api)

    def selected_book(self):
        ids = list(self.gui.library_view.get_selected_ids())
        if len(ids) != 1:
            error_dialog(self.gui, 'Select one book', 'Select exactly one book in the library first.', show=True)
            return None
        return ids[0]

    def refresh_books(self, book_ids):
        if book_ids:
            self.gui.library_view.model().refresh_ids(list(book_ids))

    # -- the menu ----------------------------------------------------------------------------

    def show_status(self):
        book_id = self.selected_book()
        if book_id is not None:
            StatusDialog(self.gui, self.services(), book_id).exec()

    def show_unmatched(self):
        UnmatchedDialog(self.gui, self.services(), self).exec()

    def reindex(self):
        services = self.services()

        def run(abort=None, log=None, notifications=None):
            def progress(done, total):
                if notifications is not None and total:
                    notifications.put((done / total, f'{done} of {total} books'))
            return services.reindex(progress)
        job = ThreadedJob('bookboss_index', 'BookBoss: index the library files', run, (), {}, self.reindexed,
                          killable=False)
        self.gui.job_manager.run_threaded_job(job)
        self.gui.status_bar.show_message('BookBoss: indexing the library files (see Jobs)', 3000)

    def reindexed(self, job):
        if job.failed:
            return self.gui.job_exception(job, dialog_title='BookBoss could not index the library')
        result = job.result or {}
        self.gui.status_bar.show_message(
            f"BookBoss: {result.get('files_hashed', 0)} files hashed, {result.get('files_unchanged', 0)} unchanged, "
            f"{result.get('new_digests', 0)} new digests", 5000)

    def resync(self):
        report = self.services().resync()
        changed = {book_id for books in report.values() for book_id in books}
        self.refresh_books(changed)
        info_dialog(self.gui, 'BookBoss', f'Reading state written again: {len(changed)} book(s) changed.',
                    show=True, show_copy_button=False)

    def open_page(self):
        server = current_server()
        if not server['running']:
            return error_dialog(self.gui, 'Content server not running',
                                'Start the content server first (Connect/share > Start Content server).', show=True)
        url = sync_url('127.0.0.1' if listens_everywhere(server['listen_on']) else server['listen_on'],
                       server['port'], server['url_prefix'])
        open_url(QUrl(url))

    def configure(self):
        self.interface_action_base_plugin.do_user_config(self.gui)


class StatusDialog(QDialog):

    def __init__(self, gui, services, book_id):
        super().__init__(gui)
        title = services.db.field_for('title', book_id)
        self.setWindowTitle(f'KOReader status: {title}')
        self.report = report = services.book_report(book_id)
        layout = QVBoxLayout(self)
        heading = QLabel(f'<b>{_html(title)}</b>', self)
        layout.addWidget(heading)
        if not report['users'] and not report['digests']:
            layout.addWidget(QLabel('BookBoss knows nothing of this book yet: no KOReader device has synced '
                                    'it and no download or index has recorded its files.', self))
        self.users = _table(self, ['User', 'Status', 'Progress', 'Last read', 'Finished', 'Latest device',
                                   'KOReader documents', 'Reading statistics'],
                            [[u['user'], u.get('status') or '—', percent(u.get('percentage')), when(u.get('last_read')),
                              when(u.get('finished')), u.get('device') or '—', ', '.join(u['documents']) or '—',
                              figures_text(u.get('statistics'))]
                             for u in report['users']])
        layout.addWidget(QLabel('Reading state per calibre user:', self))
        layout.addWidget(self.users)
        self.digests = _table(self, ['Format', 'Kind', 'Digest', 'User', 'Detail', 'Last seen'],
                              [[d['format'], d['kind'], d['digest'], d['user'] or '—', d['detail'] or '—',
                                when(d['last_seen'])] for d in report['digests']])
        layout.addWidget(QLabel('Digests recorded for its files (how KOReader documents are recognised):', self))
        layout.addWidget(self.digests)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(max(900, _wanted_width(self.users), _wanted_width(self.digests)), 460)


class UnmatchedDialog(QDialog):

    def __init__(self, gui, services, action):
        super().__init__(gui)
        self.gui, self.services, self.action = gui, services, action
        self.setWindowTitle('Unmatched KOReader documents')
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel('Documents KOReader synced that BookBoss could not tie to a library book. '
                                'Select one, select its book in the library, then link them.', self))
        self.table = _table(self, ['User', 'Device', 'Last seen', 'Title KOReader sent', 'Authors', 'Document'], [])
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        row.addWidget(QLabel('Format of the selected book:', self))
        self.format = QComboBox(self)
        self.format.setToolTip('The format the KOReader document is a copy of')
        row.addWidget(self.format)
        self.link_button = QPushButton('Link to selected book', self)
        self.link_button.setToolTip('Link the selected document to the book selected in the library; its '
                                    'reading state then shows in that user\'s columns')
        self.link_button.clicked.connect(self.link)
        row.addWidget(self.link_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.message = QLabel('', self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.load()
        self.resize(max(900, _wanted_width(self.table)), 420)

    def selected_library_book(self):
        ids = list(self.gui.library_view.get_selected_ids())
        return ids[0] if len(ids) == 1 else None

    def load(self):
        self.rows = self.services.unmatched()
        _fill(self.table, [[r['user'], r['device'], when(r['last_seen']), r['title'], r['authors'], r['document']]
                           for r in self.rows])
        book_id = self.selected_library_book()
        self.format.clear()
        for fmt in (self.services.formats_of(book_id) if book_id is not None else ()):
            self.format.addItem(fmt)
        if not self.rows:
            self.message.setText('Every document KOReader synced is linked to a library book.')

    def link(self):
        row = self.table.currentRow()
        book_id = self.selected_library_book()
        if row < 0 or row >= len(self.rows) or book_id is None or not self.format.currentText():
            self.message.setText('Select a document here and exactly one book with a format in the library.')
            return False
        chosen = self.rows[row]
        self.services.link(chosen['user'], chosen['document'], book_id, self.format.currentText())
        self.action.refresh_books([book_id])
        title = self.services.db.field_for('title', book_id)
        self.load()
        self.message.setText(f"Linked {chosen['document']} of {chosen['user']} to “{title}”.")
        return True


def _table(parent, headers, rows):
    table = QTableWidget(parent)
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    _fill(table, rows)
    return table


def _wanted_width(table):
    """The width that shows every column of the table without a scrollbar (within reason)."""
    width = sum(table.columnWidth(c) for c in range(table.columnCount())) + 40
    return min(width, 1400)


def _html(text):
    return (text or '').replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def _fill(table, rows):
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.setItem(r, c, QTableWidgetItem(str(value)))
    table.resizeColumnsToContents()
