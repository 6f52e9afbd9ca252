#!/usr/bin/env python3
"""Create a small calibre library of real EPUBs: demo_library.py LIBRARY_DIR

Each EPUB is written here (valid EPUB 2: mimetype, container, OPF, NCX, chapters)
and added with calibredb, so the library is an ordinary calibre library.
"""

import os
import subprocess
import sys
import tempfile
import zipfile
from html import escape

DEMO_BOOKS = (
    ('Alice in the Server Room', 'Ada Reader', 12),
    ('The Sync of Time', 'Kobo Stanza', 20),
    ('Pages & Positions', 'Ann Author & Bob Writer', 8),
)

CONTAINER = '''<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>'''


def chapter_text(title, n, paragraphs=40):
    body = ''.join(
        f'<p>{escape(title)}, chapter {n}, paragraph {i}: the reader turns the page and the '
        f'server remembers where she was. Lorem ipsum dolor sit amet, consectetur adipiscing.</p>'
        for i in range(paragraphs))
    return (f'<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
            f'<head><title>Chapter {n}</title></head><body><h1>Chapter {n}</h1>{body}</body></html>')


def make_epub(path, title, author, chapters=5, paragraphs=40):
    ids = [f'ch{i}' for i in range(1, chapters + 1)]
    manifest = ''.join(f'<item id="{i}" href="{i}.xhtml" media-type="application/xhtml+xml"/>' for i in ids)
    spine = ''.join(f'<itemref idref="{i}"/>' for i in ids)
    nav = ''.join(f'<navPoint id="n{i}" playOrder="{k}"><navLabel><text>Chapter {k}</text></navLabel>'
                  f'<content src="{i}.xhtml"/></navPoint>' for k, i in enumerate(ids, 1))
    opf = f'''<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="uid">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:title>{escape(title)}</dc:title><dc:creator>{escape(author)}</dc:creator>
    <dc:language>en</dc:language><dc:identifier id="uid">urn:bookboss:{abs(hash((title, author)))}</dc:identifier>
  </metadata>
  <manifest><item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>{manifest}</manifest>
  <spine toc="ncx">{spine}</spine>
</package>'''
    ncx = (f'<?xml version="1.0" encoding="utf-8"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" '
           f'version="2005-1"><head/><docTitle><text>{escape(title)}</text></docTitle>'
           f'<navMap>{nav}</navMap></ncx>')
    with zipfile.ZipFile(path, 'w') as z:
        z.writestr('mimetype', 'application/epub+zip', zipfile.ZIP_STORED)
        z.writestr('META-INF/container.xml', CONTAINER, zipfile.ZIP_DEFLATED)
        z.writestr('content.opf', opf, zipfile.ZIP_DEFLATED)
        z.writestr('toc.ncx', ncx, zipfile.ZIP_DEFLATED)
        for k, i in enumerate(ids, 1):
            z.writestr(f'{i}.xhtml', chapter_text(title, k, paragraphs), zipfile.ZIP_DEFLATED)
    return path


def add_books(library, books, env=None):
    """Add (title, authors, chapters) EPUBs to a calibre library (created if missing); return ids."""
    os.makedirs(library, exist_ok=True)
    ids = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, (title, authors, chapters) in enumerate(books):
            path = make_epub(os.path.join(tmp, f'book{n}.epub'), title, authors, chapters)
            out = subprocess.run(
                ['calibredb', '--library-path', library, 'add', '--duplicates',
                 '--title', title, '--authors', authors, path],
                check=True, capture_output=True, text=True, env=env).stdout
            ids.extend(int(x) for x in out.rpartition(':')[2].replace(',', ' ').split())
    return ids


if __name__ == '__main__':
    print(add_books(sys.argv[1], DEMO_BOOKS))
