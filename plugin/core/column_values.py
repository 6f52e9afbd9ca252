"""Column sets: which calibre custom columns show one user's reading state, and what
values they should hold. Pure functions over plain data (a set is a dict, field
metadata a dict of column key -> {'datatype', 'display', ...})."""

import math
from datetime import datetime, time as dtime, timezone

from .reading_state import READ, READING, STATUSES, UNREAD

PURPOSES = {
    # purpose: datatypes that can show it
    'status': ('enumeration', 'text', 'bool'),
    'percent': ('int', 'float'),
    'last_read': ('datetime',),
    'finished': ('datetime',),
    'started': ('datetime',),
    'position': ('text', 'comments'),
    'device': ('text', 'comments'),
    # KOReader's reading statistics (a WebDAV upload), apart from the progress purposes above
    'stats_read_time': ('float', 'int', 'text'),  # hours / minutes / "5 h 12 min"
    'stats_pages_read': ('int', 'text'),  # pages read / "120 / 300"
    'stats_first_read': ('datetime',),
    'stats_last_read': ('datetime',),
    'stats_highlights': ('int',),
    'stats_notes': ('int',),
}
STATISTICS_PURPOSES = tuple(p for p in PURPOSES if p.startswith('stats_'))
SET_OPTIONS = ('owner', 'allow_readonly')
LABEL_CHARS = frozenset('abcdefghijklmnopqrstuvwxyz0123456789_')  # calibre labels: [a-z][a-z0-9_]*

DEFAULT_COLUMNS = (
    # purpose, label stem, heading, datatype, display
    # short, distinct headings: a narrow column header still tells them apart
    ('status', 'status', 'Read status', 'enumeration',
     {'enum_values': list(STATUSES), 'enum_colors': []}),
    ('percent', 'percent', 'Progress', 'int', {'number_format': '{}%'}),
    ('last_read', 'last_read', 'Last read', 'datetime', {'date_format': 'dd MMM yyyy'}),
    ('finished', 'finished', 'Finished', 'datetime', {'date_format': 'dd MMM yyyy'}),
)
STATISTICS_COLUMNS = (
    ('stats_read_time', 'stats_time', 'Reading time', 'float', {'number_format': '{:.1f} h'}),
    ('stats_pages_read', 'stats_pages', 'Pages read', 'int', {}),
    ('stats_first_read', 'stats_first', 'First read', 'datetime', {'date_format': 'dd MMM yyyy'}),
    ('stats_last_read', 'stats_last', 'Last session', 'datetime', {'date_format': 'dd MMM yyyy'}),
    ('stats_highlights', 'stats_highlights', 'Highlights', 'int', {}),
    ('stats_notes', 'stats_notes', 'Notes', 'int', {}),
)


def default_labels(user=None, statistics=False):
    """(purpose, label, heading, datatype, display) of the default set, per user when named;
    with statistics, the reading-statistics columns too."""
    suffix = ''.join(c if c in LABEL_CHARS else '_' for c in (user or '').lower()).strip('_')
    out = []
    for purpose, stem, heading, datatype, display in DEFAULT_COLUMNS + (STATISTICS_COLUMNS if statistics else ()):
        label = f'kor_{stem}' + (f'_{suffix}' if suffix else '')
        out.append((purpose, label, f'{heading} ({user})' if user else heading, datatype, display))
    return out


PENDING = 'new column: calibre shows and fills it after a restart'
NOTHING_MAPPED = 'nothing mapped: reading state is kept by BookBoss only'


def problems(column_set, field_metadata):
    """[(purpose, column, message)] for mapped columns that cannot take their values (a column
    created since calibre started is in field_metadata with 'pending': True)."""
    found = []
    for purpose, allowed in PURPOSES.items():
        column = column_set.get(purpose)
        if not column:
            continue
        fm = field_metadata.get(column)
        if fm is None:
            found.append((purpose, column, 'column does not exist (deleted or renamed)'))
        elif fm.get('pending'):
            found.append((purpose, column, PENDING))
        elif fm.get('datatype') not in allowed:
            found.append((purpose, column, f"column type {fm.get('datatype')} cannot show {purpose} "
                                          f"(needs {' or '.join(allowed)})"))
        elif purpose == 'status' and fm['datatype'] == 'enumeration':
            missing = [s for s in STATUSES if s not in (fm.get('display') or {}).get('enum_values', ())]
            if missing:
                found.append((purpose, column, f"enumeration lacks the value(s) {', '.join(missing)}"))
    return found


