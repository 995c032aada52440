#!/bin/sh
# The commands of the tutorial "Validate an ID token yourself"
# (docs/tutorials/07-validate-an-id-token.md). tests/docs/test_tutorial_07_validate_id_token.py
# runs each `python validate_id_token.py ISSUER` line below and compares what it prints with the
# file of the same name in this folder (ending .txt). Run each section from the root of an
# oauth-sandbox checkout; the file is not one script.

# --8<-- [start:start_provider]
oauth-sandbox provider --auto-login alice
# --8<-- [end:start_provider]

# --8<-- [start:valid]
cd tutorials/07-validate-an-id-token
python validate_id_token.py http://127.0.0.1:9000
# --8<-- [end:valid]

# --8<-- [start:bad_signature]
python validate_id_token.py http://127.0.0.1:9000/scenarios/bad-signature
# --8<-- [end:bad_signature]

# --8<-- [start:expired_id_token]
python validate_id_token.py http://127.0.0.1:9000/scenarios/expired-id-token
# --8<-- [end:expired_id_token]
