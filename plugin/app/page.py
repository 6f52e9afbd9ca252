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
from urllib.parse import quote

from ..core.books import BookFormat
from ..core.limits import Limits
from ..core.protocol import KosyncError, normalize_document
from ..vendor import bottle
from .origins import BadHost, origin_of, parse_host, request_scheme, server_origin
from .resources import resource_text
from .display import when
from .statistics_view import statistics_view

# The page has a state-changing button: never framed by another site, never sniffed.
SECURITY = {'X-Frame-Options': 'DENY', 'Content-Security-Policy': "frame-ancestors 'none'",
            'X-Content-Type-Options': 'nosniff'}
HTML = dict(SECURITY, **{'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store'})
FORMAT = re.compile(r'[A-Z0-9_]{1,20}\Z')


def host_is_loopback(host):
    host = (host or '').strip('[]').lower()
    if host in ('localhost', 'localhost.localdomain') or host.endswith('.localhost'):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def html_error(status, message):
    return bottle.HTTPResponse(message.encode('utf-8'), status, HTML)


class PageApp(bottle.Bottle):
    """The page's Bottle app: every error is a short HTML answer; a crash is logged, never shown."""

    def __init__(self, log):
        super().__init__(catchall=True)
        self.log = log

    def default_error_handler(self, res):
        if res.status_code >= 500:
            self.log('BookBoss: unexpected error on the BookBoss page:\n' + (res.traceback or ''))
            message = 'BookBoss could not answer; the calibre server log says why.'
        else:
            message = res.status_line
        for name, value in HTML.items():
            bottle.response.set_header(name, value)
        return message.encode('utf-8')


