"""How much BookBoss keeps per calibre user, whatever a client sends. Defaults here; the
administrator may change them in BookBoss.json (host/config.py)."""

from typing import NamedTuple


class Limits(NamedTuple):
    documents_per_user: int = 10000      # a new document past this is refused (403/2003)
    history_per_user: int = 10000        # newest pushes kept per user (all devices together)
    history_per_device: int = 1000       # newest pushes kept per (user, device_id)
    history_days: int = 365              # no push older than this is kept
    page_rows: int = 50                  # rows per table on the /koreader page
    upload_bytes: int = 64 * 1024 * 1024  # largest WebDAV upload (KOReader's statistics database)
    uploads_per_user: int = 16           # files a user may keep in their WebDAV folder

    def upload_too_large_message(self):
        return (f'Upload too large: this server keeps files of at most {self.upload_bytes // (1024 * 1024)} MB '
                f'(setting upload_bytes). The file stored before is unchanged.')

    def upload_count_message(self):
        return (f'Too many files: this server keeps at most {self.uploads_per_user} files per user in the '
                f'WebDAV folder (setting uploads_per_user). Files stored before are unchanged.')

    def document_cap_message(self):
        return (f'Too many documents: this server keeps at most {self.documents_per_user} documents '
                f'per user (setting documents_per_user). Positions of documents already synced are kept.')
