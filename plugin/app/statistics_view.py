"""What the /koreader page and `status` show of KOReader's reading statistics: a user's
figures per document and in total, and what became of each WebDAV upload."""

from ..core.column_values import pages_read_text, reading_time_text
from .display import count, day, when
from .sync import is_statistics_file


def statistics_view(store, libraries, user, rows):
    """{'statistics': per document, last read first (at most rows), 'statistics_totals',
    'uploads'} for the page. A document shows its library title when it is linked to a book
    the user may see, else the title KOReader recorded."""
    out = []
    for s in store.statistics(user, rows):
        fmt = s['fmt']
        linked = fmt is not None and libraries.visible(user, fmt)
        name = (libraries.title_of(user, fmt.book) if linked else None) or s['title'] or s['md5']
        pages = pages_read_text(s['pages_read'] or 0, s['pages'])
        out.append(dict(s, book=name, linked=linked, time=reading_time_text(s['read_time'] or 0),
                        first=day(s['first_read']), last=day(s['last_read']), pages_text=pages))
    totals = store.statistics_totals(user)
    totals['time'] = reading_time_text(totals['read_time'])
    totals['books'] = count(totals['documents'], 'book')
    totals['highlights_text'] = count(totals['highlights'], 'highlight')
    totals['notes_text'] = count(totals['notes'], 'note')
    return {'statistics': out, 'statistics_totals': totals,
            'uploads': [describe_upload(u) for u in store.uploads(user)]}


def figures_text(figures):
    """'2 h 5 min, 120 / 300 pages, first 2026-11-02, last 2026-12-01, 4 highlights, 1 note' or '—'."""
    if not figures:
        return '—'
    parts = [reading_time_text(figures['read_time'] or 0)]
    if figures.get('pages_read') is not None:
        parts.append(pages_read_text(figures['pages_read'], figures.get('pages')) + ' pages')
    if figures.get('first_read'):
        parts.append(f"first {day(figures['first_read'])}")
    if figures.get('last_read'):
        parts.append(f"last {day(figures['last_read'])}")
    parts.append(count(figures.get('highlights') or 0, 'highlight'))
    parts.append(count(figures.get('notes') or 0, 'note'))
    return ', '.join(parts)


def describe_upload(upload):
    """One line for `status` and the page: the file, its size and what became of it."""
    text = f"{upload['path']} ({upload['size']:,} bytes, {when(upload['stored_at'])})"
    if upload['problem']:
        return f"{text}: stored unchanged, but not read: {upload['problem']}"
    if upload['unread']:
        return f'{text}: being read'
    return text + (': read' if is_statistics_file(upload['path']) else ': stored')
