"""A WebDAV folder per calibre user for KOReader's cloud sync (its reading statistics), at
<kosync root>/dav: exactly what KOReader's WebDAV provider and statistics sync use.

| request                      | answer                                                         |
|------------------------------|----------------------------------------------------------------|
| no valid Basic credentials   | 401, WWW-Authenticate: Basic (the kosync login throttle)       |
| PROPFIND <folder>[/]         | 207 multistatus (prefixed DAV: names), the files and folders   |
|                              | in it, never the folder itself                                 |
| GET/HEAD <file>              | 200, the stored bytes, strong ETag "<sha1>"; 404 (no ETag)     |
| PUT <file>                   | 201 new / 204 replaced; If-Match (W/ accepted) must name the   |
|                              | stored ETag, else 412; compare and replace in one transaction  |
| MKCOL <folder>               | 201 (folders exist as long as files are in them)               |
| DELETE <file>                | 204, 404                                                       |
| OPTIONS                      | 200 with DAV: 1 and Allow                                      |

Files are stored byte for byte, per user (the login picks the folder: no other user's file is
ever addressed). Every answer is rendered in one place (DavApi.handle).
"""

from email.utils import formatdate
from typing import NamedTuple, Optional
from urllib.parse import quote
from xml.sax.saxutils import escape

from ..core.limits import Limits
from ..core.protocol import KosyncError
from ..store import StoreError

DAV_ROOT = '/dav'  # below the kosync root: http://HOST:PORT/koreader/dav
METHODS = ('OPTIONS', 'PROPFIND', 'GET', 'HEAD', 'PUT', 'MKCOL', 'DELETE')
TEXT = 'text/plain; charset=utf-8'
XML = 'application/xml; charset=utf-8'
SQLITE = 'application/vnd.sqlite3'
MAX_PATH = 1024
REALM = 'Basic realm="BookBoss (calibre users)"'


class DavAnswer(NamedTuple):
    status: int
    body: bytes = b''
    content_type: str = TEXT
    etag: Optional[str] = None  # a strong ETag (hex, unquoted) for a GET of a stored file
    headers: tuple = ()  # (name, value) beyond Content-Type
    user: Optional[str] = None


class DavError(Exception):

    def __init__(self, status, message, headers=()):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers


def is_dav_path(path):
    """True for the paths this API answers (below the kosync root)."""
    return path == DAV_ROOT or path.startswith(DAV_ROOT + '/')


def dav_path(path):
    """'/dav//stats/x/' -> '/stats/x' (the user's own path); DavError for paths no file may have."""
    parts = [p for p in path[len(DAV_ROOT):].split('/') if p]
    if any(p in ('.', '..') or '\x00' in p for p in parts):
        raise DavError(400, 'Bad path.')
    out = '/' + '/'.join(parts)
    if len(out) > MAX_PATH:
        raise DavError(414, f'Path longer than {MAX_PATH} characters.')
    return out


def etag_of(header):
    """An If-Match value as the stored ETag: W/ and quotes dropped ('*' stays)."""
    value = (header or '').strip()
    if value.startswith('W/'):
        value = value[2:]
    return value.strip().strip('"')


