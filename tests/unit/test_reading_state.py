from bookboss.plugin.core.reading_state import READ, READING, UNREAD, apply_push, replay


def test_progress_zero_leaves_unread_unread():
    assert apply_push({'status': UNREAD}, 0.0, 10)['status'] == UNREAD


def test_progress_above_zero_on_unread_becomes_reading_with_a_start_date():
    s = apply_push({'status': UNREAD}, 0.3, 10)
    assert (s['status'], s['started'], s.get('finished')) == (READING, 10, None)


def test_empty_status_counts_as_unread():
    assert apply_push({}, 0.01, 10)['status'] == READING
    assert apply_push({'status': ''}, 0.01, 10)['status'] == READING


def test_0_9999_is_not_read():
    assert apply_push({'status': READING}, 0.9999, 10)['status'] == READING


def test_reaching_100_percent_is_read_with_finish_date_never_restamped():
    s = apply_push({'status': READING, 'started': 5}, 1.0, 20)
    assert (s['status'], s['finished'], s['started']) == (READ, 20, 5)
    s = apply_push(s, 1.0, 30)
    assert s['finished'] == 20
    s = apply_push(s, 0.5, 40)
    assert (s['status'], s['finished'], s['last_read']) == (READ, 20, 40)


def test_other_values_are_left_alone_until_100_percent():
    assert apply_push({'status': 'On hold'}, 0.5, 10)['status'] == 'On hold'
    assert apply_push({'status': 'On hold'}, 1.0, 10)['status'] == READ


def test_replay_0_3_then_1_0_then_0_5_ends_read_with_the_first_full_push_as_finish_date():
    s = replay({}, [{'percentage': 0.3, 'timestamp': 100}, {'percentage': 1.0, 'timestamp': 200},
                    {'percentage': 0.5, 'timestamp': 300}])
    assert (s['status'], s['started'], s['finished'], s['last_read']) == (READ, 100, 200, 300)
