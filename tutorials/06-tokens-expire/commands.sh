#!/bin/sh
# The commands of the tutorial "Tokens expire: refresh, rotation and revocation"
# (docs/tutorials/06-tokens-expire.md). tests/docs/test_tutorial_06_tokens_expire.py checks
# that the provider is started as the script expects. Each section is run in a terminal of its
# own, from the root of an oauth-sandbox checkout; the file is not one script.

# --8<-- [start:start_provider]
oauth-sandbox provider --auto-login alice
# --8<-- [end:start_provider]

# --8<-- [start:run_script]
cd tutorials/06-tokens-expire
python tokens_expire.py
# --8<-- [end:run_script]

# --8<-- [start:read_clock]
curl http://127.0.0.1:9000/control/clock
# --8<-- [end:read_clock]
