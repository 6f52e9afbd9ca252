"""crengine XPointers as KOReader sends them, parsed into steps and written back.

KOReader writes three forms (shared/reference/positions.md §1.2): V1 (DOM < 20200223, naming
crengine's boxing elements such as `autoBoxing[1]`), classic V2
(`/body/DocFragment[12]/body/div/p[3]/text().42`: `[k]` omitted where the name is unique among
its siblings, `text()` unindexed where its parent keeps one text node) and explicit V2 (DOM >=
20260812: every step indexed, `/body[1]/DocFragment[12]/body[1]/…`). Paged documents (PDF,
CBZ, DjVu) send a page number instead. This module knows the syntax only: which element or text
node a pointer names in a book is the position converter's work.
"""

import re
from typing import NamedTuple, Optional, Tuple

BOXING = frozenset(('autoBoxing', 'tabularBox', 'rubyBox', 'mathBox', 'floatBox', 'inlineBox', 'pseudoElem'))
TEXT = 'text()'
CLASSIC, EXPLICIT, V1 = 'classic', 'explicit', 'v1'

_STEP = re.compile(r'(?P<name>text\(\)|[A-Za-z_][\w.:-]*|\d+)(?:\[(?P<index>\d+)\])?\Z')
_POINT = re.compile(r'(?P<path>.*?)(?:\.(?P<offset>\d+))?\Z', re.S)


class Step(NamedTuple):
    name: str  # an element name, 'text()', or a 1-based child number ('3')
    index: Optional[int] = None  # [k], 1-based; None when the pointer omits it (the first match)

    def __str__(self):
        return self.name if self.index is None else f'{self.name}[{self.index}]'


class XPointer(NamedTuple):
    fragment: int  # the DocFragment: the n-th itemref of the OPF spine (1-based)
    steps: Tuple[Step, ...]  # below the fragment's <body>; () for the chapter start
    offset: Optional[int]  # the point after '.', None when absent
    form: str  # CLASSIC, EXPLICIT or V1
    body: bool = True  # False for a bare '/body/DocFragment[N]' (no '/body' after it)

    @property
    def is_text(self):
        return bool(self.steps) and self.steps[-1].name == TEXT

    @property
    def chapter(self):
        """This pointer's chapter start, which always resolves for an existing fragment."""
        return XPointer(self.fragment, (), None, self.form)

    def __str__(self):
        return write(self)


class NotAnXPointer(ValueError):
    """What KOReader sent is not a crengine XPointer (a page number, or damaged)."""


def is_page(progress):
    """KOReader's progress for a paged document (PDF, CBZ, DjVu): a page number."""
    return isinstance(progress, str) and progress.strip().isdigit()


def parse(text):
    """The XPointer in text (any of the three forms); NotAnXPointer otherwise."""
    if not isinstance(text, str) or not text.startswith('/') or is_page(text):
        raise NotAnXPointer(f'not an XPointer: {text!r}')
    match = _POINT.match(text)
    path, offset = match.group('path'), match.group('offset')
    parts = path.split('/')[1:]
    if not parts or any(not p for p in parts):
        raise NotAnXPointer(f'empty step in {text!r}')
    steps = []
    for part in parts:
        m = _STEP.match(part)
        if m is None:
            raise NotAnXPointer(f'cannot read step {part!r} of {text!r}')
        index = m.group('index')
        steps.append(Step(m.group('name'), int(index) if index is not None else None))
    head = steps[:2]
    if [s.name for s in head] != ['body', 'DocFragment'] or head[0].index not in (None, 1):
        raise NotAnXPointer(f'not a pointer into an EPUB (/body/DocFragment[N]/body/…): {text!r}')
    fragment = head[1].index or 1
    if fragment < 1 or any(s.index == 0 for s in steps):
        raise NotAnXPointer(f'indices are 1-based: {text!r}')
    rest = steps[2:]
    body = bool(rest)
    if body:
        if rest[0].name != 'body' or rest[0].index not in (None, 1):
            raise NotAnXPointer(f'a DocFragment holds one body: {text!r}')
        rest = rest[1:]
    if any(s.name == TEXT for s in rest[:-1]):
        raise NotAnXPointer(f'text() must be the last step: {text!r}')
    if not body and offset is not None:
        raise NotAnXPointer(f'no point on a bare DocFragment: {text!r}')
    if any(s.name in BOXING for s in rest):
        form = V1
    elif head[0].index == 1 or (body and steps[2].index == 1):
        form = EXPLICIT
    else:
        form = CLASSIC
    return XPointer(fragment, tuple(rest), int(offset) if offset is not None else None, form, body)


def write(pointer, form=None, one_fragment=False):
    """The pointer as text in form (default: its own): CLASSIC writes steps as they are (the
    converter leaves an index out where crengine does; one_fragment: a book of one spine item,
    whose DocFragment crengine leaves unindexed), EXPLICIT indexes every step."""
    form = form or pointer.form
    if form == EXPLICIT:
        out = f'/body[1]/DocFragment[{pointer.fragment}]'
        if pointer.body:
            out += '/body[1]' + ''.join('/' + str(s if s.name.isdigit() else Step(s.name, s.index or 1))
                                        for s in pointer.steps)
    else:
        out = '/body/DocFragment' if one_fragment and pointer.fragment == 1 else f'/body/DocFragment[{pointer.fragment}]'
        if pointer.body:
            out += '/body' + ''.join('/' + str(s) for s in pointer.steps)
    if pointer.offset is not None:
        out += f'.{pointer.offset}'
    return out
