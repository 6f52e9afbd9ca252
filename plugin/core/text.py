"""How titles and authors are compared: case, Unicode forms and spacing do not count."""

import re
import unicodedata


def normalise(text):
    return re.sub(r'\s+', ' ', unicodedata.normalize('NFKC', text or '').casefold()).strip()


def authors_set(authors):
    """KOReader separates authors with newlines; calibre keeps a list."""
    if isinstance(authors, str):
        authors = authors.split('\n')
    return frozenset(filter(None, (normalise(a) for a in authors or ())))
