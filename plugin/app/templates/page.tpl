<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>KOReader sync — calibre</title>
<style>
* { box-sizing: border-box; }
body { font-family: system-ui, sans-serif; margin: 0 auto; padding: 1em; max-width: 60em; line-height: 1.45; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
code, .digest { font-family: ui-monospace, monospace; overflow-wrap: anywhere; word-break: break-all; }
.url { display: block; padding: .5em; background: #f4f4f4; border: 1px solid #ccc; font-size: 1.1em; overflow-wrap: anywhere; }
.warn { background: #fff4d6; border-left: 4px solid #e0a800; padding: .5em .8em; }
.ok { background: #e7f6e7; border-left: 4px solid #3a3; padding: .5em .8em; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
th, td { text-align: left; padding: .3em; border-bottom: 1px solid #eee; vertical-align: top; overflow-wrap: anywhere; }
form.inline { display: inline; } input[type=text] { max-width: 100%; width: 14em; }
button { padding: .3em .8em; }
@media (max-width: 40em) {
  table, thead, tbody, tr, th, td { display: block; width: 100%; }
  thead { display: none; }
  tr { border-bottom: 1px solid #ccc; padding: .4em 0; }
  td { border: none; padding: .1em 0; }
  td[data-label]::before { content: attr(data-label) ": "; font-weight: bold; }
}
</style>
</head>
<body>
<h1>KOReader Progress Sync with calibre</h1>
% if message:
<p class="ok" id="message">{{message}}</p>
% end

<h2>Your sync server</h2>
<p>KOReader sync URL (type it exactly):</p>
<code class="url" id="sync-url">{{sync_url}}</code>
% if loopback:
<p class="warn" id="loopback-warning">You opened this page through a loopback address, which your e-reader cannot reach.
% if lan_urls:
Use one of this server's network addresses instead:
% for u in lan_urls:
<code class="url">{{u}}</code>
% end
% end
</p>
% end
% if user:
<p>Username: <strong id="username">{{user}}</strong> — password: <em>your calibre password</em>.</p>
% else:
<p>Username and password: those of your calibre account.</p>
% end

<h2>Set up KOReader</h2>
<ol>
<li>Open a book, then <strong>Tools (the wrench menu) → Progress sync → Custom sync server</strong> and enter the sync URL above.</li>
<li><strong>Progress sync → Login</strong> with your calibre username and password.</li>
<li>Optionally turn on <strong>Auto sync</strong>; otherwise use <em>Push progress from this device</em> and <em>Pull progress from other devices</em>.</li>
<li>To get books: <strong>Search → OPDS catalog → +</strong>, URL <code>{{opds_url}}</code>, with the same username and password
(KOReader's OPDS client needs the server's authentication mode set to <em>basic</em>).</li>
<li>Reading statistics (time, pages, first and last read, highlights) into calibre: <strong>Tools → Cloud storage → + → WebDAV</strong>,
address <code id="dav-url">{{sync_url}}/dav</code>, the same username and password. Then <strong>Reading statistics → Settings → Cloud sync</strong>:
choose that server and long-press <em>Long-press here to choose current folder</em>; after reading, <strong>Reading statistics → Sync now</strong>.</li>
</ol>

% if not auth_enabled:
<h2>Per-user views</h2>
<p class="warn" id="no-auth">This calibre server runs without authentication, so this page cannot know who you are.
To see your devices and unmatched books here, turn on authentication: start <code>calibre-server --enable-auth --auth-mode basic</code>,
or in the calibre GUI Preferences → Sharing over the net → <em>Require username and password</em>.</p>
<p class="warn" id="no-reader-bridge">For the same reason KOReader positions are not passed to calibre's web reader (and back):
calibre keeps reader positions per logged-in user, and here nobody is logged in.</p>
% else:
<h2>Your devices</h2>
% if devices:
<table id="devices"><thead><tr><th>Device</th><th>Device id</th><th>Last sync</th><th>Last book</th></tr></thead><tbody>
% for d in devices:
<tr><td data-label="Device">{{d['device']}}</td><td data-label="Id" class="digest">{{d['device_id']}}</td>
<td data-label="Last sync">{{d['when']}}</td><td data-label="Last book">{{d['title']}}</td></tr>
% end
</tbody></table>
% else:
<p id="devices">No device has synced yet.</p>
% end

<h2>Recent syncs</h2>
% if recent:
<table id="recent"><thead><tr><th>When</th><th>Book</th><th>Progress</th><th>Device</th></tr></thead><tbody>
% for r in recent:
<tr><td data-label="When">{{r['when']}}</td><td data-label="Book">{{r['title']}}</td>
<td data-label="Progress">{{r['percent']}}</td><td data-label="Device">{{r['device']}}</td></tr>
% end
</tbody></table>
% else:
<p>Nothing yet.</p>
% end

<h2>Your reading statistics</h2>
% if statistics:
<p id="statistics-totals">{{statistics_totals['books']}} ({{statistics_totals['linked']}} linked to the library),
{{statistics_totals['time']}} of reading, {{statistics_totals['highlights_text']}}, {{statistics_totals['notes_text']}}.</p>
<table id="statistics"><thead><tr><th>Book</th><th>Reading time</th><th>Pages read</th><th>First read</th><th>Last read</th>
<th>Highlights</th><th>Notes</th></tr></thead><tbody>
% for s in statistics:
<tr><td data-label="Book">{{s['book']}}{{'' if s['linked'] else ' (not linked to a library book)'}}</td>
<td data-label="Reading time">{{s['time']}}</td><td data-label="Pages read">{{s['pages_text']}}</td>
<td data-label="First read">{{s['first']}}</td><td data-label="Last read">{{s['last']}}</td>
<td data-label="Highlights">{{s['highlights'] or 0}}</td><td data-label="Notes">{{s['notes'] or 0}}</td></tr>
% end
</tbody></table>
% else:
<p id="statistics-totals">None yet: KOReader sends them with <em>Reading statistics → Sync now</em> (see above).</p>
% end
% if uploads:
<ul id="uploads">
% for u in uploads:
<li>Your WebDAV folder: {{u}}</li>
% end
</ul>
% end

<h2>Books not matched to the library</h2>
% if unmatched:
<p>These documents sync between your devices but are not linked to a calibre book, so your library does not show their progress.
Find the book and link it.</p>
<table id="unmatched"><thead><tr><th>Document</th><th>Device</th><th>Last seen</th><th>Title sent</th><th>Link</th></tr></thead><tbody>
% for u in unmatched:
<tr class="unmatched-row"><td data-label="Document" class="digest">{{u['document']}}</td><td data-label="Device">{{u['device']}}</td>
<td data-label="Last seen">{{u['when']}}</td><td data-label="Title sent">{{u['title'] or '—'}}</td>
<td data-label="Link"><form class="inline" method="get" action="{{base}}/">
<input type="hidden" name="doc" value="{{u['document']}}"><input type="hidden" name="page" value="{{page}}">
<input type="text" name="q" value="{{query if selected == u['document'] else (u['title'] or '')}}" placeholder="title" aria-label="search titles">
<button type="submit">Search</button></form></td></tr>
% if selected == u['document']:
<tr><td colspan="5">
% if results:
% for b in results:
<form method="post" action="{{base}}/link" class="link-form">
<input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="doc" value="{{u['document']}}">
<input type="hidden" name="library" value="{{b['library_uuid']}}"><input type="hidden" name="book" value="{{b['book_id']}}">
<select name="format" aria-label="format">
% for f in b['formats']:
<option>{{f}}</option>
% end
</select>
<button type="submit">Link to “{{b['title']}}” by {{b['authors']}}</button></form>
% end
% else:
<p>No book you may see matches “{{query}}”.</p>
% end
</td></tr>
% end
% end
</tbody></table>
% if pages > 1:
<p class="pager" id="pager">Page {{page}} of {{pages}} ({{unmatched_total}} documents):
% if page > 1:
<a href="{{base}}/?page={{page - 1}}">previous</a>
% end
% if page < pages:
<a href="{{base}}/?page={{page + 1}}">next</a>
% end
</p>
% end
% else:
<p id="unmatched">Every document you synced is linked to a library book.</p>
% end

<h2>What BookBoss sees for you</h2>
<ul id="state">
<li>Digests known for books you may see: {{stats['digests']}}</li>
<li>Your documents linked to library books: {{stats['linked']}} of {{stats['documents']}}</li>
% for c in columns:
<li>Library {{c['library']}}: {{c['text']}}</li>
% end
</ul>
% end
</body>
</html>
