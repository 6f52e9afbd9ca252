"""The app layer: the sync service and its projections fan-out, matching, the kosync routes,
the browser page and login. Imports core, store and the bundled Bottle; talks to calibre only
through the ports in ports.py."""
