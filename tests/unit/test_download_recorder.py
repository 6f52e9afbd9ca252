"""The download hook hashes once per served file version and never breaks a download."""

import os
from types import SimpleNamespace

import pytest

from bookboss.plugin.app.matching import Matcher
from bookboss.plugin.app.sync import Sync
from bookboss.plugin.core.books import BookFormat
from bookboss.plugin.host import calibre_compat, downloads
from bookboss.plugin.store import Store
from fakes import Libraries

EPUB_7 = BookFormat.of('uuid-1', 7, 'EPUB')


class Headers(dict):
    pass


@pytest.fixture
def world(tmp_path, monkeypatch):
    store = Store(str(tmp_path / 's.sqlite'))
    path = tmp_path / 'served.epub'
    path.write_bytes(os.urandom(300000))
    db = SimpleNamespace(library_id='uuid-1', server_library_id='Library',
                         backend=SimpleNamespace(library_path=str(tmp_path)),
                         field_for=lambda f, b: {'title': 'Dune: Messiah', 'authors': ('Frank Herbert',)}[f])
    ctx = SimpleNamespace(url_for=lambda path, **kw: f"/get/{kw['what']}/{kw['book_id']}/{kw['library_id']}")
    calls = []
    real = downloads.partial_md5_of
    monkeypatch.setattr(downloads, 'partial_md5_of', lambda f, size=None: calls.append(1) or real(f, size))
    recorder = downloads.DownloadRecorder(Sync(store, Matcher(store, Libraries('uuid-1'))), print)
    yield SimpleNamespace(store=store, path=path, db=db, ctx=ctx, calls=calls, recorder=recorder)
    store.close()


def request(method='GET', user='alice'):
    return SimpleNamespace(method=method, username=user, outheaders=Headers({
        'Content-Disposition': 'attachment; filename="Dune_ Messiah - Frank Herbert_7.epub"'}))


def test_get_head_and_range_of_one_file_version_hash_once_and_record_every_name(world):
    for method in ('HEAD', 'GET', 'GET'):
        with open(world.path, 'rb') as f:
            world.recorder.record(world.ctx, request(method), world.db, 7, 'epub', f)
            assert f.tell() == 0  # the server streams from where it was
    assert len(world.calls) == 1
    kinds = {r['kind']: r['detail'] for r in world.store.digests_for(EPUB_7)}
    assert kinds['opds_name'] == 'Frank Herbert - Dune_ Messiah.epub'
    assert kinds['server_name'] == 'Dune_ Messiah - Frank Herbert_7.epub'
    world.recorder.flush()


def test_a_new_file_version_is_hashed_again(world):
    with open(world.path, 'rb') as f:
        world.recorder.record(world.ctx, request(), world.db, 7, 'epub', f)
    world.path.write_bytes(os.urandom(1000))
    with open(world.path, 'rb') as f:
        world.recorder.record(world.ctx, request(), world.db, 7, 'epub', f)
    assert len(world.calls) == 2
    served = [r for r in world.store.digests_for(EPUB_7) if r['kind'] == 'served']
    assert len(served) == 2


def test_last_seen_updates_are_batched_off_the_request(world):
    with open(world.path, 'rb') as f:
        world.recorder.record(world.ctx, request(), world.db, 7, 'epub', f)
        world.recorder.record(world.ctx, request(user='bob'), world.db, 7, 'epub', f)
    assert world.recorder.touches and world.recorder.served
    world.recorder.flush()
    assert not world.recorder.touches
    assert world.store.candidates(world.store.digests_for(EPUB_7)[0]['digest'], 'bob')


def test_a_failing_hook_never_breaks_the_download(monkeypatch):
    from calibre.srv import content
    logged = []
    monkeypatch.setattr(content, 'book_fmt', lambda *a: 'the file')

    def broken(*args):
        raise RuntimeError('sidecar on fire')
    calibre_compat.wrap_book_fmt(broken, logged.append)
    assert content.book_fmt(None, None, None, None, 1, 'epub') == 'the file'
    assert 'sidecar on fire' in logged[0]
    calibre_compat.wrap_book_fmt(broken, logged.append)  # idempotent: wrapped once
    assert content.book_fmt.bookboss_original() == 'the file'
