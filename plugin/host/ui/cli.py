"""calibre-debug -r BookBoss -- COMMAND ...

The command line writes only the sidecar database (safe while calibre-server runs: SQLite
locking); `index` opens a calibre library and so needs calibre's library lock. It works
through the same sync service as the server (host/composition.py builds it).
"""

import argparse
import json
import os
import sys
import time

from ...app.accounts import RETIRED
from ...app.statistics_view import describe_upload

from . import cli_columns


def main(args):
    parser = argparse.ArgumentParser(prog='calibre-debug -r BookBoss --',
                                     description='BookBoss: KOReader Progress Sync for calibre')
    sub = parser.add_subparsers(dest='command')
    for name, help_text in (('status', 'what the sidecar holds: digests by kind, documents per user'),
                            ('unmatched', 'documents not linked to a library book')):
        p = sub.add_parser(name, help=help_text)
        p.add_argument('--json', action='store_true', help='machine-readable output')
    sub.choices['unmatched'].add_argument('--user', help='only this calibre user')
    p = sub.add_parser('link', help="link a document to a library book for every user who may see it")
    p.add_argument('document')
    p.add_argument('book_id', type=int)
    p.add_argument('--library', help='library name or folder (needed when the server serves several)')
    p.add_argument('--format', help='book format, e.g. EPUB (needed when the book has several)')
    p.add_argument('--json', action='store_true')
    p = sub.add_parser('unlink', help='remove manual links and bindings of a document')
    p.add_argument('document')
    p.add_argument('--json', action='store_true')
    p = sub.add_parser('backup', help='write a consistent copy of the sidecar (safe while servers run)')
    p.add_argument('destination', help='the file to write (mode 0600)')
    p.add_argument('--json', action='store_true')
    p = sub.add_parser('forget-user', help="remove every sidecar record of a calibre user (and of its "
                                            "retired accounts)")
    p.add_argument('name')
    p.add_argument('--json', action='store_true')
    cli_columns.add_parser(sub)
    p = sub.add_parser('position', help='convert a position in an EPUB: KOReader XPointer <-> calibre reader CFI')
    p.add_argument('epub', help='the EPUB file')
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument('--xpointer', help="KOReader's progress, e.g. /body/DocFragment[3]/body/p[2]/text().4")
    which.add_argument('--cfi', help="calibre's reader position, e.g. epubcfi(/4/2/4/2/1:13)")
    p.add_argument('--explicit', action='store_true', help='write the XPointer in the explicit form (DOM >= 20260812)')
    p.add_argument('--json', action='store_true')
    p = sub.add_parser('index', help='hash the format files of a library now')
    p.add_argument('--library', help='library folder (default: the calibre GUI\'s current library)')
    p.add_argument('--json', action='store_true')
    opts = parser.parse_args(args)
    if opts.command is None:
        parser.print_help()
        return 2
    if opts.command == 'position':
        try:
            result = position(opts)
        except CommandError as e:
            print(f'BookBoss: {e}', file=sys.stderr)
            return 1
        print(json.dumps(result, indent=2, ensure_ascii=False) if opts.json else
              '\n'.join(f'{k}: {v}' for k, v in result.items()))
        return 0
    from ...store import StoreError
    from ..composition import command_line_sync
    from ..libraries import LibraryInUse, NoLibrary
    sync = command_line_sync()
    store = sync.store
    try:
        if opts.command == 'columns':
            result = cli_columns.ACTIONS[opts.action](opts, store)
        else:
            result = COMMANDS[opts.command](sync, opts)
    except (StoreError, CommandError, cli_columns.ColumnsError, LibraryInUse, NoLibrary) as e:
        print(f'BookBoss: {e}', file=sys.stderr)
        return 1
    finally:
        store.close()
    if opts.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print_human(result)
    return 0


class CommandError(Exception):
    pass


def position(opts):
    """One conversion, with its quality and the text it reaches (needs no sidecar, no library)."""
    import zipfile
    from ...core.positions import Book
    from ...core.xpointer import CLASSIC, EXPLICIT
    try:
        with zipfile.ZipFile(opts.epub) as epub:
            book = Book(epub.read, epub.namelist())
            if opts.xpointer:
                found = book.to_cfi(opts.xpointer)
            else:
                found = book.to_xpointer(opts.cfi, EXPLICIT if opts.explicit else CLASSIC)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, StopIteration) as e:
        raise CommandError(f'cannot read {opts.epub} as an EPUB: {e}')
    if found is None:
        raise CommandError('that position names no chapter of this book')
    return {'cfi' if opts.xpointer else 'xpointer': found.position, 'quality': found.quality, 'text': found.text}


