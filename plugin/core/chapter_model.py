"""One EPUB chapter (an XHTML spine item) as crengine and calibre's web reader each see it, so a
position in one names the same character in the other (shared/reference/positions.md).

Both start from one XML parse of the file (entities decoded, line ends normalised). crengine
(§1.4-1.6): element steps count same-name element siblings; it keeps no empty text, no
whitespace-only text as a block's first child nor at the edges of inline runs in mixed
content; comments, CDATA sections and 8,192 characters (cut after the last space) split text;
offsets are code points of the whitespace-collapsed text (in <pre>: tabs expanded, the first
newline dropped). calibre's reader (§3.1-3.2): elements are steps 2, 4, …; comments and
processing instructions are dropped but split text, CDATA does not; whitespace stays verbatim;
a text offset is cumulative UTF-16 over the parent's direct text children, written on its first
child. Book CSS is not modelled: display and white-space follow the HTML defaults by tag.
"""

import html.entities
import re
import xml.parsers.expat
from typing import NamedTuple, Optional

from .xpointer import TEXT, Step

BLOCK = frozenset((
    'address article aside blockquote body center dd details dialog dir div dl dt fieldset figcaption figure '
    'footer form h1 h2 h3 h4 h5 h6 header hr html legend li main menu nav ol p pre section summary table tbody '
    'td tfoot th thead tr ul caption').split())
PRE = frozenset(('pre', 'textarea', 'listing', 'xmp', 'plaintext'))
SPLIT_SIZE = 8192
XML_ENTITIES = frozenset(('amp', 'lt', 'gt', 'quot', 'apos'))
_ENTITY = re.compile(r'&([A-Za-z][A-Za-z0-9]*);')
_SPACE = ' \t\r\n'


class Element:
    __slots__ = ('name', 'parent', 'children')

    def __init__(self, name, parent):
        self.name, self.parent, self.children = name, parent, []


class Chunk:
    """Text between two markup events: kind 'text' or 'cdata'; raw = decoded source text."""
    __slots__ = ('raw', 'kind', 'parent')

    def __init__(self, raw, kind, parent):
        self.raw, self.kind, self.parent = raw, kind, parent


class Mark:
    """A comment or processing instruction: gone in both readers, but it splits text."""
    __slots__ = ('parent',)

    def __init__(self, parent):
        self.parent = parent


class Point(NamedTuple):
    """A character of the chapter: the chunk and the offset in its raw text (or, with chunk None,
    the start of an element)."""
    element: Element
    chunk: Optional[Chunk] = None
    offset: int = 0


class CrText(NamedTuple):
    """One crengine text node: chunk.raw[start:end], as crengine shows it, and for every
    character of it the raw offset it came from."""
    chunk: Chunk
    start: int
    end: int
    shown: str
    raw_at: tuple


def _replace_entities(text):
    def named(m):
        name = m.group(1)
        if name in XML_ENTITIES or name not in html.entities.name2codepoint:
            return m.group(0)
        return f'&#{html.entities.name2codepoint[name]};'
    return _ENTITY.sub(named, text)


def parse_chapter(data):
    """The root element of an XHTML file (bytes or str); ValueError when it is not XML."""
    if isinstance(data, bytes):
        data = data.decode('utf-8-sig', 'replace')
    parser = xml.parsers.expat.ParserCreate(namespace_separator=' ')
    root = Element('#document', None)
    state = {'at': root, 'cdata': False, 'open': None}

    def start(name, attrs):
        element = Element(name.rpartition(' ')[2].lower(), state['at'])
        state['at'].children.append(element)
        state['at'], state['open'] = element, None

    def end(name):
        state['at'], state['open'] = state['at'].parent, None

    def text(data):
        kind = 'cdata' if state['cdata'] else 'text'
        chunk = state['open']
        if chunk is None or chunk.kind != kind:
            chunk = state['open'] = Chunk('', kind, state['at'])
            state['at'].children.append(chunk)
        chunk.raw += data

    def mark(*args):
        state['at'].children.append(Mark(state['at']))
        state['open'] = None

    def cdata(flag):
        state['cdata'], state['open'] = flag, None

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler, parser.CommentHandler, parser.ProcessingInstructionHandler = text, mark, mark
    parser.StartCdataSectionHandler = lambda: cdata(True)
    parser.EndCdataSectionHandler = lambda: cdata(False)
    try:
        parser.Parse(_replace_entities(data), True)
    except xml.parsers.expat.ExpatError as e:
        raise ValueError(f'not XHTML: {e}') from None
    return root


