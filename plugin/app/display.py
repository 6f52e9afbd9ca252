"""How times and counts read where people see them: the /koreader page, `status` and the
calibre GUI's BookBoss dialogs (local time, to the minute or the day; '—' for none)."""

import time


def when(timestamp):
    return time.strftime('%Y-%m-%d %H:%M', time.localtime(timestamp)) if timestamp else '—'


def day(timestamp):
    return time.strftime('%Y-%m-%d', time.localtime(timestamp)) if timestamp else '—'


def count(n, noun):
    """count(1, 'book') -> '1 book', count(3, 'note') -> '3 notes'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
