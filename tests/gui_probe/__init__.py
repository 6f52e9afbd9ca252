"""A test-only calibre GUI plugin: answers questions about the running GUI's own library
object and library view, through files in $BOOKBOSS_PROBE_DIR."""

from calibre.customize import InterfaceActionBase


class GuiProbe(InterfaceActionBase):
    name = 'BookBoss GUI probe'
    description = 'Test helper for BookBoss'
    supported_platforms = ['linux']
    author = 'BookBoss tests'
    version = (1, 0, 0)
    minimum_calibre_version = (6, 0, 0)
    actual_plugin = 'calibre_plugins.bookboss_probe.action:ProbeAction'
