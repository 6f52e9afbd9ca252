"""The reading-state rules (DESIGN.md's table is the contract).

| condition on a push              | effect                                  |
| progress > 0 and status Unread   | status becomes Reading                  |
| progress reaches 100%            | status becomes Read; finish date stamped |
| anything else, incl. progress 0  | status unchanged                        |

"Reaches 100%" is percentage >= 1.0 as received (0.9999 is not Read). An empty status
counts as Unread; other values ("On hold") are left alone unless the book reaches 100%.
The finish date is stamped when the book becomes Read, never re-stamped while it stays Read.
"""

UNREAD, READING, READ = 'Unread', 'Reading', 'Read'
STATUSES = (UNREAD, READING, READ)


def apply_push(state, percentage, when):
    """The state after a push: a new dict with status, started, finished, last_read, percentage."""
    status = state.get('status') or UNREAD
    new = dict(state, last_read=when, percentage=percentage)
    if percentage >= 1.0:
        if status != READ:
            new.update(status=READ, finished=when)
            if not new.get('started'):
                new['started'] = when
    elif percentage > 0 and status == UNREAD:
        new.update(status=READING, started=new.get('started') or when)
    return new


def replay(state, pushes):
    """Apply pushes (dicts with percentage and timestamp) in order."""
    for push in pushes:
        state = apply_push(state, push['percentage'], push['timestamp'])
    return state
