"""The KOReader page in the browser: GET /koreader (setup, devices, unmatched books) and
POST /koreader/link (link a document to a library book, for this user only).

The host decides who the browser user is (calibre's own login) and passes it in the
environ as bookboss.page_user; `libraries` (ports.Libraries) and `site` (ports.PageSite)
answer the calibre questions; a link goes through the sync service like any other.
"""

import hashlib
import hmac
import ipaddress
import re
import secrets
import time
from urllib.parse import quote, urlsplit

from ..core.books import BookFormat
from ..core.protocol import KosyncError, normalize_document
from ..vendor import bottle
from .resources import resource_text

HTML = {'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store'}
FORMAT = re.compile(r'[A-Z0-9_]{1,20}\Z')


def when(timestamp):
    return time.strftime('%Y-%m-%d %H:%M', time.localtime(timestamp)) if timestamp else '—'


def host_is_loopback(host):
    host = (host or '').strip('[]').lower()
    if host in ('localhost', 'localhost.localdomain') or host.endswith('.localhost'):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def split_host(host_header):
    parts = urlsplit('//' + (host_header or ''))
    return parts.hostname or '', parts.port


class SetupPage:

    def __init__(self, store, sync, libraries, site, public_url=None, secret=None):
        self.store, self.sync, self.libraries, self.site = store, sync, libraries, site
        self.public_url = (public_url or '').rstrip('/')
        self.secret = secret or secrets.token_bytes(32)
        self.template = bottle.SimpleTemplate(resource_text('templates/page.tpl'))

    def csrf_token(self, user):
        return hmac.new(self.secret, (user or '').encode('utf-8'), hashlib.sha256).hexdigest()

    def urls(self, environ):
        """(sync URL, OPDS URL, loopback?, LAN sync URLs) as this browser reached the server."""
        base = environ.get('SCRIPT_NAME', '/koreader').encode('latin-1').decode('utf-8')
        prefix = base[:-len('/koreader')] if base.endswith('/koreader') else ''
        if self.public_url:
            root = self.public_url
            return root + '/koreader', root + '/opds', False, []
        scheme = environ.get('wsgi.url_scheme', 'http')
        host, port = split_host(environ.get('HTTP_HOST') or environ.get('SERVER_NAME'))
        netloc = environ.get('HTTP_HOST') or host
        sync, opds = f'{scheme}://{netloc}{base}', f'{scheme}://{netloc}{prefix}/opds'
        if not host_is_loopback(host):
            return sync, opds, False, []
        port_part = f':{port}' if port else ''
        lan = [f'{scheme}://{a}{port_part}{base}' for a in self.site.lan_addresses()]
        return sync, opds, True, lan

    def render(self, environ, query=None, selected=None, message=None):
        user = environ.get('bookboss.page_user')
        sync_url, opds_url, loopback, lan_urls = self.urls(environ)
        data = dict(user=user, auth_enabled=bool(environ.get('bookboss.auth_enabled')), sync_url=sync_url,
                    opds_url=opds_url, loopback=loopback, lan_urls=lan_urls, message=message,
                    base=environ.get('SCRIPT_NAME', '/koreader'), query=query or '', selected=selected,
                    devices=[], recent=[], unmatched=[], results=[], stats={}, columns=[], csrf='')
        if user and data['auth_enabled']:
            data.update(self.user_data(user, query, selected))
        return bottle.HTTPResponse(self.template.render(**data).encode('utf-8'), 200, HTML)

    def title(self, user, document, metadata=None):
        fmt = self.store.linked_book(user, document)
        if fmt is not None and self.libraries.visible(user, fmt):
            return self.libraries.title_of(user, fmt.book) or document
        return (metadata or {}).get('title') or document

    def user_data(self, user, query, selected):
        documents = self.store.documents(user)
        devices = [dict(d, when=when(d['last_sync']),
                        title=self.title(user, d['last_document'], (documents.get(d['last_document']) or {}).get('metadata')))
                   for d in self.store.devices(user)]
        recent = [dict(r, when=when(r['timestamp']), percent=f"{r['percentage'] * 100:.1f} %",
                       title=self.title(user, r['document'], (documents.get(r['document']) or {}).get('metadata')))
                  for r in reversed(self.store.push_history(user)[-10:])]
        unmatched = [dict(u, when=when(u['last_seen']), title=(u['metadata'] or {}).get('title'))
                     for u in self.store.unmatched(user)]
        results = self.libraries.search_books(user, query, 20) if selected and query else []
        counts = next((c for c in self.store.link_counts() if c['user'] == user), {'documents': 0, 'linked': 0})
        stats = {'digests': sum(self.store.digest_counts().values()), 'documents': counts['documents'],
                 'linked': counts['linked']}
        return dict(devices=devices, recent=recent, unmatched=unmatched, results=results, stats=stats,
                    columns=self.site.column_summary(user), csrf=self.csrf_token(user))

    def link(self, environ, form):
        """Link one of the user's documents to a book they may see; only for this user."""
        user = environ.get('bookboss.page_user')
        if not user or not environ.get('bookboss.auth_enabled'):
            raise bottle.HTTPResponse(b'Log in to calibre to link books.', 403, HTML)
        origin = environ.get('HTTP_ORIGIN')
        if origin and split_host(urlsplit(origin).netloc)[0] != split_host(environ.get('HTTP_HOST'))[0]:
            raise bottle.HTTPResponse(b'Cross-site request refused.', 403, HTML)
        if not hmac.compare_digest(form.get('csrf', ''), self.csrf_token(user)):
            raise bottle.HTTPResponse(b'Cross-site request refused (missing or wrong form token).', 403, HTML)
        try:
            document = normalize_document(form.get('doc', ''))
            fmt = BookFormat.of(form.get('library', ''), int(form.get('book', '')), form.get('format', ''))
        except (KosyncError, ValueError):
            raise bottle.HTTPResponse(b'Bad link request.', 400, HTML)
        if (not FORMAT.match(fmt.format) or self.store.get_progress(user, document) is None
                or not self.libraries.visible(user, fmt)):
            raise bottle.HTTPResponse(b'No such document or book for you.', 404, HTML)
        self.sync.link(user, document, fmt)
        location = environ.get('SCRIPT_NAME', '/koreader') + '/?linked=' + quote(document)
        raise bottle.HTTPResponse(b'', 303, {'Location': location})


    def install(self, app):
        """The page's two routes on the kosync app."""
        @app.get('/')
        def setup_page():
            q = bottle.request.query
            linked = q.getunicode('linked')
            message = None
            if linked:
                user = bottle.request.environ.get('bookboss.page_user')
                message = f'Linked {linked} to “{self.title(user, linked)}”.' if user else None
            return self.render(bottle.request.environ, q.getunicode('q'), q.getunicode('doc'), message)

        @app.post('/link')
        def link_document():
            forms = bottle.request.forms
            self.link(bottle.request.environ,
                      {k: forms.getunicode(k) or '' for k in ('csrf', 'doc', 'library', 'book', 'format')})