def body_of(root):
    html_el = next((c for c in root.children if isinstance(c, Element) and c.name == 'html'), None)
    body = next((c for c in (html_el.children if html_el else ()) if isinstance(c, Element) and c.name == 'body'), None)
    if body is None:
        raise ValueError('no <html><body>')
    return body


def is_pre(element):
    while element is not None:
        if element.name in PRE:
            return True
        element = element.parent
    return False


def _space_only(text):
    return not text.strip(_SPACE)


def _shown(chunk, start, end, pre, first_in_pre):
    """crengine's text of chunk.raw[start:end] and the raw offset of each character."""
    shown, raw_at = [], []
    raw = chunk.raw
    if pre:
        column, i = 0, start
        if first_in_pre and raw[start:start + 1] == '\n':
            column, i = 1, start + 1  # the newline after <pre> is dropped, but counts as column 1
        while i < end:
            ch = raw[i]
            if ch == '\t':
                pad = 8 - column % 8
                shown.extend(' ' * pad)
                raw_at.extend([i] * pad)
                column += pad
            else:
                shown.append(ch)
                raw_at.append(i)
                column = 1 if ch == '\n' else column + 1
            i += 1
    else:
        for i in range(start, end):
            ch = ' ' if raw[i] in '\t\r\n' else raw[i]
            if ch == ' ' and shown and shown[-1] == ' ':
                continue
            shown.append(ch)
            raw_at.append(i)
    return ''.join(shown), tuple(raw_at)


def _split(chunk):
    """(start, end) of the crengine text nodes of a chunk: at most SPLIT_SIZE characters,
    cut after the last space."""
    raw, start, parts = chunk.raw, 0, []
    while len(raw) - start > SPLIT_SIZE:
        cut = raw.rfind(' ', start, start + SPLIT_SIZE)
        end = cut + 1 if cut >= start else start + SPLIT_SIZE
        parts.append((start, end))
        start = end
    parts.append((start, len(raw)))
    return parts


def crengine_children(element):
    """The children crengine keeps, in order: Elements and CrTexts."""
    pre, block = is_pre(element), element.name in BLOCK
    items = []
    for child in element.children:
        if isinstance(child, Element):
            items.append(child)
        elif isinstance(child, Chunk) and child.raw:
            if not pre and block and not items and _space_only(child.raw):
                continue  # not inserted as a block's first child
            first_in_pre = element.name in PRE and not items
            for start, end in _split(child):
                shown, raw_at = _shown(child, start, end, pre, first_in_pre and start == 0)
                if shown:
                    items.append(CrText(child, start, end, shown, raw_at))
    if pre or not any(isinstance(i, Element) and i.name in BLOCK for i in items):
        return items
    kept, run = [], []

    def flush():
        while run and isinstance(run[0], CrText) and _space_only(run[0].shown):
            run.pop(0)
        while run and isinstance(run[-1], CrText) and _space_only(run[-1].shown):
            run.pop()
        kept.extend(run)
        run.clear()
    for item in items:
        if isinstance(item, Element) and item.name in BLOCK:
            flush()
            kept.append(item)
        else:
            run.append(item)
    flush()
    return kept


def calibre_texts(element):
    """calibre's reader's text children of element: [[chunk, …]] (adjacent chunks are one node;
    comments and processing instructions split)."""
    nodes, current = [], None
    for child in element.children:
        if isinstance(child, Chunk):
            if current is None:
                current = []
                nodes.append(current)
            current.append(child)
        else:
            current = None
    return [n for n in nodes if any(c.raw for c in n)]


def elements(element):
    return [c for c in element.children if isinstance(c, Element)]


# -- crengine pointers -----------------------------------------------------------------------