class SetupPage:

    def __init__(self, store, sync, libraries, site, public_url=None, secret=None, trusted_proxies=(),
                 limits=Limits(), on_user=None):
        """on_user(user): called for the logged-in user before any data is shown
        (app.accounts.AccountGuard.check)."""
        self.store, self.sync, self.libraries, self.site = store, sync, libraries, site
        self.limits, self.on_user = limits, on_user
        self.public_url = (public_url or '').rstrip('/')
        self.trusted_proxies = frozenset(trusted_proxies)
        self.secret = secret or secrets.token_bytes(32)
        self.template = bottle.SimpleTemplate(resource_text('templates/page.tpl'))

    def csrf_token(self, user):
        return hmac.new(self.secret, (user or '').encode('utf-8'), hashlib.sha256).hexdigest()

    def urls(self, environ):
        """(sync URL, OPDS URL, loopback?, LAN sync URLs) as this browser reached the server;
        BadHost when the browser sent a malformed Host header."""
        base = environ.get('SCRIPT_NAME', '/koreader').encode('latin-1').decode('utf-8')
        prefix = base[:-len('/koreader')] if base.endswith('/koreader') else ''
        if self.public_url:
            root = self.public_url
            return root + '/koreader', root + '/opds', False, []
        scheme = request_scheme(environ, self.trusted_proxies)
        host, port = parse_host(environ.get('HTTP_HOST') or environ.get('SERVER_NAME'))
        netloc = environ.get('HTTP_HOST') or host
        sync, opds = f'{scheme}://{netloc}{base}', f'{scheme}://{netloc}{prefix}/opds'
        if not host_is_loopback(host):
            return sync, opds, False, []
        port_part = f':{port}' if port else ''
        lan = [f'{scheme}://{a}{port_part}{base}' for a in self.site.lan_addresses()]
        return sync, opds, True, lan

    def render(self, environ, query=None, selected=None, message=None, page=1):
        user = environ.get('bookboss.page_user')  # already checked by logged_in_user
        sync_url, opds_url, loopback, lan_urls = self.urls(environ)
        data = dict(user=user, auth_enabled=bool(environ.get('bookboss.auth_enabled')), sync_url=sync_url,
                    opds_url=opds_url, loopback=loopback, lan_urls=lan_urls, message=message,
                    base=environ.get('SCRIPT_NAME', '/koreader'), query=query or '', selected=selected,
                    devices=[], recent=[], unmatched=[], results=[], stats={}, columns=[], csrf='',
                    page=1, pages=1, unmatched_total=0, statistics=[], statistics_totals={}, uploads=[])
        if user and data['auth_enabled']:
            self.sync.settle()  # every push acknowledged so far is shown
            data.update(self.user_data(user, query, selected, page))
        return bottle.HTTPResponse(self.template.render(**data).encode('utf-8'), 200, HTML)

    def logged_in_user(self, environ):
        """The calibre user of this browser request (checked as an account), or None."""
        user = environ.get('bookboss.page_user')
        if user and environ.get('bookboss.auth_enabled'):
            if self.on_user is not None:
                self.on_user(user)
            return user
        return None

    def title(self, user, document, metadata=None):
        fmt = self.store.linked_book(user, document)
        if fmt is not None and self.libraries.visible(user, fmt):
            return self.libraries.title_of(user, fmt.book) or document
        return (metadata or {}).get('title') or document

    def user_data(self, user, query, selected, page=1):
        """What the page shows one user; every table bounded by the page_rows limit."""
        rows = self.limits.page_rows

        def title(document):
            return self.title(user, document, (self.store.get_progress(user, document) or {}).get('metadata'))
        devices = [dict(d, when=when(d['last_sync']), title=title(d['last_document']))
                   for d in self.store.devices(user, rows)]
        recent = [dict(r, when=when(r['timestamp']), percent=f"{r['percentage'] * 100:.1f} %",
                       title=title(r['document'])) for r in self.store.recent_pushes(user, 10)]
        total = self.store.unmatched_count(user)
        pages = max(1, -(-total // rows))
        page = min(max(1, page), pages)
        unmatched = [dict(u, when=when(u['last_seen']), title=(u['metadata'] or {}).get('title'))
                     for u in self.store.unmatched(user, rows, (page - 1) * rows)]
        results = self.libraries.search_books(user, query, 20) if selected and query else []
        counts = self.store.user_counts(user)
        visible = self.libraries.visible_book_ids(user)
        stats = {'digests': sum(n for uuid, book_id, n in self.store.digests_per_book()
                                if book_id in visible.get(uuid, ())),
                 'documents': counts['documents'], 'linked': counts['linked']}
        return dict(devices=devices, recent=recent, unmatched=unmatched, results=results, stats=stats,
                    columns=self.site.column_summary(user), csrf=self.csrf_token(user), page=page, pages=pages,
                    unmatched_total=total, **statistics_view(self.store, self.libraries, user, self.limits.page_rows))

    def link(self, environ, form):
        """Link one of the user's documents to a book they may see; only for this user."""
        user = self.logged_in_user(environ)
        if user is None:
            raise html_error(403, 'Log in to calibre to link books.')
        origin = environ.get('HTTP_ORIGIN')
        if origin is not None:  # browsers send it with every POST; it must be exactly this server
            try:
                same = origin_of(origin) == server_origin(environ, self.public_url, self.trusted_proxies)
            except BadHost:
                raise html_error(400, 'Bad Host or Origin header.')
            if not same:
                raise html_error(403, 'Cross-site request refused.')
        if not hmac.compare_digest(form.get('csrf', ''), self.csrf_token(user)):
            raise html_error(403, 'Cross-site request refused (missing or wrong form token).')
        try:
            document = normalize_document(form.get('doc', ''))
            fmt = BookFormat.of(form.get('library', ''), int(form.get('book', '')), form.get('format', ''))
        except (KosyncError, ValueError):
            raise html_error(400, 'Bad link request.')
        if (not FORMAT.match(fmt.format) or self.store.get_progress(user, document) is None
                or not self.libraries.visible(user, fmt)):
            raise html_error(404, 'No such document or book for you.')
        self.sync.link(user, document, fmt)
        location = environ.get('SCRIPT_NAME', '/koreader') + '/?linked=' + quote(document)
        raise bottle.HTTPResponse(b'', 303, dict(SECURITY, Location=location))


    def app(self, log):
        """The page as a WSGI app (PageApp) at the kosync root: GET / and POST /link."""
        app = PageApp(log)
        self.install(app)
        return app

    def install(self, app):
        """The page's two routes on a Bottle app."""
        @app.get('/')
        def setup_page():
            q = bottle.request.query
            linked = q.getunicode('linked')
            message = None
            user = self.logged_in_user(bottle.request.environ)
            if linked:
                message = f'Linked {linked} to “{self.title(user, linked)}”.' if user else None
            try:
                page = int(q.get('page') or 1)
            except ValueError:
                page = 1
            try:
                return self.render(bottle.request.environ, q.getunicode('q'), q.getunicode('doc'), message, page)
            except BadHost:
                return html_error(400, 'Bad Host header.')

        @app.post('/link')
        def link_document():
            forms = bottle.request.forms
            self.link(bottle.request.environ,
                      {k: forms.getunicode(k) or '' for k in ('csrf', 'doc', 'library', 'book', 'format')})
