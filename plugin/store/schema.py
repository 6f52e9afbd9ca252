"""The sidecar's schema: one script per version, applied in order (PRAGMA user_version)."""

MIGRATIONS = (
    # 1: positions per user and document, and the push history
    '''
    CREATE TABLE progress (
        user TEXT NOT NULL,
        document TEXT NOT NULL,
        percentage REAL NOT NULL CHECK (percentage >= 0 AND percentage <= 1),
        progress TEXT NOT NULL,
        device TEXT NOT NULL,
        device_id TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        metadata TEXT,
        PRIMARY KEY (user, document)
    );
    CREATE TABLE push_history (
        id INTEGER PRIMARY KEY,
        user TEXT NOT NULL,
        document TEXT NOT NULL,
        percentage REAL NOT NULL,
        progress TEXT NOT NULL,
        device TEXT NOT NULL,
        device_id TEXT NOT NULL,
        timestamp INTEGER NOT NULL
    );
    CREATE INDEX push_history_by_device ON push_history (user, device_id, id);
    CREATE INDEX push_history_by_document ON push_history (user, document, id);
    ''',
    # 2: which library book a document is, and positions and reading state per book
    '''
    CREATE TABLE libraries (
        uuid TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        path TEXT,
        last_seen INTEGER NOT NULL
    );
    CREATE TABLE digests (
        digest TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('served', 'opds_name', 'server_name', 'library', 'device', 'manual')),
        library_uuid TEXT NOT NULL,
        book_id INTEGER NOT NULL,
        format TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        user TEXT,
        detail TEXT,
        PRIMARY KEY (digest, kind, library_uuid, book_id, format)
    );
    CREATE INDEX digests_by_book ON digests (library_uuid, book_id, format);
    CREATE TABLE served (
        library_uuid TEXT NOT NULL,
        book_id INTEGER NOT NULL,
        format TEXT NOT NULL,
        user TEXT NOT NULL,
        last_served INTEGER NOT NULL,
        PRIMARY KEY (library_uuid, book_id, format, user)
    );
    CREATE TABLE library_files (
        library_uuid TEXT NOT NULL,
        book_id INTEGER NOT NULL,
        format TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        digest TEXT NOT NULL,
        indexed_at INTEGER NOT NULL,
        PRIMARY KEY (library_uuid, book_id, format)
    );
    CREATE TABLE document_links (
        user TEXT NOT NULL,
        document TEXT NOT NULL,
        library_uuid TEXT NOT NULL,
        book_id INTEGER NOT NULL,
        format TEXT NOT NULL,
        linked_at INTEGER NOT NULL,
        PRIMARY KEY (user, document)
    );
    CREATE TABLE book_progress (
        user TEXT NOT NULL,
        library_uuid TEXT NOT NULL,
        book_id INTEGER NOT NULL,
        format TEXT NOT NULL,
        document TEXT NOT NULL,
        percentage REAL NOT NULL CHECK (percentage >= 0 AND percentage <= 1),
        progress TEXT NOT NULL,
        device TEXT NOT NULL,
        device_id TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        PRIMARY KEY (user, library_uuid, book_id, format)
    );
    CREATE TABLE reading_state (
        user TEXT NOT NULL,
        library_uuid TEXT NOT NULL,
        book_id INTEGER NOT NULL,
        status TEXT,
        started INTEGER,
        finished INTEGER,
        last_read INTEGER,
        percentage REAL,
        PRIMARY KEY (user, library_uuid, book_id)
    );
    ''',
    # 3: column projections waiting for the library, and column mapping problems
    '''
    CREATE TABLE pending_projections (
        user TEXT NOT NULL,
        library_uuid TEXT NOT NULL,
        book_id INTEGER NOT NULL,
        queued_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        PRIMARY KEY (user, library_uuid, book_id)
    );
    CREATE TABLE column_problems (
        library_uuid TEXT NOT NULL,
        owner TEXT NOT NULL,
        purpose TEXT NOT NULL,
        column_key TEXT NOT NULL,
        problem TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        PRIMARY KEY (library_uuid, owner, purpose)
    );
    ''',
    # 4: the pending queue names the projection each write is for (calibre columns so far); a
    # write queued again while it is being applied bumps its version, so it is applied again
    '''
    CREATE TABLE pending_writes (
        projection TEXT NOT NULL,
        user TEXT NOT NULL,
        library_uuid TEXT NOT NULL,
        book_id INTEGER NOT NULL,
        queued_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        version INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (projection, user, library_uuid, book_id)
    );
    INSERT INTO pending_writes (projection, user, library_uuid, book_id, queued_at, attempts, last_error)
        SELECT 'columns', user, library_uuid, book_id, queued_at, attempts, last_error FROM pending_projections;
    DROP TABLE pending_projections;
    ''',
    # 5: history bounded per user; notices for the administrator; calibre accounts as first seen
    '''
    CREATE INDEX push_history_by_user ON push_history (user, id);
    CREATE TABLE notices (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        message TEXT NOT NULL
    );
    CREATE TABLE accounts (
        user TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        first_seen INTEGER NOT NULL
    );
    ''',
    # 6: files KOReader uploads over WebDAV (its statistics database), byte for byte per user, and
    # the figures read from each user's statistics per KOReader document (md5)
    '''
    CREATE TABLE uploads (
        user TEXT NOT NULL,
        path TEXT NOT NULL,
        data BLOB NOT NULL,
        etag TEXT NOT NULL,
        size INTEGER NOT NULL,
        stored_at INTEGER NOT NULL,
        unread INTEGER NOT NULL DEFAULT 0,
        problem TEXT,
        PRIMARY KEY (user, path)
    );
    CREATE TABLE statistics (
        user TEXT NOT NULL,
        md5 TEXT NOT NULL,
        title TEXT,
        authors TEXT,
        read_time INTEGER,
        pages_read INTEGER,
        pages INTEGER,
        first_read INTEGER,
        last_read INTEGER,
        highlights INTEGER,
        notes INTEGER,
        library_uuid TEXT,
        book_id INTEGER,
        format TEXT,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (user, md5)
    );
    CREATE INDEX statistics_by_book ON statistics (user, library_uuid, book_id);
    CREATE INDEX statistics_by_md5 ON statistics (md5);
    ''',
    # 7: pushes acknowledged but not yet applied to the tables above (the push log): a push is
    # durable as one row here; the sync service applies the log in order, in batches
    '''
    CREATE TABLE push_log (
        id INTEGER PRIMARY KEY,
        user TEXT NOT NULL,
        document TEXT NOT NULL,
        percentage REAL NOT NULL,
        progress TEXT NOT NULL,
        device TEXT NOT NULL,
        device_id TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        metadata TEXT,
        library_uuid TEXT,
        book_id INTEGER,
        format TEXT
    );
    ''',
)
SCHEMA_VERSION = len(MIGRATIONS)
