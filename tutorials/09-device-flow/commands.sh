#!/bin/sh
# The commands of the tutorial "Sign in on a TV: the device flow"
# (docs/tutorials/09-device-flow.md). tests/docs/test_tutorial_09_device_flow.py checks that
# the provider is started as the tutorial says. Each section is run in a terminal of its own,
# from the root of an oauth-sandbox checkout; the file is not one script.

# --8<-- [start:start_provider]
oauth-sandbox provider
# --8<-- [end:start_provider]

# --8<-- [start:run_script]
cd tutorials/09-device-flow
python device_flow.py
# --8<-- [end:run_script]
