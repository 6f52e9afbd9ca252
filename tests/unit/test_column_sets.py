from datetime import datetime, timezone

from bookboss.plugin.core.column_values import (
    changed_values, default_labels, desired_values, problems, status_from_column, whole_percent)

UTC = timezone.utc
FM = {
    '#st': {'datatype': 'enumeration', 'display': {'enum_values': ['Unread', 'Reading', 'Read']}},
    '#pc': {'datatype': 'int', 'display': {}},
    '#lr': {'datatype': 'datetime', 'display': {}},
    '#fin': {'datatype': 'datetime', 'display': {}},
    '#read': {'datatype': 'bool', 'display': {}},
    '#pos': {'datatype': 'text', 'display': {}},
    '#half': {'datatype': 'enumeration', 'display': {'enum_values': ['Unread', 'Read']}},
}
SET = {'owner': 'alice', 'status': '#st', 'percent': '#pc', 'last_read': '#lr', 'finished': '#fin'}
DAY = 1795910400  # 2026-11-29 00:00 UTC


def test_whole_percent_floors_after_rounding_float_noise():
    assert [whole_percent(p) for p in (0, 0.29, 0.3, 0.9999, 1)] == [0, 29, 30, 99, 100]


def test_problems_name_missing_wrong_type_and_missing_enumeration_values():
    found = problems({'status': '#half', 'percent': '#lr', 'device': '#gone'}, FM)
    assert ('status', '#half', 'enumeration lacks the value(s) Reading') in found
    assert any(p[0] == 'percent' and 'cannot show percent' in p[2] for p in found)
    assert ('device', '#gone', 'column does not exist (deleted or renamed)') in found


def test_desired_values_skip_problematic_columns():
    state = {'status': 'Reading', 'percentage': 0.3, 'last_read': DAY + 3600}
    want = desired_values(dict(SET, status='#half'), FM, state, None, UTC)
    assert '#half' not in want and want['#pc'] == 30


def test_dates_are_written_to_the_day_and_rewritten_only_when_the_day_changes():
    state = {'status': 'Reading', 'percentage': 0.3, 'last_read': DAY + 3600}
    want = desired_values(SET, FM, state, None, UTC)
    assert want['#lr'] == datetime(2026, 11, 29, 12, tzinfo=UTC)
    current = {'#st': 'Reading', '#pc': 30, '#lr': datetime(2026, 11, 29, 12, tzinfo=UTC)}
    assert changed_values(want, current, FM, UTC) == {}
    state['last_read'] = DAY + 86400 + 60
    assert list(changed_values(desired_values(SET, FM, state, None, UTC), current, FM, UTC)) == ['#lr']


def test_yes_no_column_is_only_ever_set_to_yes():
    s = dict(SET, status='#read')
    assert desired_values(s, FM, {'status': 'Read', 'percentage': 1.0}, None, UTC)['#read'] is True
    assert '#read' not in desired_values(s, FM, {'status': 'Reading', 'percentage': 0.5}, None, UTC)


def test_status_from_columns():
    assert status_from_column('enumeration', None, 'Read') == 'Unread'
    assert status_from_column('enumeration', 'On hold', 'Reading') == 'On hold'
    assert status_from_column('bool', True, 'Reading') == 'Read'
    assert status_from_column('bool', None, 'Reading') == 'Reading'
    assert status_from_column('bool', False, 'Read') == 'Unread'


def test_position_column_follows_every_push():
    want = desired_values({'position': '#pos'}, FM, {}, {'progress': '/body/p[3]', 'device': 'K'}, UTC)
    assert want == {'#pos': '/body/p[3]'}


def test_default_labels_are_per_user_when_a_user_is_named():
    assert [label for _, label, _, _, _ in default_labels()] == ['kor_status', 'kor_percent', 'kor_last_read', 'kor_finished']
    assert default_labels('Zoë B')[0][1:3] == ('kor_status_zo__b', 'Read status (Zoë B)')
