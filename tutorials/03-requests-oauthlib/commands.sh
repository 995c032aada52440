#!/bin/sh
# The commands of the tutorial "The same with requests-oauthlib"
# (docs/tutorials/03-requests-oauthlib.md). tests/docs/test_tutorial_03_requests_oauthlib.py reads
# the settings below, so the app is tested with exactly these values. Each section is run in a
# terminal of its own, from the root of an oauth-sandbox checkout; the file is not one script.

# --8<-- [start:start_provider]
oauth-sandbox provider
# --8<-- [end:start_provider]

# --8<-- [start:run_app]
cd tutorials/03-requests-oauthlib
export ISSUER=http://127.0.0.1:9000
export CLIENT_ID=web-app
export CLIENT_SECRET=web-app-secret
export OAUTHLIB_INSECURE_TRANSPORT=1
flask --app app run --port 8000
# --8<-- [end:run_app]

# --8<-- [start:article_mistakes]
cd tutorials/03-requests-oauthlib
python article_mistakes.py
# --8<-- [end:article_mistakes]
