"""Golden vectors from the protocol reference §6.2."""

import io

import pytest

from bookboss.plugin.core.digests import OFFSETS, name_md5, partial_md5, partial_md5_of


def P(n):
    return bytes((i * 31 + (i >> 8)) % 256 for i in range(n))


@pytest.mark.parametrize('n,digest', [
    (500, '21f0df72cce9bc7da8dae2512ee5feed'),
    (1024, 'f4cd1641040a17288bb6104d9e66bdb5'),
    (1025, '170a888db01c00d8fc3e5d8d84de5838'),
    (2048, 'd0e59a0c7b893c3b8d6a9bddbd64e631'),
    (3000, 'd0e59a0c7b893c3b8d6a9bddbd64e631'),
    (65636, '1c84ee7be522f0d5cd95ae542209dbf0'),
    (200000, '1784b150454ef4cf6780ceb94af0386f'),
    (1050000, '0fca5c751677ecbc2dcfe80ea75ace32'),
])
def test_partial_md5_golden_vectors(n, digest):
    assert partial_md5_of(io.BytesIO(P(n))) == digest


@pytest.mark.parametrize('n,wrong', [(500, 'b7a3f9a8d42688d5f6b1e4e11558e3c5'),
                                     (1025, '78922b97ac3346f38754a89d45201ada'),
                                     (65636, '84a3b5ae5633dd2eeefab9578781d2f5')])
def test_the_padding_bug_is_not_reproduced(n, wrong):
    assert partial_md5_of(io.BytesIO(P(n))) != wrong


def test_first_offset_is_zero_not_256():
    assert partial_md5_of(io.BytesIO(P(200000))) != 'a4c467911c7cce46aa803a42866f5ac1'
    assert OFFSETS[0] == 0 and len(OFFSETS) == 12


def test_empty_file():
    assert partial_md5_of(io.BytesIO(b'')) == 'd41d8cd98f00b204e9800998ecf8427e'


def test_sparse_file_of_one_gibibyte_uses_all_twelve_samples(tmp_path):
    path = tmp_path / 'sparse.bin'
    with open(path, 'wb') as f:
        f.truncate(1073742848)
        for offset in OFFSETS:
            f.seek(offset)
            f.write(b'%016d' % offset)
    assert partial_md5(str(path)) == '266ff27c24919f4cec96f90f9b3231ca'


def test_file_position_is_restored_for_the_server_to_stream_from():
    f = io.BytesIO(P(5000))
    f.seek(17)
    partial_md5_of(f)
    assert f.tell() == 17


def test_filename_digest_is_md5_of_the_raw_basename():
    assert name_md5('leaves.epub') == 'f086cbeb952dd7911a6c677d87db5dcf'
    assert name_md5('Frank Herbert - Dune_ Messiah.epub') == 'fc744e550d4976eea195c3fdd51c5fba'