def status(sync, opts):
    store = sync.store
    counts = store.counts()
    return {'sidecar': store.path, 'schema_version': store.pragma('user_version'),
            'digests': store.digest_counts(), 'documents': counts['documents'], 'linked': counts['linked'],
            'pushes': counts['pushes'], 'users': store.link_counts(),
            'pending_column_writes': len(store.pending_writes()),
            'column_problems': [f"{p['owner']}: {p['purpose']} -> {p['column_key']}: {p['problem']}"
                                for p in store.column_problems()],
            'libraries': sorted(lib['name'] for lib in store.libraries().values()),
            'webdav_uploads': [f"{u['user']}: {describe_upload(u)}" for u in store.uploads()],
            'retired_accounts': [f"{a['user']}: {a['documents']} documents (calibre account removed; "
                                 f"forget-user {a['user'].split(RETIRED)[0]} removes it)"
                                 for a in store.accounts() if RETIRED in a['user']],
            'notices': [f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(n['at']))}: {n['message']}"
                        for n in store.notices()]}


def unmatched(sync, opts):
    rows = sync.store.unmatched(opts.user)
    return [{'user': r['user'], 'document': r['document'], 'device': r['device'],
             'last_seen': r['last_seen'], 'title': (r['metadata'] or {}).get('title')} for r in rows]


def find_library(store, name):
    libraries = store.libraries()
    if name:
        wanted = os.path.abspath(name) if os.sep in name else name
        for uuid, lib in libraries.items():
            if wanted in (lib['name'], lib['path'], uuid) or (lib['path'] and os.path.basename(lib['path']) == name):
                return uuid
        raise CommandError(f'no library named {name} is known to BookBoss yet')
    if len(libraries) == 1:
        return next(iter(libraries))
    raise CommandError('give --library: BookBoss knows %d libraries (%s)' % (
        len(libraries), ', '.join(lib['name'] for lib in libraries.values()) or 'none yet'))


def link(sync, opts):
    from ...core.books import BookFormat
    from ...core.protocol import KosyncError, normalize_document
    store = sync.store
    try:
        document = normalize_document(opts.document)
    except KosyncError as e:
        raise CommandError(e.message)
    uuid = find_library(store, opts.library)
    fmt = (opts.format or '').upper()
    if not fmt:
        formats = sorted({k for (book, k) in store.indexed_files(uuid) if book == opts.book_id})
        if len(formats) != 1:
            raise CommandError(f'give --format: book {opts.book_id} has formats {formats or "unknown"}')
        fmt = formats[0]
    sync.add_manual_link(document, BookFormat.of(uuid, opts.book_id, fmt))
    return {'linked': document, 'library': store.libraries()[uuid]['name'], 'book_id': opts.book_id,
            'format': fmt, 'note': 'users who may see the book are linked at their next sync'}


def unlink(sync, opts):
    return dict(document=opts.document, **sync.unlink(opts.document))


def index(sync, opts):
    from ..libraries import LibraryInUse, open_library
    from ..library_index import index_library
    try:
        with open_library(opts.library) as db:
            path = db.backend.library_path

            def progress(done, total):
                if not opts.json:
                    print(f'\rindexing {path}: {done}/{total} books', end='', file=sys.stderr, flush=True)
            started = time.monotonic()
            hashed, unchanged, new = index_library(sync.store, db, progress)
            seconds = time.monotonic() - started
    except LibraryInUse:
        raise CommandError('calibre or calibre-server is using the library: a running BookBoss server '
                           'indexes its libraries itself at start-up; stop it to index from here')
    sync.digests_recorded(new)
    if not opts.json:
        print(file=sys.stderr)
    return {'library': path, 'files_hashed': hashed, 'files_unchanged': unchanged, 'new_digests': len(new),
            'seconds': round(seconds, 3)}


def backup(sync, opts):
    destination = os.path.abspath(opts.destination)
    sync.store.backup(destination)
    return {'sidecar': sync.store.path, 'backup': destination, 'bytes': os.path.getsize(destination)}


def forget_user(sync, opts):
    return {'user': opts.name, 'removed': sync.store.forget_user(opts.name, RETIRED)}


COMMANDS = {'status': status, 'unmatched': unmatched, 'link': link, 'unlink': unlink, 'index': index,
            'backup': backup, 'forget-user': forget_user}


def print_human(result):
    if isinstance(result, list):
        if not result:
            print('nothing')
        for row in result:
            print('  '.join(f'{k}={v}' for k, v in row.items() if v is not None))
        return
    for key, value in result.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            print(f'{key}:')
            for row in value:
                print('   ' + '  '.join(f'{k}={v}' for k, v in row.items()))
        else:
            print(f'{key}: {value}')
