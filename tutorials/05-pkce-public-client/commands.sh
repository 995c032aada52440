#!/bin/sh
# The commands of the tutorial "PKCE for a public client"
# (docs/tutorials/05-pkce-public-client.md). tests/docs/test_tutorial_05_pkce_public_client.py
# checks that the provider is started as the script expects. Each section is run in a terminal
# of its own, from the root of an oauth-sandbox checkout; the file is not one script.

# --8<-- [start:start_provider]
oauth-sandbox provider --auto-login alice
# --8<-- [end:start_provider]

# --8<-- [start:run_script]
cd tutorials/05-pkce-public-client
python pkce.py
# --8<-- [end:run_script]

# --8<-- [start:run_step_by_step]
python pkce.py --step
# --8<-- [end:run_step_by_step]
