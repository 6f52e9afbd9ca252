"""Where BookBoss writes what an administrator should read: the server's log once calibre
has set one, else stderr (the GUI, the command line, hooks before any server)."""

import sys


def to_stderr(msg):
    print(msg, file=sys.stderr, flush=True)


class ServerLog:
    """The log of one content server (calibre sets ctx.log when the server starts)."""

    def __init__(self, ctx):
        self.ctx = ctx

    def __call__(self, msg):
        target = getattr(self.ctx, 'log', None)
        (target or to_stderr)(msg)
