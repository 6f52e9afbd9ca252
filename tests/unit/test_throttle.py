from bookboss.plugin.core.throttle import LoginThrottle


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


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
