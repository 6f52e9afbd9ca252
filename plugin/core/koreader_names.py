"""The file names KOReader gives books it downloads from an OPDS catalog (reference §7),
so that their "filename" digests can be predicted.

KOReader works on UTF-8 bytes (Lua strings); so do the length limits here. Two naming
modes: the default `Author - Title.ext`, and "use server filenames" (the quoted
Content-Disposition name). Two sanitising variants: strict (vfat storage on Kobo,
Kindle, PocketBook, and always on Android) and lenient (other filesystems).
"""

import re

# (extension, MIME) in KOReader's registration order: crengine, pdf, djvu, pictures.
# The first extension registered for a MIME type is the one KOReader uses for it.
PROVIDERS = (
    ('azw', 'application/vnd.amazon.mobi8-ebook'), ('azw', 'application/x-mobi8-ebook'),
    ('chm', 'application/vnd.ms-htmlhelp'), ('doc', 'application/msword'),
    ('docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'),
    ('docm', 'application/vnd.ms-word.document.macroEnabled.12'),
    ('epub', 'application/epub+zip'), ('epub', 'application/epub'), ('epub3', 'application/epub+zip'),
    ('fb2', 'application/fb2'), ('fb2', 'application/x-fictionbook+xml'), ('fb2', 'text/fb2+xml'),
    ('fb2.zip', 'application/zip'), ('fb2.zip', 'application/fb2+zip'), ('fb3', 'application/fb3'),
    ('htm', 'text/html'), ('html', 'text/html'), ('htm.zip', 'application/zip'),
    ('htmlz', 'application/html+zip'), ('html.zip', 'application/zip'), ('html.zip', 'application/html+zip'),
    ('log', 'text/plain'), ('log.zip', 'application/zip'), ('md', 'text/plain'), ('md.zip', 'application/zip'),
    ('mobi', 'application/x-mobipocket-ebook'), ('odt', 'application/vnd.oasis.opendocument.text '),
    ('pdb', 'application/vnd.palm'), ('prc', 'application/vnd.palm'), ('rtf', 'application/rtf'),
    ('rtf.zip', 'application/rtf+zip'), ('svg', 'image/svg+xml'), ('tcr', 'application/tcr'),
    ('txt', 'text/plain'), ('txt.zip', 'application/zip'), ('txt.zip', 'application/txt+zip'),
    ('xhtml', 'application/xhtml+xml'), ('xml', 'application/xml'), ('zip', 'application/zip'),
    ('sh', 'application/x-shellscript'), ('py', 'text/x-python'),
    # pdf
    ('cbr', 'application/vnd.comicbook-rar'), ('cbr', 'application/vnd.rar'),
    ('cbt', 'application/vnd.comicbook+tar'), ('cbz', 'application/vnd.comicbook+zip'),
    ('cbz', 'application/x-cbz'), ('cfb', 'application/octet-stream'),
    ('pdf', 'application/pdf'), ('pptx', 'application/vnd.openxmlformats-officedocument.presentationml.presentation'),
    ('tar', 'application/x-tar'), ('xps', 'application/oxps'),
    ('xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
    ('gif', 'image/gif'), ('hdp', 'image/vnd.ms-photo'), ('j2k', 'image/jp2'), ('jp2', 'image/jp2'),
    ('jpeg', 'image/jpeg'), ('jpg', 'image/jpeg'), ('jxr', 'image/jxr'),
    ('pam', 'image/x-portable-arbitrarymap'), ('pbm', 'image/x\u2011portable\u2011bitmap'),
    ('pgm', 'image/x\u2011portable\u2011bitmap'), ('png', 'image/png'),
    ('pnm', 'image/x\u2011portable\u2011bitmap'), ('ppm', 'image/x\u2011portable\u2011bitmap'),
    ('tif', 'image/tiff'), ('tiff', 'image/tiff'), ('wdp', 'image/vnd.ms-photo'), ('webp', 'image/webp'),
    # djvu
    ('djvu', 'image/vnd.djvu'), ('djvu', 'application/djvu'), ('djvu', 'image/x-djvu'), ('djv', 'image/vnd.djvu'),
)
EXTENSIONS = frozenset(ext for ext, _ in PROVIDERS)
MIME_EXTENSION = {}
for _ext, _mime in PROVIDERS:
    MIME_EXTENSION.setdefault(_mime, _ext)
del _ext, _mime

NAME_LIMIT = 240      # bytes of the stem
SUFFIX_LIMIT = 10     # bytes; a longer "suffix" is not an extension
LUA_SPACE = ' \t\n\r\f\v'
INVALID = re.compile(r'[\\/:*?"<>|]')
ENTITIES = (('&lt;', '<'), ('&gt;', '>'), ('&quot;', '"'), ('&lsquo;', '\u2018'), ('&rsquo;', '\u2019'),
            ('&ldquo;', '\u201c'), ('&rdquo;', '\u201d'), ('&mdash;', '\u2014'), ('&apos;', "'"),
            ('&nbsp;', '\u00a0'))


def replace_all_invalid_chars(s):
    """util.replaceAllInvalidChars: \\ / : * ? " < > | become _, trailing dots and spaces go."""
    return INVALID.sub('_', s).rstrip('.' + LUA_SPACE)


def replace_slash(s):
    return s.replace('/', '_')


def split_suffix(name):
    """util.splitFileNameSuffix: split at the last dot."""
    stem, dot, suffix = name.rpartition('.')
    return (stem, suffix) if dot else (name, '')


def _entities_to_text(text):
    for entity, char in ENTITIES:
        text = text.replace(entity, char)
    text = re.sub(r'&#(\d+);', lambda m: _codepoint(int(m.group(1))), text)
    text = re.sub(r'&#x([0-9A-Fa-f]+);', lambda m: _codepoint(int(m.group(1), 16)), text)
    return text.replace('&amp;', '&')


def _codepoint(n):
    try:
        return chr(n)
    except (ValueError, OverflowError):
        return ''


def html_to_plain_text_if_html(text):
    """util.htmlToPlainTextIfHtml, for names that look like HTML."""
    is_html = bool(re.search(r'<[A-Za-z0-9]+.*?>', text, re.S))
    if not is_html and re.search(r'&lt;[A-Za-z]+&gt;', text):
        is_html = True
        text = _entities_to_text(text)
    if not is_html:
        return re.sub(r'\]\]>[' + LUA_SPACE + r']*$', '', text)
    ws = '[' + LUA_SPACE + ']*'
    text = re.sub(ws + '<' + ws + 'br' + ws + '/?>' + ws, '\n', text)
    text = re.sub(ws + '</' + ws + 'p' + ws + '>' + ws, '\n', text)
    text = re.sub(ws + '<' + ws + 'p' + ws + '/>' + ws, '\n', text)
    text = re.sub(ws + '<' + ws + 'p' + ws + '>' + ws, '\n\t', text)
    text = re.sub(r'<[^>]*>', '', text)
    text = _entities_to_text(text)
    return text.strip('\n' + LUA_SPACE)


def _truncate_utf8(s, limit):
    return s.encode('utf-8')[:limit].decode('utf-8', 'ignore')


def safe_filename(name, strict=True):
    """util.getSafeFilename(name, download_dir)."""
    replace = replace_all_invalid_chars if strict else replace_slash
    stem, suffix = split_suffix(name)
    if len(suffix.encode('utf-8')) > SUFFIX_LIMIT:
        stem, suffix = name, ''
    stem = re.sub(r'\r?\n', ' ', stem).replace('\t', ' ')
    stem = html_to_plain_text_if_html(stem)
    stem = _truncate_utf8(stem, NAME_LIMIT)
    if suffix:
        return replace(stem) + '.' + replace(suffix)
    return replace(stem)


def file_type(href, mime):
    """OPDSBrowser.getFiletype: the href's registered suffix, else the MIME's first extension."""
    suffix = split_suffix(href)[1].lower()
    if suffix in EXTENSIONS:
        return suffix
    return MIME_EXTENSION.get(mime)


def opds_default_names(title, author, mime, href):
    """Default OPDS download names (strict and lenient), or () when KOReader offers no download.

    title and author are what the OPDS entry shows; author None means the entry had no
    <author> (KOReader then says "Unknown Author"), '' an empty <name> (no prefix).
    """
    ext = file_type(href, mime)
    if not ext:
        return ()
    title = title or 'Unknown'
    if author is None:
        author = 'Unknown Author'
    base = f'{author} - {title}' if author else title
    name = replace_all_invalid_chars(base) + '.' + ext.lower()
    return _variants(name)


def content_disposition_name(header):
    """The name KOReader takes from a Content-Disposition header, or None."""
    m = re.search(r'filename="([^"]+)"', header or '')
    if not m:
        m = re.search(r'filename=([^;]+)', header or '')
    return m.group(1) if m else None


def _url_decode(s):
    return re.sub(rb'%([0-9A-Fa-f]{2})', lambda m: bytes([int(m.group(1), 16)]),
                  s.encode('utf-8')).decode('utf-8', 'replace')


def server_file_names(content_disposition, mime, href):
    """Names under "use server filenames" (strict and lenient), or ()."""
    ext = file_type(href, mime)
    name = content_disposition_name(content_disposition)
    if not ext or not name:
        return ()
    if split_suffix(name)[1].lower() not in EXTENSIONS:
        name = name + '.' + ext.lower()
    return _variants(_url_decode(name))


def _variants(name):
    strict, lenient = safe_filename(name, True), safe_filename(name, False)
    return (strict,) if strict == lenient else (strict, lenient)
