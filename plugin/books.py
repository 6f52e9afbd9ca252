"""What names a library book format everywhere in BookBoss."""

from collections import namedtuple

# library_uuid: the library's UUID in its metadata.db (stable across renames and servers)
BookKey = namedtuple('BookKey', 'library_uuid book_id format')
