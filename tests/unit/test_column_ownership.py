"""Who owns a column set: stored once, never moved by calibre's users changing."""

from bookboss.plugin.core.column_values import PENDING, problems
from bookboss.plugin.host.column_prefs import claim, set_owned_by, unowned_sets


class Db:
    def __init__(self):
        self.saved = None

    def set_pref(self, name, value, namespace=None):
        self.saved = (namespace, name, [dict(s) for s in value])


def test_an_unowned_set_belongs_to_the_only_user_until_a_second_user_appears():
    sets = [{'status': '#st'}]
    assert set_owned_by(sets, 'alice', ['alice']) is sets[0]
    assert set_owned_by(sets, 'alice', ['alice', 'bob']) is None
    assert unowned_sets(sets, ['alice', 'bob']) == sets


def test_a_claimed_set_stays_its_owners_when_users_are_added():
    db, sets = Db(), [{'status': '#st'}]
    assert claim(db, sets, sets[0], 'alice', 'id1@100') is True
    assert db.saved == ('bookboss', 'column_sets', [{'status': '#st', 'owner': 'alice', 'owner_account': 'id1@100'}])
    assert set_owned_by(sets, 'alice', ['alice', 'bob'], 'id1@100') is sets[0]
    assert unowned_sets(sets, ['alice', 'bob']) == []
    assert claim(db, sets, sets[0], 'alice', 'id1@100') is False  # nothing to store again


def test_a_set_of_an_earlier_account_with_the_same_name_is_not_the_new_accounts():
    sets = [{'owner': 'alice', 'owner_account': 'id1@100', 'status': '#st'}]
    assert set_owned_by(sets, 'alice', ['alice'], 'id1@200') is None
    assert set_owned_by(sets, 'alice', ['alice'], 'id1@100') is sets[0]


def test_a_column_created_since_calibre_started_is_pending_not_deleted():
    fm = {'#st': {'datatype': 'enumeration', 'display': {'enum_values': ['Unread', 'Reading', 'Read']},
                  'pending': True}}
    assert problems({'status': '#st'}, fm) == [('status', '#st', PENDING)]
    assert problems({'status': '#gone'}, fm) == [('status', '#gone', 'column does not exist (deleted or renamed)')]
