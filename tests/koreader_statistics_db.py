"""KOReader's statistics database as its cloud sync uploads it (statistics.sqlite3, schema
20221111, per ../shared/reference/koreader-statistics.md §1.2), built by the tests, and the
device's merge of a downloaded copy (§1.4), written independently of the plugin."""

import os
import sqlite3
import tempfile

SCHEMA = '''
CREATE TABLE book (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, authors TEXT, notes INTEGER,
                   last_open INTEGER, highlights INTEGER, pages INTEGER, series TEXT, language TEXT,
                   md5 TEXT, total_read_time INTEGER, total_read_pages INTEGER);
CREATE UNIQUE INDEX book_title_authors_md5 ON book (title, authors, md5);
CREATE TABLE page_stat_data (id_book INTEGER, page INTEGER NOT NULL DEFAULT 0,
                             start_time INTEGER NOT NULL DEFAULT 0, duration INTEGER NOT NULL DEFAULT 0,
                             total_pages INTEGER NOT NULL DEFAULT 0, UNIQUE (id_book, page, start_time),
                             FOREIGN KEY (id_book) REFERENCES book (id));
CREATE INDEX page_stat_data_start_time ON page_stat_data (start_time);
CREATE TABLE numbers (number INTEGER PRIMARY KEY);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO numbers SELECT i FROM n;
CREATE VIEW page_stat AS
    SELECT id_book, first_page + idx - 1 AS page, start_time, duration / (last_page - first_page + 1) AS duration
    FROM (SELECT id_book, page, total_pages, pages, start_time, duration,
                 ((page - 1) * pages) / total_pages + 1 AS first_page,
                 max(((page - 1) * pages) / total_pages + 1, (page * pages) / total_pages) AS last_page, idx
          FROM page_stat_data JOIN book ON book.id = id_book
          JOIN (SELECT number AS idx FROM numbers) AS n ON idx <= (last_page - first_page + 1));
PRAGMA user_version = 20221111;
'''
TOTALS = '''
UPDATE book SET total_read_time = (SELECT SUM(duration) FROM page_stat WHERE id_book = book.id),
                total_read_pages = (SELECT COUNT(DISTINCT page) FROM page_stat WHERE id_book = book.id);
'''


def _file_bytes(build, wal=False):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'statistics.sqlite3')
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute(f"PRAGMA journal_mode={'WAL' if wal else 'TRUNCATE'}")
        build(conn)
        conn.close()
        with open(path, 'rb') as f:
            return f.read()


def statistics_db(books, wal=False):
    """The bytes of a statistics.sqlite3. books: [{'title', 'authors', 'md5', 'pages', 'highlights',
    'notes', 'visits': [(page, start_time, duration)]}]."""
    def build(conn):
        conn.executescript(SCHEMA)
        add_books(conn, books)
    return _file_bytes(build, wal)


def add_books(conn, books):
    for b in books:
        visits = b.get('visits', ())
        cur = conn.execute(
            '''INSERT INTO book (title, authors, notes, last_open, highlights, pages, series, language, md5)
               VALUES (?, ?, ?, ?, ?, ?, 'N/A', 'en', ?)''',
            (b['title'], b.get('authors', ''), b.get('notes', 0), max([s + d for _, s, d in visits] or [0]),
             b.get('highlights', 0), b.get('pages', 100), b['md5']))
        conn.executemany('INSERT INTO page_stat_data VALUES (?, ?, ?, ?, ?)',
                         [(cur.lastrowid, p, s, d, b.get('pages', 100)) for p, s, d in visits])
    conn.executescript(TOTALS)


def merged(local, income):
    """What a device uploads after downloading income (bytes): its local database (bytes) with
    the books and page visits only income has, totals recomputed (the device's onSync, §1.4)."""
    with tempfile.TemporaryDirectory() as d:
        path, other = os.path.join(d, 'statistics.sqlite3'), os.path.join(d, 'income.sqlite3')
        for name, data in ((path, local), (other, income)):
            with open(name, 'wb') as f:
                f.write(data)
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute('ATTACH ? AS income', (other,))
        conn.execute('''INSERT INTO book (title, authors, notes, last_open, highlights, pages, series, language, md5)
                        SELECT title, authors, notes, last_open, highlights, pages, series, language, md5
                        FROM income.book WHERE (title, authors, md5) NOT IN (SELECT title, authors, md5 FROM book)''')
        conn.execute('''INSERT OR REPLACE INTO page_stat_data
                        SELECT b.id, p.page, p.start_time, p.duration, p.total_pages
                        FROM income.page_stat_data p JOIN income.book ib ON ib.id = p.id_book
                        JOIN book b ON b.title = ib.title AND b.authors = ib.authors AND b.md5 = ib.md5''')
        conn.executescript(TOTALS)
        conn.execute('DETACH income')
        conn.close()
        with open(path, 'rb') as f:
            return f.read()
