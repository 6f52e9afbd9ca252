from bookboss.plugin.core.throttle import LoginThrottle
from fakes import Clock


def test_five_failures_within_five_minutes_block_for_ten_minutes():
    clock = Clock()
    t = LoginThrottle(clock=clock)
    key = ('10.0.0.2', 'alice')
    for _ in range(4):
        t.failed(key)
        assert t.retry_after(key) == 0
    t.failed(key)
    assert t.retry_after(key) == 600
    clock.now += 599
    assert t.retry_after(key) == 1
    clock.now += 1
    assert t.retry_after(key) == 0


def test_failures_spread_over_more_than_the_window_do_not_block():
    clock = Clock()
    t = LoginThrottle(clock=clock)
    for _ in range(10):
        t.failed(('a', 'u'))
        clock.now += 76  # five failures span 304 s
    assert t.retry_after(('a', 'u')) == 0


def test_the_key_is_address_and_username_so_a_household_is_not_locked_out():
    t = LoginThrottle(clock=Clock())
    for _ in range(5):
        t.failed(('10.0.0.2', 'bob'))
    assert t.retry_after(('10.0.0.2', 'bob')) > 0
    assert t.retry_after(('10.0.0.2', 'alice')) == 0
    assert t.retry_after(('10.0.0.3', 'bob')) == 0


def test_success_clears_earlier_failures():
    t = LoginThrottle(clock=Clock())
    for _ in range(4):
        t.failed(('a', 'u'))
    t.succeeded(('a', 'u'))
    t.failed(('a', 'u'))
    assert t.retry_after(('a', 'u')) == 0


def test_calibre_ban_settings_replace_the_defaults():
    t = LoginThrottle(max_failures=2, block_seconds=120, clock=Clock())
    t.failed(('a', 'u'))
    t.failed(('a', 'u'))
    assert t.retry_after(('a', 'u')) == 120


def test_failures_of_many_unknown_names_stay_bounded_and_never_drop_an_active_block():
    clock = Clock()
    throttle = LoginThrottle(max_failures=5, block_seconds=600, clock=clock, max_counting=1000)
    for _ in range(5):
        throttle.failed(('10.0.0.9', 'alice'))
    assert throttle.retry_after(('10.0.0.9', 'alice')) == 600
    for i in range(11000):  # an attacker tries 11,000 different unknown usernames
        throttle.failed(('10.0.0.66', f'nobody{i}'))
    assert len(throttle.failures) == 1000  # the stalest counters were forgotten one at a time
    assert throttle.retry_after(('10.0.0.9', 'alice')) == 600  # the active block survived
    clock.now += 601
    assert throttle.retry_after(('10.0.0.9', 'alice')) == 0 and not throttle.blocked


def test_the_counting_table_forgets_the_key_that_failed_longest_ago_first():
    clock = Clock()
    throttle = LoginThrottle(max_failures=3, clock=clock, max_counting=2)
    throttle.failed('a')
    throttle.failed('b')
    throttle.failed('a')  # 'a' failed most recently now
    throttle.failed('c')  # over the cap: 'b' is forgotten
    assert list(throttle.failures) == ['a', 'c']
    throttle.failed('a')
    assert throttle.retry_after('a') > 0
