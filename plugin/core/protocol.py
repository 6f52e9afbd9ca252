"""The kosync wire contract: error codes, field caps and push validation.

Pure functions over plain Python values; nothing here knows HTTP frameworks,
calibre or SQLite.
"""

import math
import re

MAX_BODY_BYTES = 64 * 1024
MAX_DOCUMENT_BYTES = 255
MAX_PROGRESS_BYTES = 8 * 1024
MAX_DEVICE_BYTES = 512
MAX_METADATA_BYTES = {'filename': 1024, 'title': 2048, 'authors': 4096}

HEX32 = re.compile(r'[0-9a-fA-F]{32}\Z')
CONTROL = re.compile(r'[\x00-\x1f\x7f]')


class KosyncError(Exception):
    """An answer the client understands: HTTP status plus {"code", "message"}."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self):
        return {'code': self.code, 'message': self.message}


def unauthorized(message='Unauthorized'):
    return KosyncError(401, 2001, message)


def invalid(message='Invalid request'):
    return KosyncError(403, 2003, message)


def bad_document():
    return KosyncError(403, 2004, "Field 'document' not provided.")


BAD_JSON = KosyncError(400, 103, 'Could not parse JSON in body.')
NOT_A_HASH = KosyncError(400, 104, 'Body should be a JSON hash.')
REGISTRATION_DISABLED = KosyncError(
    402, 2005,
    'User registration is disabled. BookBoss accounts are calibre users: ask the calibre '
    'administrator to create one (calibre Preferences > Sharing over the net > Users, or '
    'calibre-server --manage-users), then log in with that username and password.')
ACCOUNTS_IN_CALIBRE = KosyncError(
    403, 2003, 'Accounts and passwords are managed in calibre, not through KOReader. '
    'Ask the calibre administrator.')
STORAGE_FAILED = KosyncError(502, 2000, 'Unknown server error.')


def utf8_len(s):
    return len(s.encode('utf-8', 'surrogatepass'))


def normalize_document(doc):
    """Return the stored form of a document id, or raise 2004.

    Any non-empty id without ':' is accepted (protocol reference §12). Ids must also
    survive a round trip through a URL path: no control characters and no empty
    '/'-separated segments. Exactly-32-hex ids are lower-cased.
    """
    if not isinstance(doc, str) or not doc or ':' in doc:
        raise bad_document()
    if utf8_len(doc) > MAX_DOCUMENT_BYTES:
        raise invalid(f"Field 'document' is longer than {MAX_DOCUMENT_BYTES} bytes.")
    if CONTROL.search(doc) or '' in doc.split('/') or not _encodable(doc):
        raise invalid("Field 'document' must not contain control characters, "
                      "empty path segments or unpaired surrogates.")
    return doc.lower() if HEX32.match(doc) else doc


def _encodable(s):
    try:
        s.encode('utf-8')
    except UnicodeEncodeError:
        return False
    return True


def _string_field(body, name, cap, required):
    value = body.get(name)
    if value is None:
        if required:
            raise invalid(f"Invalid request: field '{name}' is missing.")
        return ''
    if not isinstance(value, str):
        raise invalid(f"Field '{name}' must be a string.")
    if not _encodable(value):
        raise invalid(f"Field '{name}' is not valid Unicode.")
    if utf8_len(value) > cap:
        raise invalid(f"Field '{name}' is longer than {cap} bytes.")
    return value


def _percentage(body):
    value = body.get('percentage')
    if value is None:
        raise invalid("Invalid request: field 'percentage' is missing.")
    if isinstance(value, bool):
        raise invalid("Field 'percentage' must be a number from 0 to 1.")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise invalid("Field 'percentage' must be a number from 0 to 1.") from None
    if not isinstance(value, (int, float)):
        raise invalid("Field 'percentage' must be a number from 0 to 1.")
    try:
        value = float(value)
    except OverflowError:
        raise invalid("Field 'percentage' must be a number from 0 to 1.") from None
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise invalid("Field 'percentage' must be a finite number from 0 to 1.")
    return value


def _progress(body):
    value = body.get('progress')
    if isinstance(value, bool):
        raise invalid("Field 'progress' must be a string.")
    if isinstance(value, int):
        value = str(value)  # before KOReader v2022.02 a page number came as a JSON number
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise invalid("Field 'progress' must be a string.")
        value = str(int(value)) if value.is_integer() else repr(value)
    return _string_field({'progress': value}, 'progress', MAX_PROGRESS_BYTES, True)


def _metadata(body):
    value = body.get('metadata')
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid("Field 'metadata' must be an object.")
    out = {}
    for key, cap in MAX_METADATA_BYTES.items():
        if value.get(key) is not None:
            out[key] = _string_field(value, key, cap, False)
    return out or None


def parse_push(body):
    """Validate a PUT /syncs/progress body (a dict) into a normalised push dict."""
    if not isinstance(body, dict):
        raise NOT_A_HASH
    if 'document' not in body:
        raise bad_document()
    return {
        'document': normalize_document(body['document']),
        'percentage': _percentage(body),
        'progress': _progress(body),
        'device': _string_field(body, 'device', MAX_DEVICE_BYTES, True),
        'device_id': _string_field(body, 'device_id', MAX_DEVICE_BYTES, False),
        'metadata': _metadata(body),
    }


def progress_record(row):
    """The GET answer for a stored row, or {} when nothing is stored."""
    if row is None:
        return {}
    return {
        'document': row['document'],
        'percentage': row['percentage'],
        'progress': row['progress'],
        'device': row['device'],
        'device_id': row['device_id'],
        'timestamp': int(row['timestamp']),
    }
