"""The browser staff desk: tickets from every channel, records by village, the knowledge base, county figures.

A Starlette app with Jinja2 pages and htmx (served by the app itself, no CDN), on the records' SQLAlchemy
models. ``python -m desk`` serves it on loopback (``DESK_PORT``); ``python -m desk create-admin`` makes
the first account.
"""
