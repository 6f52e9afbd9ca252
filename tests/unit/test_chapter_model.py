"""A position in crengine's view of a chapter and in calibre's reader's view name the same
character: the probe vectors of shared/reference/positions.md §1.8 (crengine's column is real
crengine output at DOM 20240114; calibre's is calibre 6.13's encoding of the same file)."""

import pytest

from bookboss.plugin.core.chapter_model import (
    body_of, cfi_path, parse_chapter, pointer_steps, resolve_cfi_path, resolve_steps)
from bookboss.plugin.core.xpointer import parse, write
from probe_book import C1, C3, VECTORS

def char_at(point):
    return point.chunk.raw[point.offset]


@pytest.fixture(scope='module')
def body():
    return body_of(parse_chapter(C1))


@pytest.mark.parametrize('what, xp, cfi, char', VECTORS, ids=[v[0] for v in VECTORS])
def test_a_crengine_pointer_becomes_calibres_cfi_for_the_same_character(body, what, xp, cfi, char):
    pointer = parse('/body/DocFragment[1]/body' + xp)
    point = resolve_steps(body, pointer.steps, pointer.offset)
    assert point is not None and char_at(point) == char
    assert cfi_path(body, point) == cfi


@pytest.mark.parametrize('what, xp, cfi, char', VECTORS, ids=[v[0] for v in VECTORS])
def test_calibres_cfi_becomes_the_crengine_pointer_crengine_writes(body, what, xp, cfi, char):
    point = resolve_cfi_path(body, cfi)
    assert point is not None and char_at(point) == char
    steps, offset = pointer_steps(body, point)
    assert write(parse('/body/DocFragment[1]/body' + xp)._replace(steps=steps, offset=offset)) == \
        '/body/DocFragment[1]/body' + xp


@pytest.mark.parametrize('xp', ['/p[1]/text().99', '/p[3]/text()[2].1', '/p[11]', '/section/p'])
def test_pointers_crengine_cannot_resolve_are_not_resolved(body, xp):
    pointer = parse('/body/DocFragment[1]/body' + xp)
    assert resolve_steps(body, pointer.steps, pointer.offset) is None


def test_text_over_8192_characters_is_two_crengine_nodes_cut_after_a_space():
    body = body_of(parse_chapter(C3))
    pointer = parse('/body/DocFragment[3]/body/p/text()[2].0')
    point = resolve_steps(body, pointer.steps, pointer.offset)
    assert point.offset == 8190
    assert cfi_path(body, point) == '/2/4/2/1:8190'
    steps, offset = pointer_steps(body, resolve_cfi_path(body, '/2/4/2/1:8190'))
    assert write(pointer._replace(steps=steps, offset=offset)) == '/body/DocFragment[3]/body/p/text()[2].0'
