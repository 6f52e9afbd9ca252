import os

import pytest

from harness import CalibreHome, built_zip, calibre_version


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
