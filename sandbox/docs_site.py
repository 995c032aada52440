"""The docs site, served by the sandbox under /docs, so "Read more" links work offline.

`mkdocs build` writes the site to `site/` at the repository root; the sandbox serves whatever is
there. Without a built site the link still answers, with how to build it and where the page's
source is, rather than a bare 404.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, render_template, send_from_directory

bp = Blueprint("docs", __name__, url_prefix="/docs")

#: Where `mkdocs build` puts the site when run from a checkout of this project.
BUILT_SITE = Path(__file__).resolve().parents[1] / "site"


@bp.get("/", defaults={"path": "index.html"})
@bp.get("/<path:path>")
def page(path: str):
    """A page of the built docs site, or how to build it."""
    folder = current_app.extensions["sandbox"].config.docs_dir
    if folder is not None and (Path(folder) / path).is_file():
        return send_from_directory(folder, path)
    source = path.removesuffix(".html") + ".md"
    return render_template("docs_missing.html", source=source, folder=folder), 404
