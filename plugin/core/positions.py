"""KOReader XPointer ⇄ calibre reader CFI for one EPUB (shared/reference/positions.md).

`read(name) -> bytes` gives the EPUB's files (the host opens the zip). The spine is mapped
through each itemref's href, never by arithmetic: crengine's DocFragment[N] is the N-th itemref
of the OPF spine whose idref is in the manifest (§1.3), calibre's reader puts linear items first
and non-linear ones last, skipping missing files (§3.3). Every conversion is checked by
resolving what it produced, and falls back to the enclosing element, then to the chapter start;
it says which it is.
"""

import posixpath
import re
import xml.etree.ElementTree as ET
from typing import NamedTuple

from . import chapter_model as model
from .xpointer import BOXING, CLASSIC, TEXT, V1, NotAnXPointer, XPointer, parse, write

EXACT, ELEMENT, CHAPTER = 'exact', 'element', 'chapter'
_CFI = re.compile(r'epubcfi\(/(?P<spine>\d+)(?:\[[^\]]*\])?(?P<path>(?:/[^)]*)?)\)\Z')


class Conversion(NamedTuple):
    position: str  # the CFI or XPointer
    quality: str  # EXACT, ELEMENT or CHAPTER
    text: str = ''  # the text at the position (up to 40 characters), for people


class SpineItem(NamedTuple):
    href: str  # the file's name in the EPUB
    linear: bool
    exists: bool


def read_spine(read, names=None):
    """[SpineItem] in OPF order, for the itemrefs whose idref is in the manifest. names: the
    EPUB's file names, when known (else a file exists when read() can read it)."""
    container = ET.fromstring(read('META-INF/container.xml'))
    rootfile = next(e for e in container.iter() if e.tag.endswith('rootfile'))
    opf_name = rootfile.get('full-path')
    opf = ET.fromstring(read(opf_name))
    base = posixpath.dirname(opf_name)
    manifest = {e.get('id'): e.get('href') for e in opf.iter() if e.tag.endswith('}item') or e.tag == 'item'}
    items = []
    for ref in (e for e in opf.iter() if e.tag.endswith('itemref')):
        href = manifest.get(ref.get('idref'))
        if href is None:
            continue
        name = posixpath.normpath(posixpath.join(base, href)) if base else href
        exists = name in names if names is not None else _readable(read, name)
        items.append(SpineItem(name, (ref.get('linear') or 'yes') != 'no', exists))
    return items


def _readable(read, name):
    try:
        read(name)
        return True
    except (KeyError, OSError):
        return False


def calibre_order(spine):
    """The reader's spine: [index into spine] of existing items, linear ones first."""
    present = [i for i, item in enumerate(spine) if item.exists]
    return [i for i in present if spine[i].linear] + [i for i in present if not spine[i].linear]


class Book:

    def __init__(self, read, names=None):
        """read(name) -> bytes of one file of the EPUB; names: all its file names, when known."""
        self.read = read
        self.spine = read_spine(read, None if names is None else frozenset(names))
        self.order = calibre_order(self.spine)
        self.bodies = {}

    def body(self, index):
        if index not in self.bodies:
            self.bodies[index] = model.body_of(model.parse_chapter(self.read(self.spine[index].href)))
        return self.bodies[index]

    # -- KOReader -> calibre ------------------------------------------------------------------

    def to_cfi(self, xpointer):
        """Conversion of a KOReader XPointer (any form) to calibre's CFI, or None when it names
        no chapter of this book."""
        try:
            pointer = parse(xpointer)
        except NotAnXPointer:
            return None
        index = pointer.fragment - 1
        if index >= len(self.spine) or index not in self.order:
            return None
        prefix = f'/{2 * (self.order.index(index) + 1)}'
        body = self.body(index)
        point, quality = None, CHAPTER
        if pointer.form != V1 or not any(s.name in BOXING for s in pointer.steps):
            point = model.resolve_steps(body, pointer.steps, pointer.offset)
            quality = EXACT if point is not None and point.chunk is not None else ELEMENT
        if point is None:  # the enclosing element (a V1 box's insides are counted differently)
            element_steps = tuple(s for s in pointer.steps if s.name != TEXT and s.name not in BOXING)
            point, quality = model.resolve_steps(body, element_steps, None), ELEMENT
        if point is None or point.element is body and point.chunk is None:
            point, quality = model.Point(body), CHAPTER
        return Conversion(f'epubcfi({prefix}{model.cfi_path(body, point)})', quality, _text_at(point))

    # -- calibre -> KOReader ------------------------------------------------------------------

    def to_xpointer(self, cfi, form=CLASSIC):
        """Conversion of a calibre reader CFI to a KOReader XPointer in form (the one the device
        last pushed) that resolves in this book, or None when it names no chapter of it."""
        m = _CFI.match(cfi or '')
        if m is None:
            return None
        spine_step = int(m.group('spine'))
        if spine_step % 2 or not 2 <= spine_step <= 2 * len(self.order):
            return None
        index = self.order[spine_step // 2 - 1]
        body = self.body(index)
        point = model.resolve_cfi_path(body, m.group('path'))
        found = model.pointer_steps(body, point) if point is not None else None
        quality = EXACT if found is not None and (point.chunk is not None or not m.group('path')) else ELEMENT
        if found is None and point is not None:
            found, quality = model.pointer_steps(body, model.Point(point.element)), ELEMENT
        if found is None or (point is not None and point.element is body and point.chunk is None):
            found, quality = ((), None), CHAPTER
        pointer = XPointer(index + 1, found[0], found[1], form)
        one = len(self.spine) == 1
        text = write(pointer, form, one)
        check = model.resolve_steps(body, pointer.steps, pointer.offset)
        if check is None:  # never hand KOReader something it cannot resolve
            pointer, quality, check = pointer.chapter._replace(form=form), CHAPTER, model.Point(body)
            text = write(pointer, form, one)
        return Conversion(text, quality, _text_at(check))


def _text_at(point):
    if point is None or point.chunk is None:
        return ''
    return point.chunk.raw[point.offset:point.offset + 40]
