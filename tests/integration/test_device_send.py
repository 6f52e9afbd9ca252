"""Books sent by calibre's device layer (here the smart device driver's answer shape, as
used by KOReader's "Calibre wireless connection") are recognised. calibre's real
DeviceManager._upload_books writes the metadata into a real EPUB; only the driver's
network transfer is stood in for."""

import json

from harness import CalibreServer
from koreader_client import Device, md5_text

SCRIPT = r'''
import json, os, shutil, tempfile
from calibre.customize.ui import find_plugin
find_plugin('BookBoss')
from calibre_plugins.bookboss.plugin.host import composition
from calibre.gui2.device import DeviceManager
from calibre.db.legacy import LibraryDatabase

class SmartDeviceLike:
    """Returns what SMART_DEVICE_APP.upload_books returns: [(lpath, length)]."""
    def get_gui_name(self):
        return 'SmartDevice App Interface'
    def upload_books(self, files, names, on_card=None, metadata=None, end_session=True):
        self.sent = {n: open(f, 'rb').read() for f, n in zip(files, names)}
        return [('koreader/' + n, os.path.getsize(f)) for f, n in zip(files, names)]

db = LibraryDatabase(LIBRARY_PATH).new_api
composition.install_device_hook(gui_library=lambda db=db: db)
mi = db.get_metadata(1, get_cover=False)
tmp = os.path.join(tempfile.mkdtemp(), 'upload.epub')
shutil.copyfile(db.format_abspath(1, 'EPUB'), tmp)
manager = DeviceManager.__new__(DeviceManager)
manager.connected_device = SmartDeviceLike()
manager._upload_books([tmp], ['Ada Reader - Alice.epub'], metadata=[mi], plugboards={})
sent = manager.connected_device.sent['Ada Reader - Alice.epub']
library_bytes = open(db.format_abspath(1, 'EPUB'), 'rb').read()
import hashlib
h = hashlib.md5()
for off in [0] + [1024 << (2 * i) for i in range(11)]:
    if off >= len(sent): break
    h.update(sent[off:off + 1024])
db.close()
print('RESULT', json.dumps({'digest': h.hexdigest(), 'rewritten': sent != library_bytes}))
'''


def test_a_book_sent_through_the_device_layer_is_linked_after_a_push(home):
    library = home.library('SentLibrary', [('Alice', 'Ada Reader', 3)])
    home.add_user('sam', 'pw')
    out = home.run('calibre-debug', '-c', SCRIPT.replace('LIBRARY_PATH', repr(library))).stdout
    result = json.loads(out.split('RESULT ', 1)[1])
    assert result['rewritten']  # calibre wrote metadata into the bytes it sent
    srv = CalibreServer(home, [library]).start()
    try:
        phone = Device(srv, 'sam', 'pw', 'Android phone')
        phone.push(result['digest'], 0.3)
        phone.push(md5_text('Ada Reader - Alice.epub'), 0.4)
        with home.settled_sidecar() as c:
            links = dict(c.execute('SELECT document, book_id FROM document_links WHERE user=?', ('sam',)))
        assert links == {result['digest']: 1, md5_text('Ada Reader - Alice.epub'): 1}
    finally:
        srv.stop()
