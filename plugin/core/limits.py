"""How much BookBoss keeps per calibre user, whatever a client sends. Defaults here; the
administrator may change them in BookBoss.json (host/config.py)."""

from typing import NamedTuple


class Limits(NamedTuple):
    documents_per_user: int = 10000      # a new document past this is refused (403/2003)
    history_per_user: int = 10000        # newest pushes kept per user (all devices together)
    history_per_device: int = 1000       # newest pushes kept per (user, device_id)
    history_days: int = 365              # no push older than this is kept
    page_rows: int = 50                  # rows per table on the /koreader page

    def document_cap_message(self):
        return (f'Too many documents: this server keeps at most {self.documents_per_user} documents '
                f'per user (setting documents_per_user). Positions of documents already synced are kept.')