class DavApi:
    """handle(request: app.ports.Request) -> DavAnswer. sync: app.sync.Sync (upload);
    store: the sidecar (reads); authenticator: app.auth.Authenticator; root: the URL path of the
    kosync root ('/koreader', with calibre's --url-prefix)."""

    def __init__(self, sync, store, authenticator, log=print, root='/koreader', limits=Limits()):
        self.sync, self.store, self.authenticator, self.log = sync, store, authenticator, log
        self.root, self.limits = root.rstrip('/') + DAV_ROOT, limits
        self.methods = {'PROPFIND': self.propfind, 'GET': self.get, 'PUT': self.put, 'MKCOL': self.mkcol,
                        'DELETE': self.delete}

    def handle(self, request):
        user = None
        try:
            path = dav_path(request.path)
            if request.method == 'OPTIONS':
                return DavAnswer(200, headers=(('DAV', '1'), ('Allow', ', '.join(METHODS))))
            handler = self.methods.get(request.method)
            if handler is None:
                raise DavError(405, f'{request.method} is not a WebDAV method BookBoss answers.',
                               (('Allow', ', '.join(METHODS)),))
            try:
                user = self.authenticator.authenticate(request, percent_decoded=True)
            except KosyncError as e:
                raise DavError(401, e.message, (('WWW-Authenticate', REALM),)) from None
            return handler(request, user, path)._replace(user=user)
        except DavError as e:
            return DavAnswer(e.status, (e.message + '\n').encode('utf-8'), headers=e.headers, user=user)
        except StoreError as e:
            self.log(f'BookBoss: sidecar store failure: {e}')
        except Exception:
            import traceback
            self.log('BookBoss: unexpected error in the WebDAV folder:\n' + traceback.format_exc())
        return DavAnswer(502, b'BookBoss could not store or read the file now; the server log says why.\n',
                         user=user)

    # -- the methods -------------------------------------------------------------------------

    def propfind(self, request, user, path):
        files = self.store.uploads(user)
        entries = [f for f in files if f['path'] == path]  # a file: itself (depth 0)
        if not entries:
            prefix = path.rstrip('/') + '/'
            folders = set()
            for f in files:
                if f['path'].startswith(prefix):
                    rest = f['path'][len(prefix):]
                    if '/' in rest:
                        folders.add(prefix + rest.partition('/')[0])
                    else:
                        entries.append(f)
            entries += [{'path': p, 'folder': True} for p in sorted(folders)]
        body = ''.join(self._response(e) for e in entries)
        xml = ('<?xml version="1.0" encoding="utf-8"?>\n'
               f'<d:multistatus xmlns:d="DAV:">{body}</d:multistatus>\n')
        return DavAnswer(207, xml.encode('utf-8'), XML)

    def _response(self, entry):
        href = escape(quote(self.root + entry['path'] + ('/' if entry.get('folder') else '')))
        if entry.get('folder'):
            props = '<d:resourcetype><d:collection/></d:resourcetype>'
        else:
            props = (f'<d:resourcetype/><d:getcontentlength>{entry["size"]}</d:getcontentlength>'
                     f'<d:getlastmodified>{formatdate(entry["stored_at"], usegmt=True)}</d:getlastmodified>'
                     f'<d:getetag>"{entry["etag"]}"</d:getetag>')
        return (f'<d:response><d:href>{href}</d:href><d:propstat><d:prop>{props}</d:prop>'
                '<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>')

    def get(self, request, user, path):
        stored = self.store.upload(user, path)
        if stored is None:
            raise DavError(404, f'No file {path} in your BookBoss folder.')
        kind = SQLITE if path.endswith('.sqlite3') else 'application/octet-stream'
        return DavAnswer(200, stored['data'], kind, etag=stored['etag'])

    def put(self, request, user, path):
        if path == '/':
            raise DavError(405, 'The folder itself cannot be written: PUT a file into it.')
        data = request.body(self.limits.upload_bytes)
        if len(data) > self.limits.upload_bytes:
            raise DavError(413, self.limits.upload_too_large_message())
        condition = request.header('If-Match')
        result = self.sync.upload(user, path, data, etag_of(condition) if condition is not None else None)
        if result == 'precondition failed':
            raise DavError(412, 'The file changed since you read it (If-Match): read it again.')
        if result == 'too many files':
            raise DavError(507, self.limits.upload_count_message())
        return DavAnswer(201 if result == 'created' else 204)

    def mkcol(self, request, user, path):
        if self.store.upload(user, path, with_data=False) is not None:
            raise DavError(405, f'{path} is a file.')
        return DavAnswer(201)

    def delete(self, request, user, path):
        if not self.store.delete_upload(user, path):
            raise DavError(404, f'No file {path} in your BookBoss folder.')
        return DavAnswer(204)

