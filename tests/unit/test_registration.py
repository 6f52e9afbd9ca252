"""Registration through the Router.finalize hook, in-process with calibre's Router: it adds the
routes on calibre < 9.12 and starts BookBoss for the server on every calibre."""

import types

import pytest

from bookboss.plugin.host import calibre_compat, endpoint, registration


class Ctx:
    library_broker = object()


@pytest.fixture
def router_cls(monkeypatch):
    from calibre.srv.routes import Router
    monkeypatch.setattr(Router, 'finalize', Router.finalize)  # restored after the test
    monkeypatch.setattr(registration, 'plugin_enabled', lambda: True)
    monkeypatch.setattr(calibre_compat, 'has_content_server_plugin', lambda: False)  # calibre < 9.12
    started = []
    monkeypatch.setattr(endpoint, 'start', started.append)  # no real server behind these routers
    Router.started = started
    return Router


def test_the_hook_is_installed_once_however_often_initialize_runs(router_cls):
    registration.install()
    first = router_cls.finalize
    registration.install()
    assert router_cls.finalize is first and first.bookboss_hook


def test_the_hook_adds_the_koreader_sponge_once(router_cls):
    registration.install()
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

    registration.install()
    router = router_cls(ctx=Ctx())
    router.add(someone_else)
    router.finalize()
    assert router.find_route(('koreader', 'a'))[0] is someone_else
    assert 'already taken' in capsys.readouterr().err


def test_an_error_while_registering_never_escapes_finalize(router_cls, monkeypatch, capsys):
    def broken(router, add_routes):
        raise RuntimeError('boom')
    monkeypatch.setattr(registration, 'attach', broken)
    registration.install()
    router = router_cls(ctx=Ctx())
    router.finalize()  # calibre-server would exit if this raised
    err = capsys.readouterr().err
    assert 'BookBoss: FAILED' in err and 'boom' in err


def test_a_disabled_plugin_adds_nothing(router_cls, monkeypatch):
    monkeypatch.setattr(registration, 'plugin_enabled', lambda: False)
    registration.install()
    router = router_cls(ctx=Ctx())
    router.finalize()
    assert '/koreader' not in router.routes


def test_bare_routers_without_a_server_are_left_alone(router_cls):
    registration.install()
    router = router_cls(ctx=types.SimpleNamespace())
    router.finalize()
    assert '/koreader' not in router.routes


def test_the_hook_starts_bookboss_once_for_each_server_it_adds_routes_to(router_cls):
    registration.install()
    router = router_cls(ctx=Ctx())
    router.finalize()
    router.finalize()
    assert router_cls.started == [router.ctx]


def test_with_content_server_plugins_the_hook_adds_no_routes_but_starts_bookboss(router_cls, monkeypatch):
    monkeypatch.setattr(calibre_compat, 'has_content_server_plugin', lambda: True)  # calibre >= 9.12
    registration.install()
    router = router_cls(ctx=Ctx())
    for ep in registration.endpoints_for_content_server_plugin():  # what calibre >= 9.12 does first
        router.add(ep)
    router.finalize()
    assert router_cls.started == [router.ctx]
    assert [r for r in router.routes if 'koreader' in r] == ['/koreader']


def test_with_content_server_plugins_a_server_without_bookboss_routes_is_not_started(router_cls, monkeypatch):
    monkeypatch.setattr(calibre_compat, 'has_content_server_plugin', lambda: True)
    registration.install()
    router_cls(ctx=Ctx()).finalize()
    assert router_cls.started == []


def test_content_server_plugin_path_logs_and_returns_nothing_on_failure(monkeypatch, capsys):
    def broken():
        raise ImportError('simulated')
    monkeypatch.setattr(endpoint, 'endpoints', broken)
    assert registration.endpoints_for_content_server_plugin() == []
    assert 'BookBoss: FAILED' in capsys.readouterr().err
