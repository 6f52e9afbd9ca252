#!/usr/bin/env python3
"""Build the BookBoss plugin zip: python3 build.py [--bottle PATH] [--out DIR]

Any Python 3, no calibre needed. Bottle (a pinned 0.13.x) is copied into the zip at
build time as calibre_plugins.bookboss.plugin.vendor.bottle; it is never committed.
It comes from --bottle (a bottle.py or the wheel), else from the download cache,
else `pip download` fills the cache from the package index pip is configured with (no
index address is written here). The last line printed is the zip's path.
"""

import argparse
import hashlib
import os
import re
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.abspath(__file__))
BOTTLE_VERSION = '0.13.4'
BOTTLE_WHEEL = f'bottle-{BOTTLE_VERSION}-py2.py3-none-any.whl'
BOTTLE_WHEEL_SHA256 = '045684fbd2764eac9cdeb824861d1551d113e8b683d8d26e296898d3dd99a12e'
CACHE = os.path.join(os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'), 'bookboss')
RESOURCE_SUFFIXES = ('.py', '.tpl', '.css', '.txt', '.png', '.svg')
FIXED_DATE = (2020, 1, 1, 0, 0, 0)  # reproducible zips


def plugin_version():
    with open(os.path.join(ROOT, '__init__.py'), encoding='utf-8') as f:
        m = re.search(r'^\s*version\s*=\s*\((\d+),\s*(\d+),\s*(\d+)\)', f.read(), re.M)
    return '.'.join(m.groups())


def bottle_version(source):
    m = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", source.decode('utf-8'), re.M)
    return m.group(1) if m else '0'


def _version_tuple(v):
    return tuple(int(x) for x in re.findall(r'\d+', v)[:3])


def fetch_bottle_wheel():
    path = os.path.join(CACHE, BOTTLE_WHEEL)
    if not os.path.exists(path):
        os.makedirs(CACHE, exist_ok=True)
        cmd = [sys.executable, '-m', 'pip', 'download', '--no-deps', '--only-binary', ':all:',
               '-d', CACHE, f'bottle=={BOTTLE_VERSION}']
        try:
            subprocess.run(cmd, check=True, stdout=sys.stderr)
        except (OSError, subprocess.CalledProcessError) as e:
            sys.exit(f'build.py: could not get Bottle {BOTTLE_VERSION} with pip ({e}). build.py uses the '
                     f'package index pip is configured with: install pip (apt-get install python3-pip), '
                     f'configure its index (pip config set global.index-url URL) if this machine has no '
                     f'access to the default one, or pass --bottle PATH to a bottle.py or {BOTTLE_WHEEL}.')
    with open(path, 'rb') as f:
        data = f.read()
    if hashlib.sha256(data).hexdigest() != BOTTLE_WHEEL_SHA256:
        sys.exit(f'build.py: {path} does not have the pinned sha256; delete it and rebuild')
    return path


def bottle_source(path=None):
    path = path or fetch_bottle_wheel()
    if path.endswith('.whl'):
        with zipfile.ZipFile(path) as z:
            source = z.read('bottle.py')
    else:
        with open(path, 'rb') as f:
            source = f.read()
    version = bottle_version(source)
    if _version_tuple(version) < (0, 13):
        sys.exit(f'build.py: Bottle {version} from {path} is too old: 0.12 imports cgi, which '
                 f'Python 3.13+ (calibre 9.x) no longer has. Use Bottle {BOTTLE_VERSION}.')
    return source


def plugin_files(bottle_py):
    """(name inside the zip, bytes) for every file of the plugin."""
    files = []
    for name in ('__init__.py', 'plugin-import-name-bookboss.txt'):
        with open(os.path.join(ROOT, name), 'rb') as f:
            files.append((name, f.read()))
    plugin_dir = os.path.join(ROOT, 'plugin')
    for dirpath, dirnames, filenames in os.walk(plugin_dir):
        dirnames[:] = sorted(d for d in dirnames if d not in ('__pycache__', 'vendor'))
        for fn in sorted(filenames):
            if fn.endswith(RESOURCE_SUFFIXES):
                full = os.path.join(dirpath, fn)
                with open(full, 'rb') as f:
                    files.append((os.path.relpath(full, ROOT).replace(os.sep, '/'), f.read()))
    files.append(('plugin/vendor/__init__.py',
                  f'# Bottle {bottle_version(bottle_py)} (MIT licence), copied here by build.py.\n'.encode()))
    files.append(('plugin/vendor/bottle.py', bottle_py))
    return files


def write_zip(files, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f'BookBoss-{plugin_version()}.zip')
    tmp = path + '.tmp'
    with zipfile.ZipFile(tmp, 'w', zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            z.writestr(zipfile.ZipInfo(name, FIXED_DATE), data, zipfile.ZIP_DEFLATED)
    os.replace(tmp, path)
    return path


def write_tree(files, dest):
    """The zip's contents as a directory (the unit tests import the package from it)."""
    for name, data in files:
        full = os.path.join(dest, *name.split('/'))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'wb') as f:
            f.write(data)
    return dest


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--bottle', help='a bottle.py or bottle wheel to bundle')
    parser.add_argument('--out', default=os.path.join(ROOT, 'dist'), help='output folder')
    args = parser.parse_args()
    print(write_zip(plugin_files(bottle_source(args.bottle)), args.out))


if __name__ == '__main__':
    main()
