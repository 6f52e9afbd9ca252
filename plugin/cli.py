"""calibre-debug -r BookBoss -- COMMAND ..."""

import argparse
import json
import sys


def main(args):
    parser = argparse.ArgumentParser(prog='calibre-debug -r BookBoss --',
                                     description='BookBoss: KOReader Progress Sync for calibre')
    sub = parser.add_subparsers(dest='command')
    status = sub.add_parser('status', help='where the sidecar is and what it holds')
    status.add_argument('--json', action='store_true', help='machine-readable output')
    opts = parser.parse_args(args)
    if opts.command == 'status':
        return show_status(opts)
    parser.print_help()
    return 2


def show_status(opts):
    from . import config
    from .store import Store, StoreError
    path = config.sidecar_path()
    store = Store(path)
    try:
        info = {'sidecar': path, 'schema_version': store.pragma('user_version'),
                'journal_mode': store.pragma('journal_mode')}
        info.update(store.counts())
    except StoreError as e:
        print(f'BookBoss: {e}', file=sys.stderr)
        return 1
    finally:
        store.close()
    if opts.json:
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            print(f'{key}: {value}')
    return 0
