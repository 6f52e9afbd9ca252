"""The /koreader page in a real browser (headless Chromium via chromedriver) against a real
calibre-server with authentication on. Screenshots go to test-output/."""

import base64
import os
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from harness import ROOT, CalibreServer
from koreader_client import Device, basic, partial_md5
from koreader_statistics_db import statistics_db

OUTPUT = os.path.join(ROOT, 'test-output')
LOST = '1057b00c0000000000000000000000ab'
BOBS = 'b0b5ecre7000000000000000000000cd'
OTHER = '07he5000000000000000000000000042'


@pytest.fixture(scope='module')
def server(home):
    library = home.library('Library')
    home.add_user('alice', 'secret')
    home.add_user('bob', 'hunter2')
    srv = CalibreServer(home, [library], '--enable-auth', '--auth-mode', 'basic').start()
    alice = Device(srv, 'alice', 'secret', 'Kobo Libra 2')
    data, _ = alice.download('/get/epub/2/Library')
    alice.push(partial_md5(data), 0.37)
    stats = statistics_db([  # KOReader's reading statistics, so the page shows its statistics table too
        {'title': 'x', 'md5': partial_md5(data), 'pages': 240, 'highlights': 5, 'notes': 2,
         'visits': [(p, 1_790_000_000 + p * 100, 90) for p in range(1, 40)]},
        {'title': 'A statistics entry for a book outside the library, with a long unbroken title',
         'md5': 'f' * 32, 'pages': 80, 'visits': [(1, 1_790_500_000, 60)]}])
    status, _, _ = srv.request('PUT', '/koreader/dav/statistics.sqlite3', stats, basic('alice', 'secret'))
    assert status == 201
    alice.push(LOST, 0.55, metadata={'title': 'A book copied from a friend'})
    Device(srv, 'alice', 'secret', 'PocketBook Era with a rather long device name').push(
        OTHER, 0.9, metadata={'title': 'Notes from a conference with an unusually long title, unbroken'})
    Device(srv, 'bob', 'hunter2', 'Bobs Kindle').push(BOBS, 0.2, metadata={'title': 'Bob secret diary'})
    yield srv
    srv.stop()


def browser(user, password, width=1280, height=900):
    options = webdriver.ChromeOptions()
    options.binary_location = '/usr/bin/chromium'
    for arg in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
                '--disable-background-networking', '--disable-component-update', '--disable-sync',
                f'--user-data-dir={tempfile.mkdtemp()}', f'--window-size={width},{height}'):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=options)
    driver.implicitly_wait(5)
    driver.execute_cdp_cmd('Network.enable', {})
    token = base64.b64encode(f'{user}:{password}'.encode()).decode()
    driver.execute_cdp_cmd('Network.setExtraHTTPHeaders', {'headers': {'Authorization': 'Basic ' + token}})
    return driver


@pytest.fixture
def alice_browser():
    driver = browser('alice', 'secret')
    yield driver
    driver.quit()


def page(server):
    return f'http://127.0.0.1:{server.port}/koreader'


def shot(driver, name):
    """A screenshot of the whole page, in test-output/."""
    os.makedirs(OUTPUT, exist_ok=True)
    width, height = driver.execute_script(
        'return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]')
    data = driver.execute_cdp_cmd('Page.captureScreenshot', {
        'format': 'png', 'captureBeyondViewport': True,
        'clip': {'x': 0, 'y': 0, 'width': width, 'height': height, 'scale': 1}})
    with open(os.path.join(OUTPUT, name), 'wb') as f:
        f.write(base64.b64decode(data['data']))


def test_the_page_shows_the_users_devices_and_unmatched_documents_only(server, alice_browser):
    alice_browser.get(page(server))
    body = alice_browser.find_element(By.TAG_NAME, 'body').text
    assert alice_browser.find_element(By.ID, 'sync-url').text == page(server)
    assert 'Kobo Libra 2' in alice_browser.find_element(By.ID, 'devices').text
    assert 'The Sync of Time' in alice_browser.find_element(By.ID, 'recent').text
    assert LOST in alice_browser.find_element(By.ID, 'unmatched').text
    assert alice_browser.find_element(By.ID, 'username').text == 'alice'
    assert 'your calibre password' in body
    assert BOBS not in body and 'Bobs Kindle' not in body and 'Bob secret diary' not in body
    assert alice_browser.find_elements(By.ID, 'loopback-warning')  # 127.0.0.1 is no use to a device
    shot(alice_browser, 'koreader-page-desktop.png')


def test_the_link_form_links_a_document_for_this_user(server, home, alice_browser):
    alice_browser.get(page(server))
    row = next(r for r in alice_browser.find_elements(By.CLASS_NAME, 'unmatched-row') if LOST in r.text)
    search = row.find_element(By.NAME, 'q')
    search.clear()
    search.send_keys('server room')
    row.find_element(By.TAG_NAME, 'button').click()
    alice_browser.find_element(By.CSS_SELECTOR, 'form.link-form button').click()
    assert 'Linked' in alice_browser.find_element(By.ID, 'message').text
    assert LOST not in alice_browser.find_element(By.ID, 'unmatched').text
    with home.settled_sidecar() as c:
        assert c.execute('SELECT user, book_id FROM document_links WHERE document=?', (LOST,)).fetchall() == [('alice', 1)]


def test_a_cross_site_post_is_refused(server, home, alice_browser):
    evil = ('data:text/html,<form id=f method=post action="%s/link">'
            '<input name=doc value="%s"><input name=library value="x"><input name=book value="1">'
            '<input name=format value="EPUB"><input name=csrf value="guess"></form>'
            '<script>document.getElementById("f").submit()</script>') % (page(server), BOBS)
    alice_browser.get(evil)
    assert 'Cross-site request refused' in alice_browser.find_element(By.TAG_NAME, 'body').text
    with home.settled_sidecar() as c:
        assert c.execute('SELECT COUNT(*) FROM document_links WHERE document=?', (BOBS,)).fetchone() == (0,)


def test_another_users_page_never_shows_alices_data(server):
    driver = browser('bob', 'hunter2')
    try:
        driver.get(page(server))
        body = driver.find_element(By.TAG_NAME, 'body').text
        assert BOBS in body and 'Kobo Libra 2' not in body and LOST not in body
    finally:
        driver.quit()


def test_at_360_pixels_wide_the_page_does_not_scroll_sideways(server):
    driver = browser('alice', 'secret', 360, 800)
    try:
        driver.execute_cdp_cmd('Emulation.setDeviceMetricsOverride',
                               {'width': 360, 'height': 800, 'deviceScaleFactor': 1, 'mobile': True})
        driver.get(page(server) + '/?doc=' + OTHER + '&q=a')  # with search results and link forms open
        width, inner = driver.execute_script(
            'return [document.documentElement.scrollWidth, window.innerWidth]')
        shot(driver, 'koreader-page-360px.png')
        assert inner == 360 and width <= inner, (width, inner)
    finally:
        driver.quit()
