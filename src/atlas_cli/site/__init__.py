"""The static preview site of an atlas (`atlas build`).

`model` turns records into what a page shows (pure), `build` renders the pages
with the Jinja2 templates and writes the site atomically, `serve` serves a built
site on 127.0.0.1.
"""
