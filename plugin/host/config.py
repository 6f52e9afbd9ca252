"""BookBoss settings (calibre's JSONConfig: <config_dir>/plugins/BookBoss.json).

GUI code never lives here, so calibre-server can import this module.
"""

import os

from ..core.limits import Limits

DEFAULTS = {
    # Empty: <config_dir>/plugins/BookBoss/bookboss.sqlite
    'sidecar_path': '',
    # The address devices use to reach this server, e.g. https://books.example.org (shown on the
    # /koreader page); empty: taken from how the browser reached the server.
    'public_url': '',
    # Addresses of reverse proxies whose X-Forwarded-For (client address, for login throttling)
    # and X-Forwarded-Proto (the scheme browsers used) are believed.
    'trusted_proxies': [],
    # What BookBoss keeps per calibre user (core/limits.py has the meaning of each).
    'documents_per_user': Limits().documents_per_user,
    'history_per_user': Limits().history_per_user,
    'history_per_device': Limits().history_per_device,
    'history_days': Limits().history_days,
    'page_rows': Limits().page_rows,
    'upload_bytes': Limits().upload_bytes,
    'uploads_per_user': Limits().uploads_per_user,
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


def limits():
    """The per-user limits from the settings (a bad value falls back to its default)."""
    settings, values = prefs(), {}
    for name, default in Limits()._asdict().items():
        try:
            values[name] = max(1, int(settings[name]))
        except (TypeError, ValueError, KeyError):
            values[name] = default
    return Limits(**values)
