"""Real calibre processes for the integration tests: a throwaway config folder with the
built plugin zip installed by calibre-customize, a library, users, and calibre-server
on 127.0.0.1.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
import demo_library  # noqa: E402


def built_zip():
    """BOOKBOSS_ZIP when given (the chroot run), else a fresh build.py run."""
    given = os.environ.get('BOOKBOSS_ZIP')
    if given:
        return given
    out = tempfile.mkdtemp(prefix='bookboss-dist-')
    result = subprocess.run([sys.executable, os.path.join(ROOT, 'build.py'), '--out', out],
                            check=True, capture_output=True, text=True)
    return result.stdout.strip().splitlines()[-1]


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def calibre_version():
    out = subprocess.run(['calibre-debug', '--version'], capture_output=True, text=True).stdout
    return out.strip()


def settled(path, timeout=10):
    """A connection to the sidecar at path once a running server has applied its push log (a
    push is acknowledged as one logged row and applied in the background a moment later)."""
    deadline = time.monotonic() + timeout
    while True:
        conn = sqlite3.connect(path)
        try:
            left = conn.execute('SELECT COUNT(*) FROM push_log').fetchone()[0]
        except sqlite3.OperationalError:  # an older or a new, empty sidecar
            left = 0
        if left == 0:
            return conn
        conn.close()
        if time.monotonic() > deadline:
            raise AssertionError(f'{left} pushes still logged after {timeout} s')
        time.sleep(0.02)


class CalibreHome:
    """A config folder with BookBoss installed, a user database and one or more libraries."""

    def __init__(self, zip_path, base=None):
        self.base = base or tempfile.mkdtemp(prefix='bookboss-it-')
        self.config = os.path.join(self.base, 'config')
        self.userdb = os.path.join(self.base, 'users.sqlite')
        os.makedirs(self.config, exist_ok=True)
        self.env = dict(os.environ, CALIBRE_CONFIG_DIRECTORY=self.config,
                        QT_QPA_PLATFORM='offscreen', XDG_RUNTIME_DIR=self.base)
        self.env.pop('BOOKBOSS_SIDECAR', None)
        self.run('calibre-customize', '-a', zip_path)

    @property
    def sidecar(self):
        return os.path.join(self.config, 'plugins', 'BookBoss', 'bookboss.sqlite')

    def settled_sidecar(self):
        """The sidecar, once the server has applied every push it acknowledged (settled())."""
        return settled(self.sidecar)

    def run(self, *cmd, check=True, input=None):
        result = subprocess.run(cmd, env=self.env, capture_output=True, text=True, input=input)
        if check and result.returncode != 0:
            raise RuntimeError(f'{cmd} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}')
        return result

    def library(self, name, books=demo_library.DEMO_BOOKS):
        path = os.path.join(self.base, name)
        demo_library.add_books(path, books, env=self.env)
        return path

    def add_user(self, name, password, readonly=False):
        args = ['calibre-server', '--userdb', self.userdb, '--manage-users', '--', 'add', name, password]
        if readonly:
            args.insert(-2, '--readonly')
        self.run(*args)

    def users(self, *args):
        return self.run('calibre-server', '--userdb', self.userdb, '--manage-users', '--', *args)

    def cleanup(self):
        shutil.rmtree(self.base, ignore_errors=True)


class CalibreServer:
    """A calibre-server process; .request() talks HTTP to it."""

    def __init__(self, home, libraries, *extra_args, port=None):
        self.home = home
        self.port = port or free_port()
        self.log_path = os.path.join(home.base, f'server-{self.port}.log')
        self.args = ['calibre-server', '--listen-on', '127.0.0.1', '--port', str(self.port),
                     '--userdb', home.userdb, *extra_args, *libraries]
        self.proc = None

    def start(self, timeout=90):
        self.log = open(self.log_path, 'ab')
        self.proc = subprocess.Popen(self.args, env=self.home.env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f'calibre-server exited ({self.proc.returncode}):\n{self.output()}')
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=1):
                    pass
                status, _, _ = self.request('GET', '/opds', timeout=10)
                if status in (200, 401):
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f'calibre-server did not start:\n{self.output()}')

    def output(self):
        with open(self.log_path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def stop(self, sig=signal.SIGTERM):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(30)
        # calibre's worker processes share the process group and may hold the library lock a
        # moment longer: wait until the whole group is gone before anyone starts the next server.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()

    def request(self, method, path, body=None, headers=None, timeout=30):
        """(status, headers as a list of (name, value), body bytes)."""
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode('utf-8')
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()


PROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'gui_probe')


def install_gui_probe(home):
    """Install the test-only GUI probe plugin (tests/gui_probe); returns its query folder."""
    import zipfile
    probe_zip = os.path.join(home.base, 'probe.zip')
    with zipfile.ZipFile(probe_zip, 'w') as z:
        for name in os.listdir(PROBE):
            if not name.startswith('__pycache__'):
                z.write(os.path.join(PROBE, name), name)
    home.run('calibre-customize', '-a', probe_zip)
    home.env['BOOKBOSS_PROBE_DIR'] = probe_dir = os.path.join(home.base, 'probe')
    os.makedirs(probe_dir, exist_ok=True)
    # calibre's device scanner needs /sys/bus/usb, which containers and CI machines may lack
    os.makedirs(os.path.join(home.base, 'sys', 'bus', 'usb', 'devices'), exist_ok=True)
    home.env['SYSFS_PATH'] = os.path.join(home.base, 'sys')
    return probe_dir


def ask_gui(gui, book_id=None, column=None, **command):
    """Ask the GUI probe (install_gui_probe) and wait for its answer."""
    import json
    import time
    # written whole, then renamed: the probe polls for query.json and must never read half of it
    with open(os.path.join(gui.probe_dir, 'query.tmp'), 'w') as f:
        json.dump(dict(command, book_id=book_id, column=column), f)
    os.replace(os.path.join(gui.probe_dir, 'query.tmp'), os.path.join(gui.probe_dir, 'query.json'))
    answer = os.path.join(gui.probe_dir, 'answer.json')
    for _ in range(200):
        if os.path.exists(answer):
            with open(answer) as f:
                data = json.load(f)
            os.remove(answer)
            return data
        time.sleep(0.1)
    raise AssertionError('the GUI probe did not answer:\n' + gui.output()[-2000:])


class CalibreGui(CalibreServer):
    """The calibre GUI, offscreen, with its content server started at launch (host reference §13.2)."""

    def __init__(self, home, library, port=None):
        super().__init__(home, [], port=port)
        self.library = library
        self.log_path = os.path.join(home.base, f'gui-{self.port}.log')
        home.run('calibre-debug', '-c', f'''
from calibre.gui2 import config
config['autolaunch_server'] = True
from calibre.utils.config import dynamic, prefs
dynamic['welcome_wizard_was_run'] = True
prefs['library_path'] = {library!r}
from calibre.srv.opts import change_settings
change_settings(port={self.port}, listen_on='127.0.0.1')
''')
        self.args = ['calibre', '--with-library', library]

    def add_user(self, name, password):
        self.home.run('calibre-server', '--userdb', os.path.join(self.home.config, 'server-users.sqlite'),
                      '--manage-users', '--', 'add', name, password)


def probed_gui(home, library):
    """A CalibreGui (not started yet) with the GUI probe installed (ask_gui works once it runs)."""
    probe_dir = install_gui_probe(home)
    gui = CalibreGui(home, library)
    gui.probe_dir = probe_dir
    return gui
