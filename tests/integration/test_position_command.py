"""`calibre-debug -r BookBoss -- position BOOK.epub --xpointer XP | --cfi CFI`: one conversion, its
quality and the text it reaches, on the probe book of the positions reference."""

import json

from probe_book import write_epub


def position(home, *args):
    result = home.run('calibre-debug', '-r', 'BookBoss', '--', 'position', *args, check=False)
    return result.returncode, result.stdout, result.stderr


def test_the_position_command_converts_both_ways_and_says_how_well(home, tmp_path):
    epub = write_epub(tmp_path / 'probe.epub')
    code, out, _ = position(home, str(epub), '--xpointer', '/body/DocFragment[1]/body/p[1]/text().7', '--json')
    assert code == 0 and json.loads(out) == {'cfi': 'epubcfi(/2/2/4/2/1:13)', 'quality': 'exact',
                                             'text': 'world\n  '}
    code, out, _ = position(home, str(epub), '--cfi', 'epubcfi(/6/2/4/2/1:0)', '--explicit')
    assert code == 0 and 'xpointer: /body[1]/DocFragment[2]/body[1]/p[1]/text()[1].0' in out
    assert 'quality: exact' in out and 'text: Notes, not in the reading order.' in out
    code, _, err = position(home, str(epub), '--xpointer', '/body/DocFragment[9]/body')
    assert code == 1 and 'names no chapter' in err
    code, _, err = position(home, str(tmp_path / 'missing.epub'), '--cfi', 'epubcfi(/2/2/4)')
    assert code == 1 and 'cannot read' in err
