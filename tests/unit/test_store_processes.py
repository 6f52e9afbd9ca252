"""The calibre GUI and a standalone calibre-server may write one sidecar at the same time."""

import multiprocessing

from bookboss.plugin.books import BookKey
from bookboss.plugin.store import Store


def writer(path, name, n, errors):
    store = Store(path)
    try:
        for i in range(n):
            store.record_push(name, dict(document=f'd{i}', percentage=i / n, progress='p', device=name,
                                         device_id=name, metadata=None))
            store.record_digests([(f'{name}{i}', 'device', BookKey('lib', i, 'EPUB'), None, name)])
    except Exception as e:  # pragma: no cover - reported to the parent
        errors.put(repr(e))
    finally:
        store.close()


def test_two_processes_write_the_same_sidecar_without_errors_or_losses(tmp_path):
    path = str(tmp_path / 'shared.sqlite')
    Store(path).counts()
    ctx = multiprocessing.get_context('fork')
    errors = ctx.Queue()
    procs = [ctx.Process(target=writer, args=(path, name, 150, errors)) for name in ('gui', 'server')]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert all(p.exitcode == 0 for p in procs) and errors.empty()
    store = Store(path)
    assert store.counts()['documents'] == 300
    assert store.digest_counts() == {'device': 300}
    assert store.pragma('integrity_check') == 'ok'
