"""Real crengine's XPointers for the probe book (tests/data/crengine_probe_vectors.json, made with a
crengine built here; tests/data/crengine-vectors.md says how): every one converts to calibre's CFI
and back to exactly crengine's string, reaching crengine's text, at DOM 20240114 (classic V2,
KOReader v2026.07) and 20260812 (explicit V2), except a point inside a tab crengine expanded in
<pre> (several columns, one source character: it comes back at the tab's first column); V1
pointers (20180528) are read."""

import json
import os
import re

import pytest

from bookboss.plugin.core.positions import EXACT, Book
from bookboss.plugin.core.xpointer import CLASSIC, EXPLICIT, V1, parse
from probe_book import FILES, LIST_FILES

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'data', 'crengine_probe_vectors.json')
with open(DATA, encoding='utf-8') as f:
    BOOKS = json.load(f)['books']
VECTORS = BOOKS['probe']
FILES_OF = {'probe': FILES, 'lists': LIST_FILES}


def same_text(ours, crengines):
    """crengine shows whitespace collapsed (and tabs in <pre> expanded): compare that way."""
    a, b = re.sub(r'\s+', ' ', ours), re.sub(r'\s+', ' ', crengines)
    n = min(len(a), len(b), 12)
    return a[:n] == b[:n]


def book_of(name):
    return Book(lambda path: FILES_OF[name][path].encode('utf-8'))


@pytest.fixture(scope='module')
def book():
    return book_of('probe')


@pytest.mark.parametrize('name', ['probe', 'lists'])
@pytest.mark.parametrize('dom, form', [('20240114', CLASSIC), ('20260812', EXPLICIT)])
def test_every_crengine_pointer_converts_both_ways_exactly(name, dom, form):
    book = book_of(name)
    for xpointer, text in BOOKS[name][dom]:
        assert parse(xpointer).form == form or (form == CLASSIC and parse(xpointer).form == CLASSIC), xpointer
        cfi = book.to_cfi(xpointer)
        assert cfi is not None and cfi.quality == EXACT, (xpointer, cfi)
        assert same_text(cfi.text, text), (xpointer, cfi.text, text)
        back = book.to_xpointer(cfi.position, form)
        assert back.quality == EXACT, (xpointer, cfi.position, back)
        if back.position != xpointer:  # only inside a tab crengine expanded in <pre>: one source character
            assert '\t' in back.text[:1] and book.to_cfi(back.position).position == cfi.position, (xpointer, back)


def test_v1_pointers_are_read_and_name_boxing_elements():
    forms = {parse(xpointer).form for xpointer, _ in VECTORS['20180528']}
    assert V1 in forms and any('autoBoxing' in xpointer for xpointer, _ in VECTORS['20180528'])


def test_v1_pointers_without_boxes_convert_exactly(book):
    for xpointer, text in VECTORS['20180528']:
        if 'Boxing' in xpointer:
            continue
        cfi = book.to_cfi(xpointer)
        assert cfi.quality == EXACT and same_text(cfi.text, text), (xpointer, cfi, text)
