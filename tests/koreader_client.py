"""What a stock KOReader does, written independently of the plugin for the tests:
partial MD5 of a downloaded file, MD5 of a file name, and a kosync push/pull."""

import base64
import hashlib
import json
import re

SAMPLE_OFFSETS = [0] + [1024 << (2 * i) for i in range(11)]  # 1024 << -2 wraps to 0 in LuaJIT


def partial_md5(data):
    h = hashlib.md5()
    for offset in SAMPLE_OFFSETS:
        if offset >= len(data):
            break
        h.update(data[offset:offset + 1024])
    return h.hexdigest()


def md5_text(text):
    return hashlib.md5(text.encode('utf-8')).hexdigest()


def basic(user, password):
    return {'Authorization': 'Basic ' + base64.b64encode(f'{user}:{password}'.encode()).decode()}


class Device:
    def __init__(self, server, user, password, name='Kobo Libra 2', device_id=None):
        self.server, self.user = server, user
        self.headers = {'x-auth-user': user, 'x-auth-key': md5_text(password),
                        'Accept': 'application/vnd.koreader.v1+json'}
        self.password = password
        self.name = name
        self.device_id = device_id or md5_text(name).upper()

    def push(self, document, percentage, progress='/body/DocFragment[2]/body/p[1]/text().0', metadata=None):
        body = {'document': document, 'percentage': percentage, 'progress': progress,
                'device': self.name, 'device_id': self.device_id}
        if metadata:
            body['metadata'] = metadata
        status, headers, raw = self.server.request('PUT', '/koreader/syncs/progress', json.dumps(body).encode(),
                                                   dict(self.headers, **{'Content-Type': 'application/json'}))
        assert status == 200, (status, raw)
        return json.loads(raw)

    def pull(self, document):
        status, headers, raw = self.server.request('GET', f'/koreader/syncs/progress/{document}', None, self.headers)
        assert status == 200 and dict(headers)['Content-Type'] == 'application/json', (status, raw)
        return json.loads(raw)

    def opds_acquisitions(self, path='/opds/navcatalog/4f6e6577657374?offset=0'):
        """(title, author, href, mime) for every acquisition link in an OPDS feed page."""
        status, _, raw = self.server.request('GET', path, None, basic(self.user, self.password))
        assert status == 200, (status, raw[:300])
        from xml.etree import ElementTree as ET
        ns = {'a': 'http://www.w3.org/2005/Atom'}
        found = []
        for entry in ET.fromstring(raw).findall('a:entry', ns):
            title = entry.findtext('a:title', '', ns)
            author = entry.findtext('a:author/a:name', None, ns)
            for link in entry.findall('a:link', ns):
                if link.get('rel') == 'http://opds-spec.org/acquisition':
                    found.append((title, author, link.get('href'), link.get('type')))
        return found

    def download(self, href, method='GET', extra=None):
        status, headers, raw = self.server.request(method, href, None, dict(basic(self.user, self.password), **(extra or {})))
        assert status in (200, 206), (status, raw[:200])
        return raw, dict(headers)


def cd_filename(header):
    return re.search(r'filename="([^"]+)"', header).group(1)
