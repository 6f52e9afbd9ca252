"""Registering the /koreader endpoint with calibre's content server.

calibre >= 9.12: BookBoss is a ContentServerPlugin and calibre asks it for endpoints.
Older calibre: initialize() wraps Router.finalize, which every Handler calls once
after loading calibre's own routes. One endpoint list, registered one way or the
other. This module imports only calibre.srv.routes at module level paths, so it is
safe to import from initialize().
"""

import sys
import traceback


def log_failure(what):
    # calibre 9.x swallows exceptions from content_server_endpoints() without a word,
    # and a hook exception would stop calibre-server: say it loudly on stderr instead.
    print(f'BookBoss: FAILED to {what}. calibre continues without BookBoss.\n'
          + traceback.format_exc(), file=sys.stderr, flush=True)


def plugin_enabled():
    from calibre.customize.ui import find_plugin, is_disabled
    me = find_plugin('BookBoss')
    return me is not None and not is_disabled(me)


def endpoints_for_content_server_plugin():
    """calibre >= 9.12 calls this only for enabled plugins, when the server is built."""
    try:
        from . import server
        endpoints = server.endpoints()
    except Exception:
        log_failure('load the /koreader endpoints')
        return []
    ctx = building_server_context()
    if ctx is not None:
        try:
            server.start(ctx)  # the library index starts with the server, as on older calibre
        except Exception:
            log_failure('start BookBoss for this server (it starts at the first request instead)')
    return endpoints


def building_server_context():
    """The Context of the calibre Handler whose __init__ is asking for endpoints, or None.

    calibre's plugin API passes no server context to content_server_endpoints(); the
    Handler under construction is found on the call stack. If calibre changes this,
    BookBoss simply starts at the server's first request.
    """
    frame = sys._getframe(1)
    while frame is not None:
        handler = frame.f_locals.get('self')
        if type(handler).__name__ == 'Handler':
            ctx = getattr(getattr(handler, 'router', None), 'ctx', None)
            return ctx if getattr(ctx, 'library_broker', None) is not None else None
        frame = frame.f_back
    return None


def attach(router):
    """Add BookBoss's endpoints to a server's router, once, if the plugin is enabled."""
    if getattr(router.ctx, 'library_broker', None) is None or getattr(router, 'bookboss_done', False):
        return  # a bare Router (tests, url_for helpers), or already done
    router.bookboss_done = True
    if not plugin_enabled():
        return
    from . import server
    for ep in server.endpoints():
        if ep.route_key in router.routes:
            print(f'BookBoss: the route {ep.route_key} is already taken; not registered',
                  file=sys.stderr, flush=True)
            continue
        try:
            router.add(ep)
        except ValueError:
            log_failure(f'register {ep.route_key}')
    server.start(router.ctx)


def install_finalize_hook():
    """Wrap Router.finalize (calibre < 9.12). Idempotent; never lets an error escape."""
    from calibre.srv.routes import Router
    if getattr(Router.finalize, 'bookboss_hook', False):
        return
    original = Router.finalize

    def finalize(router):
        try:
            attach(router)
        except Exception:
            log_failure('register the /koreader endpoints')
        return original(router)

    finalize.bookboss_hook = True
    Router.finalize = finalize