def resolve_steps(body, steps, offset):
    """The Point a V2 XPointer's steps below <body> name, or None (crengine could not resolve it)."""
    at = body
    for n, step in enumerate(steps):
        last = n == len(steps) - 1
        if step.name == TEXT:
            texts = [c for c in crengine_children(at) if isinstance(c, CrText)]
            k = step.index or 1
            if not last or k > len(texts):
                return None
            node = texts[k - 1]
            point = offset or 0
            if point > len(node.shown):
                return None
            raw = node.raw_at[point] if point < len(node.shown) else node.end
            return Point(at, node.chunk, raw)
        if step.name.isdigit():
            children = crengine_children(at)
            k = int(step.name)
            if k > len(children) or not isinstance(children[k - 1], Element):
                return None
            at = children[k - 1]
            continue
        same = [c for c in elements(at) if c.name == step.name]
        k = step.index or 1
        if k > len(same):
            return None
        at = same[k - 1]
    if offset:  # a point on an element: a child index in crengine's list
        if offset > len(crengine_children(at)):
            return None
    return Point(at)


def pointer_steps(body, point):
    """(steps, offset) of the classic crengine pointer to point, or None when crengine keeps no
    text node there (the character is whitespace it dropped)."""
    path, at = [], point.element
    while at is not body:
        parent = at.parent
        if parent is None:
            return None
        same = [c for c in elements(parent) if c.name == at.name]
        path.append(Step(at.name, same.index(at) + 1 if len(same) > 1 else None))
        at = parent
    steps = list(reversed(path))
    if point.chunk is None:
        return tuple(steps), None
    texts = [c for c in crengine_children(point.element) if isinstance(c, CrText)]
    for k, node in enumerate(texts, 1):
        if node.chunk is point.chunk and node.start <= point.offset <= node.end:
            if point.offset == node.end and k < len(texts) and texts[k].chunk is point.chunk:
                continue  # the first character of the next split part
            shown = next((i for i, raw in enumerate(node.raw_at) if raw >= point.offset), len(node.shown))
            if shown < len(node.shown) and node.raw_at[shown] > point.offset and shown > 0:
                shown -= 1  # inside a collapsed whitespace run: its one space
            steps.append(Step(TEXT, k if len(texts) > 1 else None))
            return tuple(steps), shown
    return None


# -- calibre CFIs ----------------------------------------------------------------------------

def _utf16(text):
    return len(text.encode('utf-16-le')) // 2


def cfi_path(body, point):
    """The CFI path of point in calibre's reader document ('/2/4/…'), spine step excluded."""
    path, at = [], point.element
    while at is not body:
        parent = at.parent
        path.append(2 * (elements(parent).index(at) + 1))
        at = parent
    out = '/2/4' + ''.join(f'/{n}' for n in reversed(path))
    if point.chunk is None:
        return out
    total = 0
    for node in calibre_texts(point.element):
        for chunk in node:
            if chunk is point.chunk:
                total += _utf16(chunk.raw[:point.offset])
                first = point.element.children[0]
                return f'{out}/{1 if isinstance(first, Chunk) else 2}:{total}'
            total += _utf16(chunk.raw)
    return None


_CFI = re.compile(r'(?P<steps>(?:/\d+(?:\[[^\]]*\])?)+)(?::(?P<offset>\d+))?\Z')


def resolve_cfi_path(body, path):
    """The Point a calibre CFI path ('/2/4/…[:offset]', spine step excluded) names, or None."""
    m = _CFI.match(path or '')
    if m is None:
        return None
    steps = [int(n) for n in re.findall(r'/(\d+)(?:\[[^\]]*\])?', m.group('steps'))]
    if steps[:2] != [2, 4]:
        return None
    at = body
    rest = steps[2:]
    offset = m.group('offset')
    for n, step in enumerate(rest):
        last = n == len(rest) - 1
        if step % 2 == 0:
            children = elements(at)
            if step // 2 > len(children):
                return None
            if not (last and offset is not None):
                at = children[step // 2 - 1]
        elif not last:
            return None
    if offset is None:
        return Point(at)
    remaining = int(offset)
    nodes = calibre_texts(at)
    for i, node in enumerate(nodes):
        length = sum(_utf16(c.raw) for c in node)
        if remaining < length or (remaining == length and i == len(nodes) - 1):
            for chunk in node:
                size = _utf16(chunk.raw)
                if remaining < size or chunk is node[-1]:
                    return Point(at, chunk, _code_points(chunk.raw, remaining))
                remaining -= size
        remaining -= length
    return None


def _code_points(text, units):
    """The code-point offset of a UTF-16 offset in text."""
    count = 0
    for i, ch in enumerate(text):
        if count >= units:
            return i
        count += 2 if ord(ch) > 0xFFFF else 1
    return len(text)
