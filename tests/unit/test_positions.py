"""KOReader XPointer ⇄ calibre CFI over a whole EPUB: the probe book of
shared/reference/positions.md §1.8 (spine c1, c2 linear="no", c3), its vectors, and the
fallbacks: never a position that does not resolve."""

import pytest

from bookboss.plugin.core.positions import CHAPTER, ELEMENT, EXACT, Book
from bookboss.plugin.core.xpointer import EXPLICIT
from probe_book import FILES, VECTORS

@pytest.fixture(scope='module')
def book():
    return Book(lambda name: FILES[name].encode('utf-8'))


@pytest.mark.parametrize('what, xp, cfi, char', VECTORS, ids=[v[0] for v in VECTORS])
def test_probe_vectors_convert_both_ways_exactly(book, what, xp, cfi, char):
    to_cfi = book.to_cfi('/body/DocFragment[1]/body' + xp)
    assert to_cfi.position == f'epubcfi(/2{cfi})' and to_cfi.quality == EXACT and to_cfi.text.startswith(char)
    back = book.to_xpointer(to_cfi.position)
    assert back.position == '/body/DocFragment[1]/body' + xp and back.quality == EXACT


def test_a_non_linear_item_in_the_middle_is_mapped_through_its_href(book):
    assert book.to_cfi('/body/DocFragment[2]/body/p/text().0').position == 'epubcfi(/6/2/4/2/1:0)'
    assert book.to_cfi('/body/DocFragment[3]/body/p/text()[2].0').position == 'epubcfi(/4/2/4/2/1:8190)'
    assert book.to_xpointer('epubcfi(/6/2/4/2/1:0)').position == '/body/DocFragment[2]/body/p/text().0'
    assert book.to_xpointer('epubcfi(/4/2/4/2/1:8190)').position == '/body/DocFragment[3]/body/p/text()[2].0'


def test_the_explicit_form_is_answered_in_the_explicit_form(book):
    back = book.to_xpointer('epubcfi(/2/2/4/2/1:13)', EXPLICIT)
    assert back.position == '/body[1]/DocFragment[1]/body[1]/p[1]/text()[1].7' and back.quality == EXACT
    assert book.to_cfi(back.position).position == 'epubcfi(/2/2/4/2/1:13)'


@pytest.mark.parametrize('xp, cfi, quality', [
    ('/body/DocFragment[1]/body/p[1]/text().99', 'epubcfi(/2/2/4/2)', ELEMENT),  # offset past the text
    ('/body/DocFragment[1]/body/p[3]/text()[2].1', 'epubcfi(/2/2/4/8)', ELEMENT),  # no second text node
    ('/body/DocFragment[1]/body/p[11]/text().0', 'epubcfi(/2/2/4)', CHAPTER),  # no such paragraph
    ('/body/DocFragment[1]/body/div[2]/autoBoxing[1]/text().0', 'epubcfi(/2/2/4/14)', ELEMENT),  # V1
    ('/body/DocFragment[3]/body', 'epubcfi(/4/2/4)', CHAPTER),
])
def test_what_cannot_be_converted_exactly_falls_back_to_the_element_then_the_chapter(book, xp, cfi, quality):
    conversion = book.to_cfi(xp)
    assert (conversion.position, conversion.quality) == (cfi, quality)


@pytest.mark.parametrize('position', ['/body/DocFragment[4]/body', '12', 'garbage', '/body/DocFragment[9]/body/p'])
def test_a_pointer_into_no_chapter_of_the_book_is_not_converted(book, position):
    assert book.to_cfi(position) is None


@pytest.mark.parametrize('cfi, xp, quality', [
    ('epubcfi(/2/2/4/4/3:0)', '/body/DocFragment[1]/body/div[1]', ELEMENT),  # whitespace crengine dropped
    ('epubcfi(/2/2/4/2/1:1)', '/body/DocFragment[1]/body/p[1]/text().0', EXACT),  # inside collapsed spaces
    ('epubcfi(/2/2/4/98/1:0)', '/body/DocFragment[1]/body', CHAPTER),  # no such element
    ('epubcfi(/2/2/4)', '/body/DocFragment[1]/body', CHAPTER),
])
def test_a_calibre_position_always_becomes_a_pointer_that_resolves(book, cfi, xp, quality):
    conversion = book.to_xpointer(cfi)
    assert (conversion.position, conversion.quality) == (xp, quality)
    assert book.to_cfi(conversion.position) is not None


@pytest.mark.parametrize('cfi', ['epubcfi(/8/2/4)', 'epubcfi(/3/2/4)', 'nonsense', None])
def test_a_cfi_into_no_chapter_is_not_converted(book, cfi):
    assert book.to_xpointer(cfi) is None
