"""KOReader's statistics database (statistics.sqlite3, as its WebDAV sync uploads it), read
into per-document figures. Always from a private in-memory copy: the stored upload is never
opened, so SQLite never writes beside it or rewrites it.

The figures are KOReader's own totals (book.total_read_time, total_read_pages, highlights,
notes) grouped by the document's partial MD5 (several rows can share one md5 after metadata
edits); first and last read come from the page visits (page_stat_data).
"""

import re
import sqlite3

SCHEMA_VERSION = 20221111  # what KOReader's cloud sync sends (reference §1.1)
SQLITE_MAGIC = b'SQLite format 3\x00'
MD5 = re.compile(r'[0-9a-f]{32}\Z')

FIGURES_SQL = '''
WITH visits AS (SELECT id_book, MIN(start_time) AS first_read, MAX(start_time + duration) AS last_read
                FROM page_stat_data GROUP BY id_book)
SELECT lower(b.md5) AS md5, MAX(b.title) AS title, MAX(b.authors) AS authors,
       SUM(COALESCE(b.total_read_time, 0)) AS read_time, MAX(b.total_read_pages) AS pages_read,
       MAX(b.pages) AS pages, MIN(v.first_read) AS first_read,
       COALESCE(MAX(v.last_read), MAX(b.last_open)) AS last_read,
       MAX(b.highlights) AS highlights, MAX(b.notes) AS notes
FROM book b LEFT JOIN visits v ON v.id_book = b.id
WHERE b.md5 IS NOT NULL
GROUP BY lower(b.md5)
'''
FIGURES = ('read_time', 'pages_read', 'pages', 'first_read', 'last_read', 'highlights', 'notes')
TIMES = ('first_read', 'last_read')
LATEST_TIME = 4102444800  # 2100-01-01: a device clock beyond it is wrong, and such a time is dropped


class NotStatistics(ValueError):
    """The upload is not a KOReader statistics database BookBoss can read (the reason)."""


def read_figures(data):
    """[{'md5', 'title', 'authors', 'read_time', 'pages_read', 'pages', 'first_read',
    'last_read', 'highlights', 'notes'}] from the bytes of a statistics.sqlite3; NotStatistics
    saying why when the bytes are not one."""
    if not data.startswith(SQLITE_MAGIC):
        raise NotStatistics('not an SQLite database (KOReader uploads its statistics.sqlite3 here)')
    copy = bytearray(data)
    if copy[18:20] == b'\x02\x02':  # WAL mode: read the copy as a rollback-journal database
        copy[18:20] = b'\x01\x01'
    conn = sqlite3.connect(':memory:')
    try:
        conn.deserialize(bytes(copy))
        conn.execute('PRAGMA trusted_schema=OFF')
        conn.execute('PRAGMA query_only=1')
        version = conn.execute('PRAGMA user_version').fetchone()[0]
        if version != SCHEMA_VERSION:
            raise NotStatistics(f'statistics schema version {version}: BookBoss reads KOReader\'s '
                                f'{SCHEMA_VERSION} (KOReader 2022.11 and later)')
        conn.row_factory = sqlite3.Row
        rows = conn.execute(FIGURES_SQL).fetchall()
    except sqlite3.DatabaseError as e:
        raise NotStatistics(f'not a readable KOReader statistics database ({e})') from None
    finally:
        conn.close()
    return [_figures(row) for row in rows if MD5.match(row['md5'] or '')]


def _figures(row):
    out = {'md5': row['md5'], 'title': _text(row['title']), 'authors': _text(row['authors'])}
    for name in FIGURES:
        value = row[name]
        out[name] = max(0, int(value)) if isinstance(value, (int, float)) else None
    for name in TIMES:
        if not out[name] or out[name] >= LATEST_TIME:
            out[name] = None
    return out


def _text(value):
    if not isinstance(value, str):
        return None
    value = value.rstrip('\x00').strip()  # old PDF rows end in NUL; 'N/A' is KOReader's "none"
    return value if value and value != 'N/A' else None
