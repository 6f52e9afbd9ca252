#!/usr/bin/env python3
"""Screenshots of the real calibre GUI with BookBoss, under Xvfb, for the README (docs/gui-*.png).

A throwaway calibre config folder and library (the demo books), one calibre user (alice) whose
default columns (with the statistics ones) are created through the plugin's configuration, calibre
restarted, a device's pushes and its statistics upload, one unmatched document; then the configuration dialog, the BookBoss menu, the status and
unmatched dialogs and the library view are shown and saved by the test-only GUI probe plugin.
Installs Xvfb when missing (Debian). Usage: /usr/bin/python3 scripts/gui_screenshots.py [OUT_DIR]
"""

import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, 'tests'))
from harness import CalibreHome, ask_gui, built_zip, probed_gui  # noqa: E402
from koreader_client import Device, basic, partial_md5  # noqa: E402
from koreader_statistics_db import statistics_db  # noqa: E402


def xvfb():
    if shutil.which('Xvfb') is None:
        subprocess.run(['apt-get', 'install', '-y', '-q', 'xvfb'], check=True)
    display = ':97'
    proc = subprocess.Popen(['Xvfb', display, '-screen', '0', '1440x900x24', '-nolisten', 'tcp'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    return proc, display


def main(out):
    out = os.path.abspath(out)
    os.makedirs(out, exist_ok=True)
    server, display = xvfb()
    home = CalibreHome(built_zip())
    try:
        home.env.update(QT_QPA_PLATFORM='xcb', DISPLAY=display)
        library = home.library('Library')
        gui = probed_gui(home, library)
        home.run('calibre-debug', '-c', 'from calibre.gui2 import gprefs\n'  # the button on the main toolbar
                 'gprefs["action-layout-toolbar"] = list(gprefs.defaults["action-layout-toolbar"]) + ["BookBoss"]')
        gui.add_user('alice', 'pw')
        gui.start()
        ask_gui(gui, cmd='bookboss_configure', create=True, statistics=True)
        gui.stop()
        gui.start()  # calibre shows the new columns after a restart
        kobo = Device(gui, 'alice', 'pw', 'Kobo Libra 2')
        read = []
        for book_id, percentage in ((1, 0.42), (2, 1.0)):
            data, _ = kobo.download(f'/get/epub/{book_id}/Library')
            kobo.push(partial_md5(data), percentage)
            read.append(partial_md5(data))
        day, start = 86400, int(time.time()) - 12 * 86400  # KOReader's statistics, synced over WebDAV
        stats = statistics_db([
            {'title': 'first', 'md5': read[0], 'pages': 180, 'highlights': 3, 'notes': 1,
             'visits': [(p, start + p * 90, 80) for p in range(1, 60)]},
            {'title': 'second', 'md5': read[1], 'pages': 120, 'highlights': 7,
             'visits': [(p, start + 3 * day + p * 100, 95) for p in range(1, 121)]}])
        status, _, _ = gui.request('PUT', '/koreader/dav/statistics.sqlite3', stats, basic('alice', 'pw'))
        assert status == 201, status
        kobo.push('f00dfeedf00dfeedf00dfeedf00dfeed', 0.12,
                  metadata={'title': 'A Sideloaded Copy', 'authors': 'Somebody Else'})
        time.sleep(1)  # the background writer fills the columns
        shots = [('config', None), ('menu', None), ('status', 1), ('unmatched', 3), ('library', None)]
        for what, book_id in shots:
            answer = ask_gui(gui, book_id, cmd='bookboss_shot', what=what, path=os.path.join(out, f'gui-{what}.png'),
                             hide=['size', 'rating', 'tags', 'series', 'publisher', 'pubdate'])
            print(what, answer)
        gui.stop()
    finally:
        home.cleanup()
        server.terminate()


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'docs'))
