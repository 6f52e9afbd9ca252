# The BookBoss plugin's modules. Importing this package must stay free of
# calibre.srv.handler and of Qt: it is imported from initialize() in every
# calibre process.
