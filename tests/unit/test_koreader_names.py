"""KOReader's OPDS download names (reference §7), against vectors."""

import hashlib

import pytest

from bookboss.plugin.core.koreader_names import (
    content_disposition_name, file_type, opds_default_names, safe_filename, server_file_names)

HREF = '/get/epub/12/Library'


def md5(s):
    return hashlib.md5(s.encode('utf-8')).hexdigest()


def test_reference_vector_dune():
    names = opds_default_names('Dune: Messiah', 'Frank Herbert', 'application/epub+zip', HREF)
    assert names[0] == 'Frank Herbert - Dune_ Messiah.epub'
    assert md5(names[0]) == 'fc744e550d4976eea195c3fdd51c5fba'


def test_reference_vector_azw3_saves_as_azw_and_trailing_dots_go():
    names = opds_default_names('What?  Really... ', 'A & B', 'application/x-mobi8-ebook', '/get/azw3/3/L')
    assert names[0] == 'A & B - What_  Really.azw'
    assert md5(names[0]) == '64c9cada4a95d062a5c53dc2a6492816'


@pytest.mark.parametrize('char', list('\\/:*?"<>|'))
def test_every_forbidden_character_becomes_an_underscore(char):
    assert opds_default_names(f'a{char}b', 'X', 'application/epub+zip', HREF)[0] == 'X - a_b.epub'


def test_unicode_is_kept_as_is_without_normalisation():
    assert opds_default_names('Café Ünïcode 书', 'Zoë', 'application/epub+zip', HREF) == (
        'Zoë - Café Ünïcode 书.epub',)
    decomposed = 'Cafe\u0301'
    assert opds_default_names(decomposed, 'Z', 'application/epub+zip', HREF) == (f'Z - {decomposed}.epub',)


def test_no_author_element_is_unknown_author_and_empty_name_has_no_prefix():
    assert opds_default_names('T', None, 'application/epub+zip', HREF) == ('Unknown Author - T.epub',)
    assert opds_default_names('T', '', 'application/epub+zip', HREF) == ('T.epub',)


def test_several_authors_keep_calibres_ampersand():
    assert opds_default_names('T', 'Ann Author & Bob Writer', 'application/epub+zip', HREF) == (
        'Ann Author & Bob Writer - T.epub',)


def test_titles_longer_than_240_bytes_are_cut_without_breaking_utf8():
    title = 'é' * 200  # 400 bytes
    strict, = opds_default_names(title, 'A', 'application/epub+zip', HREF)
    stem = strict[:-len('.epub')]
    assert len(stem.encode()) <= 240 and stem == ('A - ' + 'é' * 200).encode()[:240].decode('utf-8', 'ignore')
    assert strict.endswith('.epub')


def test_a_cut_ending_in_a_space_differs_between_strict_and_lenient():
    title = 'x' * 235 + ' yyyyyy'  # 'A - ' + 235 x + ' ' ends exactly at byte 240
    strict, lenient = opds_default_names(title, 'A', 'application/epub+zip', HREF)
    assert strict == 'A - ' + 'x' * 235 + '.epub'
    assert lenient == 'A - ' + 'x' * 235 + ' .epub'


@pytest.mark.parametrize('mime,ext', [
    ('application/epub+zip', 'epub'), ('application/pdf', 'pdf'), ('application/x-mobipocket-ebook', 'mobi'),
    ('application/x-mobi8-ebook', 'azw'), ('text/plain', 'log'), ('application/x-cbz', 'cbz'),
    ('text/fb2+xml', 'fb2'), ('application/zip', 'fb2.zip'), ('text/html', 'htm'),
    ('application/octet-stream', 'cfb'), ('application/rtf', 'rtf'), ('image/vnd.djvu', 'djvu')])
def test_each_formats_extension_follows_koreaders_mime_table(mime, ext):
    assert file_type('/get/x/1/Library', mime) == ext


@pytest.mark.parametrize('mime', ['application/x-cbr', 'text/rtf', 'application/x-unknown'])
def test_mime_types_koreader_does_not_know_get_no_download(mime):
    assert opds_default_names('T', 'A', mime, '/get/cbr/1/L') == ()


def test_a_registered_href_suffix_wins_over_the_mime():
    assert file_type('/get/epub/1/My.pdf', 'application/epub+zip') == 'pdf'
    assert file_type('/get/epub/1/My.Books', 'application/epub+zip') == 'epub'


def test_calibre_content_disposition_title_first_name():
    header = ('attachment; filename="Test Book Two_ A Very Long Tit - Bob Ecrivain_2.epub"; '
              "filename*=utf-8''Test%20Book%20Two%EF%BC%9A.epub")
    assert content_disposition_name(header) == 'Test Book Two_ A Very Long Tit - Bob Ecrivain_2.epub'
    assert server_file_names(header, 'application/epub+zip', HREF) == (
        'Test Book Two_ A Very Long Tit - Bob Ecrivain_2.epub',)


def test_server_name_with_an_unregistered_suffix_gets_the_mime_extension():
    header = 'attachment; filename="Title - Author_3.azw3"'
    assert server_file_names(header, 'application/x-mobi8-ebook', '/get/azw3/3/L') == ('Title - Author_3.azw3.azw',)


def test_safe_filename_long_suffix_is_not_an_extension():
    assert safe_filename('name.averyveryverylongsuffix') == 'name.averyveryverylongsuffix'


def test_html_looking_names_become_plain_text():
    assert safe_filename('a <b>bold</b> title.epub') == 'a bold title.epub'
    assert safe_filename('x &lt;br&gt; y.epub') == 'x\ny.epub'
