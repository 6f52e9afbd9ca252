"""The probe book of shared/reference/positions.md §1.8: spine c1, c2 (linear="no"), c3, and its
vectors. crengine's column is real crengine output at DOM 20240114 (the reference's probe); calibre's
is calibre 6.13's CFI encoding of the same file. Shared by the unit and integration tests."""

C1 = '''<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>c1</title></head><body>
<p>
    Hello   world
  </p>
<div>
<p>a</p>
<p>b</p>
</div>
<p>one <em>two</em> three</p>
<p><em>a</em> <em>b</em></p>
<p>a<!-- c -->b</p>
<p>x<br/>y</p>
<div>loose text<p>para</p>more</div>
<p>ab\U0001F600cd efgh</p>
<p>a&amp;b&#160;c</p>
<pre>
  a\tb</pre>
<p><span/>text</p>
<p>a<![CDATA[b]]>c</p>
<table><tr><td>cell</td></tr></table>
<div><img src="x.png"/></div>
<p>
<em>delta</em>
epsilon zeta
</p>
</body></html>
'''
C3 = ('<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>c3</title>'
      '</head><body>\n<p>' + ('abcdefghi ' * 1000)[:9999] + '</p>\n</body></html>')

VECTORS = [  # (what, crengine pointer below /body/DocFragment[1]/body, calibre CFI path below the spine step, character)
    ('w of world', '/p[1]/text().7', '/2/4/2/1:13', 'w'),
    ('t of three', '/p[2]/text()[2].1', '/2/4/6/1:5', 't'),
    ('the space between the ems', '/p[3]/text().0', '/2/4/8/2:0', ' '),
    ('b after the comment', '/p[4]/text()[2].0', '/2/4/10/1:1', 'b'),
    ('y after <br/>', '/p[5]/text()[2].0', '/2/4/12/1:1', 'y'),
    ('more (autoBoxed)', '/div[2]/text()[2].0', '/2/4/14/1:10', 'm'),
    ('c after the astral character', '/p[6]/text().3', '/2/4/16/1:4', 'c'),
    ('b in pre', '/pre/text().7', '/2/4/20/1:5', 'b'),
    ('text after <span/>', '/p[8]/text().0', '/2/4/22/2:0', 't'),
    ('epsilon', '/p[10]/text().1', '/2/4/30/1:2', 'e'),
]

C2 = ('<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>c2</title>'
      '</head><body>\n<p>Notes, not in the reading order.</p>\n</body></html>')
OPF = '''<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Probe</dc:title></metadata>
<manifest><item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/>
<item id="c2" href="c2.xhtml" media-type="application/xhtml+xml"/>
<item id="c3" href="c3.xhtml" media-type="application/xhtml+xml"/></manifest>
<spine><itemref idref="c1"/><itemref idref="c2" linear="no"/><itemref idref="c3"/></spine>
</package>'''
CONTAINER = '''<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>'''
FILES = {'META-INF/container.xml': CONTAINER, 'OEBPS/content.opf': OPF, 'OEBPS/c1.xhtml': C1, 'OEBPS/c2.xhtml': C2,
         'OEBPS/c3.xhtml': C3}

# A second probe book: nested lists and tables, non-ASCII text, an image between blocks.
L1 = '''<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>l1</title></head><body>
<h1>Listes imbriquées — Überschrift</h1>
<ul>
  <li>one
    <ul>
      <li>one.<em>a</em> tail</li>
      <li>one.b
        <ol><li>deep «x»</li><li>deeper ζ</li></ol>
      </li>
    </ul>
  </li>
  <li>two <b>bold</b> end</li>
</ul>
<table>
  <tr><th>head 1</th><th>head 2</th></tr>
  <tr><td>cell <i>i</i> one</td><td><table><tr><td>inner cell</td></tr></table></td></tr>
</table>
<p>before<img src="x.png" alt=""/>after the image</p>
<dl><dt>term</dt><dd>definition &amp; more</dd></dl>
</body></html>
'''
L_OPF = OPF.replace('c1.xhtml', 'l1.xhtml').replace('<itemref idref="c2" linear="no"/><itemref idref="c3"/>', '')
LIST_FILES = {'META-INF/container.xml': CONTAINER, 'OEBPS/content.opf': L_OPF, 'OEBPS/l1.xhtml': L1}


def write_epub(path, files=None):
    """The book's files zipped as an EPUB (mimetype first); returns path."""
    import zipfile
    with zipfile.ZipFile(path, 'w') as z:
        z.writestr('mimetype', 'application/epub+zip')
        for name, text in (FILES if files is None else files).items():
            z.writestr(name, text)
    return path
