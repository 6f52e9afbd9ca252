"""KOReader's XPointers: the three forms it writes, read and written back
(shared/reference/positions.md §1.2, §1.8 and §6.1; examples are real crengine output)."""

import pytest

from bookboss.plugin.core.xpointer import (
    CLASSIC, EXPLICIT, V1, NotAnXPointer, Step, XPointer, is_page, parse, write)


@pytest.mark.parametrize('text, fragment, steps, offset, form', [
    ('/body/DocFragment[1]/body/p[2]/text()[2].1', 1, (Step('p', 2), Step('text()', 2)), 1, CLASSIC),
    ('/body/DocFragment[1]/body/p[1]/text().7', 1, (Step('p', 1), Step('text()')), 7, CLASSIC),
    ('/body/DocFragment[1]/body/pre/text().7', 1, (Step('pre'), Step('text()')), 7, CLASSIC),
    ('/body[1]/DocFragment[1]/body[1]/p[1]/text()[1].7', 1, (Step('p', 1), Step('text()', 1)), 7, EXPLICIT),
    ('/body/DocFragment[1]/body/div[2]/autoBoxing[1]/text().0', 1,
     (Step('div', 2), Step('autoBoxing', 1), Step('text()')), 0, V1),
    ('/body/DocFragment/body/p/text().0', 1, (Step('p'), Step('text()')), 0, CLASSIC),  # one spine item
    ('/body/DocFragment[3]/body/p/text()[2].0', 3, (Step('p'), Step('text()', 2)), 0, CLASSIC),
    ('/body/DocFragment[12]/body/div/img.0', 12, (Step('div'), Step('img')), 0, CLASSIC),
    ('/body/DocFragment[12]/body/p[51].0', 12, (Step('p', 51),), 0, CLASSIC),  # a child-node index
    ('/body/DocFragment[12]/body/p[51]', 12, (Step('p', 51),), None, CLASSIC),
    ('/body/DocFragment[4]/body', 4, (), None, CLASSIC),
    ('/body/DocFragment[2]/body/p/text()', 2, (Step('p'), Step('text()')), None, CLASSIC),
    ('/body/DocFragment[2]/body/3/text().5', 2, (Step('3'), Step('text()')), 5, CLASSIC),
])
def test_every_form_koreader_writes_is_read(text, fragment, steps, offset, form):
    pointer = parse(text)
    assert (pointer.fragment, pointer.steps, pointer.offset, pointer.form) == (fragment, steps, offset, form)


def test_a_bare_docfragment_is_its_chapter_start():
    pointer = parse('/body/DocFragment[7]')
    assert (pointer.fragment, pointer.steps, pointer.body) == (7, (), False)
    assert write(pointer.chapter) == '/body/DocFragment[7]/body'


@pytest.mark.parametrize('text', [
    '12', ' 12 ', '', 'garbage', '/', '//p', '/html/body/p', '/body/DocFragment[0]/body',
    '/body/DocFragment[1]/head/p', '/body/DocFragment[1]/body/text()/p.1', '/body/DocFragment[1]/body/p[x]',
    '/body/DocFragment[1].4', '/body/DocFragment[1]/body/p[0]', '/body[2]/DocFragment[1]/body', None, 12,
])
def test_page_numbers_and_damaged_pointers_are_not_xpointers(text):
    with pytest.raises(NotAnXPointer):
        parse(text)


def test_page_numbers_are_recognised_as_paged_progress():
    assert is_page('12') and not is_page('/body/DocFragment[1]/body') and not is_page(None)


@pytest.mark.parametrize('text', [
    '/body/DocFragment[1]/body/p[2]/text()[2].1',
    '/body/DocFragment[1]/body/div[2]/text()[2].0',
    '/body/DocFragment[2]/body/p/text().0',
    '/body/DocFragment[12]/body/p[51].0',
    '/body[1]/DocFragment[1]/body[1]/p[1]/text()[1].7',
])
def test_a_pointer_is_written_back_as_it_was_read(text):
    assert write(parse(text)) == text


def test_explicit_form_indexes_every_step_and_classic_keeps_the_steps_as_given():
    pointer = parse('/body/DocFragment[3]/body/div/p[2]/text().4')
    assert write(pointer, EXPLICIT) == '/body[1]/DocFragment[3]/body[1]/div[1]/p[2]/text()[1].4'
    explicit = parse('/body[1]/DocFragment[3]/body[1]/div[1]/p[2]/text()[1].4')
    assert write(explicit, CLASSIC) == '/body/DocFragment[3]/body/div[1]/p[2]/text()[1].4'
    assert write(XPointer(5, (), None, EXPLICIT)) == '/body[1]/DocFragment[5]/body[1]'
