import math

import pytest

from bookboss.plugin.core.protocol import (
    MAX_BODY_BYTES, MAX_DEVICE_BYTES, MAX_DOCUMENT_BYTES, MAX_PROGRESS_BYTES, KosyncError,
    normalize_document, parse_push, progress_record)


def push(**overrides):
    body = {'document': '0123456789abcdef0123456789abcdef', 'percentage': 0.25,
            'progress': '/body/DocFragment[6]/body/p[43]/text().17', 'device': 'Kobo Libra 2',
            'device_id': '0123456789ABCDEF0123456789ABCDEF'}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def rejected(body):
    with pytest.raises(KosyncError) as e:
        parse_push(body)
    return e.value


def test_a_stock_koreader_push_is_accepted_as_sent():
    p = parse_push(push())
    assert p == {'document': '0123456789abcdef0123456789abcdef', 'percentage': 0.25,
                 'progress': '/body/DocFragment[6]/body/p[43]/text().17', 'device': 'Kobo Libra 2',
                 'device_id': '0123456789ABCDEF0123456789ABCDEF', 'metadata': None}


def test_percentage_may_be_an_integer_or_a_numeric_string():
    assert parse_push(push(percentage=1))['percentage'] == 1.0
    assert parse_push(push(percentage=0))['percentage'] == 0.0
    assert parse_push(push(percentage='0.5'))['percentage'] == 0.5


@pytest.mark.parametrize('value', [1.0001, -0.1, math.inf, math.nan, '1e400', 'abc', True, [], {}, 10 ** 400])
def test_percentage_outside_0_to_1_or_not_a_number_is_403_2003_naming_the_field(value):
    e = rejected(push(percentage=value))
    assert (e.status, e.code) == (403, 2003) and 'percentage' in e.message


@pytest.mark.parametrize('field', ['percentage', 'progress', 'device'])
def test_missing_required_field_is_403_2003(field):
    e = rejected(push(**{field: ...}))
    assert (e.status, e.code) == (403, 2003) and field in e.message


def test_device_id_is_optional():
    assert parse_push(push(device_id=...))['device_id'] == ''


def test_old_clients_numeric_progress_is_stored_as_the_string_they_meant():
    assert parse_push(push(progress=12))['progress'] == '12'
    assert parse_push(push(progress=12.0))['progress'] == '12'
    assert parse_push(push(progress=12.5))['progress'] == '12.5'


@pytest.mark.parametrize('doc', [..., '', None, 'a:b', 42, ['x']])
def test_missing_empty_or_colon_document_is_403_2004(doc):
    e = rejected(push(document=doc))
    assert (e.status, e.code) == (403, 2004)


def test_document_is_opaque_and_echoed_as_sent():
    for doc in ['kosyncconformanceprobe0000000001', 'kosyncprobe.dot', 'Ünïcödé 书', 'a/b', 'x' * 255]:
        assert normalize_document(doc) == doc


def test_32_hex_document_is_lowercased_anything_else_kept():
    assert normalize_document('ABCDEF0123456789ABCDEF0123456789') == 'abcdef0123456789abcdef0123456789'
    assert normalize_document('ABCDEF') == 'ABCDEF'


@pytest.mark.parametrize('doc', ['x' * (MAX_DOCUMENT_BYTES + 1), 'é' * 128, 'a\nb', 'a//b', '/a', 'a/', '\ud800'])
def test_documents_that_cannot_round_trip_or_are_too_long_are_403_2003(doc):
    with pytest.raises(KosyncError) as e:
        normalize_document(doc)
    assert (e.value.status, e.value.code) == (403, 2003)


@pytest.mark.parametrize('field,cap', [('progress', MAX_PROGRESS_BYTES), ('device', MAX_DEVICE_BYTES),
                                       ('device_id', MAX_DEVICE_BYTES)])
def test_string_fields_have_byte_caps_with_a_clear_message(field, cap):
    assert parse_push(push(**{field: 'a' * cap}))[field] == 'a' * cap
    e = rejected(push(**{field: 'a' * (cap + 1)}))
    assert (e.status, e.code) == (403, 2003) and field in e.message and str(cap) in e.message


@pytest.mark.parametrize('field', ['device', 'device_id', 'progress'])
def test_wrong_types_are_403_2003(field):
    e = rejected(push(**{field: {'a': 1}}))
    assert (e.status, e.code) == (403, 2003) and field in e.message


def test_metadata_keeps_known_string_fields_only():
    p = parse_push(push(metadata={'filename': 'a.epub', 'title': 'T', 'authors': 'A\nB', 'other': 1}))
    assert p['metadata'] == {'filename': 'a.epub', 'title': 'T', 'authors': 'A\nB'}


@pytest.mark.parametrize('metadata', ['x', [1], {'title': 5}, {'filename': 'x' * 5000}])
def test_bad_metadata_is_403_2003(metadata):
    e = rejected(push(metadata=metadata))
    assert (e.status, e.code) == (403, 2003) and 'metadata' in e.message or 'title' in e.message \
        or 'filename' in e.message


def test_a_body_that_is_not_a_hash_is_400_104():
    e = rejected([1, 2])
    assert (e.status, e.code) == (400, 104)


def test_no_record_is_an_empty_object_and_a_record_has_integer_seconds():
    assert progress_record(None) == {}
    rec = progress_record({'document': 'd', 'percentage': 0.5, 'progress': 'p', 'device': 'K',
                           'device_id': 'I', 'timestamp': 1700000000, 'metadata': None})
    assert rec == {'document': 'd', 'percentage': 0.5, 'progress': 'p', 'device': 'K',
                   'device_id': 'I', 'timestamp': 1700000000}
    assert type(rec['timestamp']) is int


def test_body_cap_is_at_least_64_kib():
    assert MAX_BODY_BYTES >= 64 * 1024 and MAX_PROGRESS_BYTES >= 4096 and MAX_DEVICE_BYTES >= 256
