"""The statistics projection: the figures of KOReader's reading statistics (uploaded over
WebDAV, read by Sync.read_statistics) in the statistics columns of the set the uploading user
owns (reading time, pages read, first and last read, highlights, notes). The same owner,
mapping checks and visible-change rule as the reading-state columns; nothing else is written."""

from ..app.sync import STATISTICS
from ..core.column_values import statistics_values
from .columns import CalibreColumns


class CalibreStatisticsColumns(CalibreColumns):

    name = STATISTICS

    def desired(self, column_set, fm, owner, book, tz):
        figures = self.store.book_statistics(owner, book)
        return statistics_values(column_set, fm, figures, tz) if figures else {}