def usable(column_set, field_metadata):
    """The set with every problematic entry removed."""
    bad = {purpose for purpose, _, _ in problems(column_set, field_metadata)}
    return {p: c for p, c in column_set.items() if p in PURPOSES and c and p not in bad}


def status_from_column(datatype, value, sidecar_status):
    """The current status as the owner's column shows it (a hand edit counts)."""
    if datatype == 'bool':
        if value:
            return READ
        return sidecar_status if sidecar_status in (UNREAD, READING) else UNREAD
    return value or UNREAD


def whole_percent(percentage):
    """0.9999 -> 99, 0.29 -> 29 (not 28: float noise is rounded away before the floor)."""
    return int(math.floor(round(percentage * 100, 6)))


def day_of(timestamp, tz):
    """A Unix time as noon of its local day, in UTC (dates are stored to the day)."""
    local = datetime.fromtimestamp(timestamp, tz)
    return datetime.combine(local.date(), dtime(12), tz).astimezone(timezone.utc)


def same_day(a, b, tz):
    return a is not None and b is not None and a.astimezone(tz).date() == b.astimezone(tz).date()


def desired_values(column_set, field_metadata, state, position, tz):
    """{column: value} the set's columns should show for this reading state and position."""
    want = {}
    cols = usable(column_set, field_metadata)
    status = state.get('status')
    if 'status' in cols and status:
        if field_metadata[cols['status']]['datatype'] == 'bool':
            if status == READ:  # a Yes/No column is only ever set to Yes
                want[cols['status']] = True
        else:
            want[cols['status']] = status
    if 'percent' in cols and state.get('percentage') is not None:
        want[cols['percent']] = whole_percent(state['percentage'])
    for purpose in ('last_read', 'finished', 'started'):
        if purpose in cols and state.get(purpose):
            want[cols[purpose]] = day_of(state[purpose], tz)
    if position:
        if 'position' in cols:
            want[cols['position']] = position['progress']
        if 'device' in cols:
            want[cols['device']] = position['device']
    return want


def statistics_values(column_set, field_metadata, figures, tz):
    """{column: value} the set's statistics columns should show for a book's figures
    ({'read_time' s, 'pages_read', 'pages', 'first_read', 'last_read' (Unix s), 'highlights',
    'notes'}; a missing or None figure leaves its column alone)."""
    want = {}
    cols = usable(column_set, field_metadata)
    for purpose in STATISTICS_PURPOSES:
        column = cols.get(purpose)
        value = _statistic(purpose, field_metadata[column]['datatype'], figures, tz) if column else None
        if value is not None:
            want[column] = value
    return want


def _statistic(purpose, datatype, figures, tz):
    if purpose == 'stats_read_time':
        seconds = figures.get('read_time')
        if seconds is None:
            return None
        if datatype == 'float':
            return round(seconds / 3600, 2)
        return seconds // 60 if datatype == 'int' else reading_time_text(seconds)
    if purpose == 'stats_pages_read':
        read = figures.get('pages_read')
        if read is None or datatype == 'int':
            return read
        return pages_read_text(read, figures.get('pages'))
    if purpose in ('stats_first_read', 'stats_last_read'):
        when = figures.get(purpose[len('stats_'):])
        return day_of(when, tz) if when else None
    return figures.get(purpose[len('stats_'):])


def pages_read_text(read, pages):
    """(120, 300) -> '120 / 300'; (120, None) -> '120'."""
    return f'{read} / {pages}' if pages else str(read)


def reading_time_text(seconds):
    """7500 -> '2 h 5 min', 300 -> '5 min'."""
    hours, minutes = divmod(int(seconds) // 60, 60)
    return f'{hours} h {minutes} min' if hours else f'{minutes} min'


def changed_values(want, current, field_metadata, tz):
    """The subset of want that differs visibly from the current column values."""
    out = {}
    for column, value in want.items():
        old = current.get(column)
        datatype = field_metadata[column]['datatype']
        if datatype == 'datetime':
            if same_day(old, value, tz):
                continue
        elif datatype == 'bool':
            if bool(old) == bool(value):
                continue
        elif datatype == 'int':
            if old is not None and int(old) == value:
                continue
        elif datatype == 'float':  # shown to a tenth (hours of reading, a whole percent)
            if old is not None and round(float(old), 1) == round(value, 1):
                continue
        elif old == value:
            continue
        out[column] = value
    return out
