"""The calibre GUI and a standalone calibre-server may write one sidecar at the same time:
two separate calibre programs (calibre-debug processes) hammer one sidecar file."""

import os
import subprocess

import bookboss
from bookboss.plugin.store import Store

WRITER = r'''
import sys
sys.path.insert(0, {staged!r})
from bookboss.plugin.core.books import BookFormat
from bookboss.plugin.store import Store
store = Store({path!r})
name, n = {name!r}, 150
for i in range(n):
    store.record_push(name, dict(document=f'd{{i}}', percentage=i / n, progress='p', device=name,
                                 device_id=name, metadata=None))
    store.record_digests([(f'{{name}}{{i}}', 'device', BookFormat.of('lib', i, 'EPUB'), None, name)])
store.close()
print('DONE', name)
'''


def test_two_processes_write_the_same_sidecar_without_errors_or_losses(tmp_path):
    path = str(tmp_path / 'shared.sqlite')
    staged = os.path.dirname(os.path.dirname(os.path.abspath(bookboss.__file__)))
    Store(path).counts()
    procs = [subprocess.Popen(['calibre-debug', '-c', WRITER.format(staged=staged, path=path, name=name)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name in ('gui', 'server')]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    store = Store(path)
    assert store.counts()['documents'] == 300
    assert store.digest_counts() == {'device': 300}
    assert store.pragma('integrity_check') == 'ok'
