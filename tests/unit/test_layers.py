"""The four layers as folders, imports pointing only inward:
core <- store <- app <- host <- host/ui. core imports neither calibre, Bottle, sqlite3 nor
apsw; store imports neither calibre nor Bottle. Read from the source files themselves
(every import, including those inside functions)."""

import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RANK = {'core': 0, 'store': 1, 'app': 2, 'host': 3, 'ui': 4}
FORBIDDEN = {'core': ('calibre', 'qt', 'PyQt6', 'bottle', 'vendor', 'sqlite3', 'apsw'),
             'store': ('calibre', 'qt', 'PyQt6', 'bottle', 'vendor'),
             'app': ('calibre', 'qt', 'PyQt6', 'sqlite3', 'apsw')}


def layer_of(module):
    """'plugin.host.ui.cli' -> 'ui'; 'plugin.app.sync' -> 'app'; None outside the layers."""
    parts = module.split('.')
    if parts[0] != 'plugin' or len(parts) < 2 or parts[1] not in RANK:
        return None
    return 'ui' if parts[1:3] == ['host', 'ui'] else parts[1]


def imports_of(path, module):
    """Every module path one source file imports (relative imports resolved)."""
    package = module.rsplit('.', 1)[0] if not path.endswith('__init__.py') else module
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')[:len(package.split('.')) - node.level + 1]
                target = '.'.join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            yield target
            for alias in node.names:  # `from . import calibre_compat` names a module
                yield f'{target}.{alias.name}'


def violations(plugin_dir):
    """['plugin/x.py imports y: why'] for every import that points outward or is forbidden."""
    found = []
    top = os.path.dirname(plugin_dir)
    for dirpath, dirnames, filenames in os.walk(plugin_dir):
        dirnames[:] = [d for d in dirnames if d not in ('__pycache__', 'vendor')]
        for fn in filenames:
            if not fn.endswith('.py'):
                continue
            path = os.path.join(dirpath, fn)
            rel = os.path.relpath(path, top)
            module = rel[:-3].replace(os.sep, '.').removesuffix('.__init__')
            mine = layer_of(module)
            if mine is None:
                continue
            for target in imports_of(path, module):
                theirs = layer_of(target)
                if theirs is not None and RANK[theirs] > RANK[mine]:
                    found.append(f'{rel} imports {target}: {mine} must not import {theirs}')
                head = target.split('.')
                if head[0] == 'plugin' and len(head) > 1:
                    head = head[1:]
                if head[0] in FORBIDDEN.get(mine, ()):
                    found.append(f'{rel} imports {target}: {mine} must not import {head[0]}')
    return sorted(set(found))


def test_imports_point_only_inward_and_core_and_store_stay_free_of_calibre_and_bottle():
    assert violations(os.path.join(ROOT, 'plugin')) == []


@pytest.mark.parametrize('where,line,why', [
    ('core/rules.py', 'from ..store import Store', 'core must not import store'),
    ('core/rules.py', 'import sqlite3', 'core must not import sqlite3'),
    ('core/rules.py', 'from ..vendor import bottle', 'core must not import vendor'),
    ('store/extra.py', 'from ..app.sync import Sync', 'store must not import app'),
    ('store/extra.py', 'from calibre.srv.users import UserManager', 'store must not import calibre'),
    ('app/extra.py', 'from ..host import composition', 'app must not import host'),
    ('app/extra.py', 'def f():\n    from calibre.gui2 import ui', 'app must not import calibre'),
    ('host/extra.py', 'from .ui import cli', 'host must not import ui'),
])
def test_the_check_fails_when_an_outward_import_is_added(tmp_path, where, line, why):
    plugin = tmp_path / 'plugin'
    for layer in ('core', 'store', 'app', 'host', 'host/ui'):
        (plugin / layer).mkdir(parents=True)
        (plugin / layer / '__init__.py').write_text('')
    (plugin / where).write_text(line + '\n')
    assert [v for v in violations(str(plugin)) if why in v] != []


def test_inward_imports_pass(tmp_path):
    plugin = tmp_path / 'plugin'
    for layer in ('core', 'store', 'app', 'host', 'host/ui'):
        (plugin / layer).mkdir(parents=True)
    (plugin / 'host/ui/cli.py').write_text('from ..composition import x\nfrom ...app import sync\n')
    (plugin / 'app/sync.py').write_text('from ..store import Store\nfrom ..core.books import Book\n')
    assert violations(str(plugin)) == []
