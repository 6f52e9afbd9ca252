"""Registering the /koreader endpoint with calibre's content server.

calibre >= 9.12: BookBoss is a ContentServerPlugin and calibre asks it for endpoints.
Older calibre: the Router.finalize hook adds them. One endpoint list, registered one way
or the other, never both. On every calibre the same hook then starts BookBoss for the
server being built (the library index starts with the server). Safe to import from
initialize(): nothing here imports calibre.srv.handler until a server is being built.
"""

import sys

from . import calibre_compat
from .calibre_compat import log_failure


def plugin_enabled():
    from calibre.customize.ui import find_plugin, is_disabled
    me = find_plugin('BookBoss')
    return me is not None and not is_disabled(me)


def install():
    """From initialize(), in every calibre process: cheap and idempotent."""
    add_routes = not calibre_compat.has_content_server_plugin()
    calibre_compat.install_finalize_hook(lambda router: attach(router, add_routes))


def endpoints_for_content_server_plugin():
    """calibre >= 9.12 calls this only for enabled plugins, when the server is built."""
    try:
        from . import endpoint
        return endpoint.endpoints()
    except Exception:
        log_failure('load the /koreader endpoints')
        return []


def attach(router, add_routes):
    """A server's router is being finalized: add BookBoss's endpoints (older calibre) and
    start BookBoss for that server, once, if the plugin is enabled."""
    if getattr(router.ctx, 'library_broker', None) is None or getattr(router, 'bookboss_done', False):
        return  # a bare Router (tests, url_for helpers), or already done
    router.bookboss_done = True
    if not plugin_enabled():
        return
    from . import endpoint
    if add_routes:
        for ep in endpoint.endpoints():
            if ep.route_key in router.routes:
                print(f'BookBoss: the route {ep.route_key} is already taken; not registered',
                      file=sys.stderr, flush=True)
                continue
            try:
                router.add(ep)
            except ValueError:
                log_failure(f'register {ep.route_key}')
    elif endpoint.koreader.route_key not in router.routes:
        return  # calibre did not load BookBoss's routes for this server
    try:
        endpoint.start(router.ctx)
    except Exception:
        log_failure('start BookBoss for this server (it starts at the first request instead)')


def install_in_gui():
    """From initialize() in the calibre GUI: recognise books sent to devices, once the GUI runs."""
    def install():
        if plugin_enabled():
            from .composition import install_device_hook
            install_device_hook()
    calibre_compat.when_gui_ready(install)
