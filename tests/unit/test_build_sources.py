"""Building and testing use only what the machine is configured with: pip's index, apt's
sources. No package-registry host is written anywhere in the repository."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# spelled in pieces so that this file does not name them either
REGISTRY_HOSTS = ['pypi' + '.org', 'pythonhosted' + '.org', 'deb.debian' + '.org', 'ftp.debian' + '.org',
                  'security.debian' + '.org', 'registry.npmjs' + '.org']


def tracked_files():
    """The repository's files (git ls-files), or every file of a copied tree (the chroot run)."""
    try:
        out = subprocess.run(['git', 'ls-files'], cwd=ROOT, capture_output=True, text=True)
        if out.returncode == 0:
            return [os.path.join(ROOT, name) for name in out.stdout.splitlines()]
    except OSError:
        pass  # no git here (the calibre 9.x chroot)
    found = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in ('.git', '__pycache__', 'dist', 'test-output')]
        found += [os.path.join(dirpath, f) for f in filenames]
    return found


def test_no_package_registry_host_is_hard_coded_anywhere():
    found = []
    for path in tracked_files():
        try:
            with open(path, encoding='utf-8') as f:
                text = f.read()
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
        found += [f'{os.path.relpath(path, ROOT)}: {host}' for host in REGISTRY_HOSTS if host in text]
    assert found == []


def test_without_pip_build_py_stops_saying_what_to_configure(tmp_path, monkeypatch):
    sys.path.insert(0, ROOT)
    try:
        import build
    finally:
        sys.path.remove(ROOT)
    monkeypatch.setattr(build, 'CACHE', str(tmp_path))

    def no_pip(cmd, **kw):
        raise subprocess.CalledProcessError(1, cmd)  # what `python3 -m pip` does without pip
    monkeypatch.setattr(build.subprocess, 'run', no_pip)
    with pytest.raises(SystemExit) as e:
        build.fetch_bottle_wheel()
    assert 'install pip' in str(e.value) and '--bottle' in str(e.value)
    assert os.listdir(tmp_path) == []  # nothing fetched from anywhere else


@pytest.mark.skipif(os.geteuid() != 0, reason='scripts/chroot.sh needs root')
def test_without_a_configured_debian_mirror_the_chroot_script_stops_saying_what_to_configure(tmp_path):
    env = dict(os.environ, BOOKBOSS_CHROOT_CACHE=str(tmp_path / 'cache'), BOOKBOSS_APT_ETC=str(tmp_path / 'apt'))
    env.pop('BOOKBOSS_DEBIAN_MIRROR', None)
    result = subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'chroot.sh'), 'forky', 'true'], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and 'BOOKBOSS_DEBIAN_MIRROR' in result.stderr
    assert not os.path.exists(tmp_path / 'cache' / 'forky' / 'etc')  # nothing was bootstrapped
