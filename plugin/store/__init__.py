"""The store layer: the sidecar SQLite database (schema, migrations, one transaction helper,
plain reads and writes). Imports only core; never calibre, HTTP or the rules of a sync."""

from .schema import SCHEMA_VERSION  # noqa: F401
from .sidecar import Store, StoreError  # noqa: F401
