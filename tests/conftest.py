"""Test setup: make calibre importable under Debian's /usr/bin/python3 (as calibre's own
runscripts do) and import the plugin package as `bookboss` from the tree build.py
writes, with Bottle bundled exactly as in the zip.
"""

import os
import sys
import tempfile

os.environ.setdefault('CALIBRE_CONFIG_DIRECTORY', tempfile.mkdtemp(prefix='bookboss-cfg-'))
if 'calibre' not in sys.modules:
    calibre_path = os.environ.get('CALIBRE_PYTHON_PATH', '/usr/lib/calibre')
    if calibre_path not in sys.path:
        sys.path.insert(0, calibre_path)
    sys.resources_location = os.environ.get('CALIBRE_RESOURCES_PATH', '/usr/share/calibre')
    sys.extensions_location = os.environ.get('CALIBRE_EXTENSIONS_PATH', '/usr/lib/calibre/calibre/plugins')
    sys.executables_location = os.environ.get('CALIBRE_EXECUTABLES_PATH', '/usr/bin')
    sys.system_plugins_location = None

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)


def _stage_plugin():
    sys.path.insert(0, ROOT)
    import build
    sys.path.remove(ROOT)
    dest = tempfile.mkdtemp(prefix='bookboss-src-')
    zip_path = os.environ.get('BOOKBOSS_ZIP')
    if zip_path:
        import zipfile
        with zipfile.ZipFile(zip_path) as z:
            files = [(n, z.read(n)) for n in z.namelist()]
    else:
        files = build.plugin_files(build.bottle_source())
    build.write_tree(files, os.path.join(dest, 'bookboss'))
    sys.path.insert(0, dest)


_stage_plugin()

try:
    from hypothesis import settings
except ImportError:  # scripts/test.sh installs python3-hypothesis
    pass
else:
    # CI runs derandomized and without per-example deadlines: a busy 2-core machine must
    # not make a property test flaky.
    settings.register_profile('ci', derandomize=True, deadline=None, max_examples=200)
    settings.register_profile('dev', deadline=None, max_examples=100)
    settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'dev'))


# Fixtures shared by the integration and browser tests: a real calibre home per module.
import pytest  # noqa: E402

from harness import CalibreHome, built_zip, calibre_version  # noqa: E402


def pytest_report_header(config):
    return f'calibre under test: {calibre_version()}'


@pytest.fixture(scope='session')
def plugin_zip():
    return built_zip()


@pytest.fixture(scope='module')
def home(plugin_zip):
    h = CalibreHome(plugin_zip)
    yield h
    if not os.environ.get('BOOKBOSS_KEEP_TMP'):
        h.cleanup()
