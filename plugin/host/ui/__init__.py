"""The user interfaces inside calibre: the command line (calibre-debug -r BookBoss) and the
GUI configuration. Never imported by calibre-server's request path."""
