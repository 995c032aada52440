#!/bin/sh
# The commands of the tutorial "Add 'Log in with ...' to a Flask app with Authlib"
# (docs/tutorials/02-flask-authlib-login.md). tests/docs/test_tutorial_02_flask_authlib.py reads
# the settings below, so the app is tested with exactly these values. Each section is run in a
# terminal of its own, from the root of an oauth-sandbox checkout; the file is not one script.

# --8<-- [start:start_provider]
oauth-sandbox provider
# --8<-- [end:start_provider]

# --8<-- [start:run_app]
cd tutorials/02-flask-authlib-login
export ISSUER=http://127.0.0.1:9000
export CLIENT_ID=web-app
export CLIENT_SECRET=web-app-secret
flask --app app run --port 8000
# --8<-- [end:run_app]

# --8<-- [start:article_mistakes]
cd tutorials/02-flask-authlib-login
python article_mistakes.py
# --8<-- [end:article_mistakes]
