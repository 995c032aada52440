#!/bin/sh
# The commands of the tutorial "Migrating a Flask-OAuthlib app to Authlib"
# (docs/tutorials/04-flask-oauthlib-migration.md). tests/docs/test_tutorial_04_flask_oauthlib_migration.py
# reads the settings and the install line below, so they are tested as written. Each section is
# run in a terminal of its own, from the root of an oauth-sandbox checkout; the file is not one
# script.

# --8<-- [start:try_flask_oauthlib]
python -m venv /tmp/flask-oauthlib-venv
/tmp/flask-oauthlib-venv/bin/pip install Flask-OAuthlib==0.9.6 "Flask>=3"
/tmp/flask-oauthlib-venv/bin/python -c "import flask_oauthlib.client"
# --8<-- [end:try_flask_oauthlib]

# --8<-- [start:start_provider]
oauth-sandbox provider
# --8<-- [end:start_provider]

# --8<-- [start:run_app]
cd tutorials/04-flask-oauthlib-migration
export ISSUER=http://127.0.0.1:9000
export CLIENT_ID=web-app
export CLIENT_SECRET=web-app-secret
flask --app app run --port 8000
# --8<-- [end:run_app]

# --8<-- [start:forget_consent]
curl -X POST http://127.0.0.1:9000/control/reset
# --8<-- [end:forget_consent]

# --8<-- [start:article_error_branch]
cd tutorials/04-flask-oauthlib-migration
python article_error_branch.py
# --8<-- [end:article_error_branch]
