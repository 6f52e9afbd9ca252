"""BookBoss settings (calibre's JSONConfig: <config_dir>/plugins/BookBoss.json).

GUI code never lives here, so calibre-server can import this module.
"""

import os

DEFAULTS = {
    # Empty: <config_dir>/plugins/BookBoss/bookboss.sqlite
    'sidecar_path': '',
    # The address devices use to reach this server, e.g. https://books.example.org (shown on the
    # /koreader page); empty: taken from how the browser reached the server.
    'public_url': '',
    # Addresses of reverse proxies whose X-Forwarded-For is believed for login throttling.
    'trusted_proxies': [],
}

_prefs = None


def prefs():
    global _prefs
    if _prefs is None:
        from calibre.utils.config import JSONConfig
        _prefs = JSONConfig('plugins/BookBoss')
        _prefs.defaults.update(DEFAULTS)
    return _prefs


def sidecar_path():
    """BOOKBOSS_SIDECAR, else the configured path, else the default under calibre's config folder."""
    path = os.environ.get('BOOKBOSS_SIDECAR') or prefs()['sidecar_path']
    if not path:
        from calibre.constants import config_dir
        path = os.path.join(config_dir, 'plugins', 'BookBoss', 'bookboss.sqlite')
    return path
