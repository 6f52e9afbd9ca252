"""What the /koreader page and `status` show of KOReader's reading statistics: a user's
figures per document and in total, and what became of each WebDAV upload."""

import time
from email.utils import formatdate

from ..core.column_values import reading_time_text


def statistics_view(store, libraries, user, rows):
    """{'statistics': per document, last read first (at most rows), 'statistics_totals',
    'uploads'} for the page. A document shows its library title when it is linked to a book
    the user may see, else the title KOReader recorded."""
    out = []
    for s in store.statistics(user, rows):
        fmt = s['fmt']
        linked = fmt is not None and libraries.visible(user, fmt)
        name = (libraries.title_of(user, fmt.book) if linked else None) or s['title'] or s['md5']
        pages = f"{s['pages_read'] or 0} / {s['pages']}" if s['pages'] else str(s['pages_read'] or 0)
        out.append(dict(s, book=name, linked=linked, time=reading_time_text(s['read_time'] or 0),
                        first=day(s['first_read']), last=day(s['last_read']), pages_text=pages))
    totals = store.statistics_totals(user)
    totals['time'] = reading_time_text(totals['read_time'])
    return {'statistics': out, 'statistics_totals': totals,
            'uploads': [describe_upload(u) for u in store.uploads(user)]}


def day(timestamp):
    return time.strftime('%Y-%m-%d', time.localtime(timestamp)) if timestamp else '—'


def describe_upload(upload):
    """One line for `status` and the page: the file, its size and what became of it."""
    text = f"{upload['path']} ({upload['size']:,} bytes, {formatdate(upload['stored_at'], localtime=True)})"
    if upload['problem']:
        return f"{text}: stored unchanged, but not read: {upload['problem']}"
    if upload['unread']:
        return f'{text}: being read'
    return text + (': read' if upload['path'].endswith('statistics.sqlite3') else ': stored')
