"""Route registration on calibre < 9.12 (the Router.finalize hook), in-process with calibre's Router."""

import types

import pytest

from bookboss.plugin import registration


class Ctx:
    library_broker = object()


@pytest.fixture
def router_cls(monkeypatch):
    from calibre.srv.routes import Router
    monkeypatch.setattr(Router, 'finalize', Router.finalize)  # restored after the test
    monkeypatch.setattr(registration, 'plugin_enabled', lambda: True)
    from bookboss.plugin import server
    monkeypatch.setattr(server, 'start', lambda ctx: None)  # no real server behind these routers
    return Router


def test_the_hook_is_installed_once_however_often_initialize_runs(router_cls):
    registration.install_finalize_hook()
    first = router_cls.finalize
    registration.install_finalize_hook()
    assert router_cls.finalize is first and first.bookboss_hook


def test_the_hook_adds_the_koreader_sponge_once(router_cls):
    registration.install_finalize_hook()
    router = router_cls(ctx=Ctx())
    router.finalize()
    router.finalize()
    assert '/koreader' in router.routes
    endpoint, args = router.find_route(('koreader', 'syncs', 'progress'))
    assert list(args) == ['syncs/progress']


def test_a_taken_route_key_is_skipped_and_logged_not_raised(router_cls, capsys):
    from calibre.srv.routes import endpoint

    @endpoint('/koreader/{x}')
    def someone_else(ctx, rd, x):
        return 'theirs'

    registration.install_finalize_hook()
    router = router_cls(ctx=Ctx())
    router.add(someone_else)
    router.finalize()
    assert router.find_route(('koreader', 'a'))[0] is someone_else
    assert 'already taken' in capsys.readouterr().err


def test_an_error_while_registering_never_escapes_finalize(router_cls, monkeypatch, capsys):
    def broken(router):
        raise RuntimeError('boom')
    monkeypatch.setattr(registration, 'attach', broken)
    registration.install_finalize_hook()
    router = router_cls(ctx=Ctx())
    router.finalize()  # calibre-server would exit if this raised
    err = capsys.readouterr().err
    assert 'BookBoss: FAILED' in err and 'boom' in err


def test_a_disabled_plugin_adds_nothing(router_cls, monkeypatch):
    monkeypatch.setattr(registration, 'plugin_enabled', lambda: False)
    registration.install_finalize_hook()
    router = router_cls(ctx=Ctx())
    router.finalize()
    assert '/koreader' not in router.routes


def test_bare_routers_without_a_server_are_left_alone(router_cls):
    registration.install_finalize_hook()
    router = router_cls(ctx=types.SimpleNamespace())
    router.finalize()
    assert '/koreader' not in router.routes


def test_content_server_plugin_path_logs_and_returns_nothing_on_failure(monkeypatch, capsys):
    import builtins
    real_import = builtins.__import__

    def failing(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 1 and fromlist and 'server' in fromlist:
            raise ImportError('simulated')
        return real_import(name, globals, locals, fromlist, level)
    monkeypatch.setattr(builtins, '__import__', failing)
    assert registration.endpoints_for_content_server_plugin() == []
    assert 'BookBoss: FAILED' in capsys.readouterr().err
