"""The host layer: calibre glue (registration, calibre_compat, the WSGI bridge, the
composition root, libraries, column projection, downloads, device hook, index, config,
logging); host/ui holds the command line and the GUI."""
