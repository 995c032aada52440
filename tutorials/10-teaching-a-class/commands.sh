#!/bin/sh
# The commands of the tutorial "Teach a class with the sandbox"
# (docs/tutorials/10-teaching-a-class.md), run from the root of an oauth-sandbox checkout.
# tests/docs/test_tutorial_10_teaching_a_class.py reads the files these commands name. Each
# section is typed in a terminal of its own; the file is not one script.

# --8<-- [start:run_class]
oauth-sandbox run --playlist tutorials/10-teaching-a-class/playlist.toml
# --8<-- [end:run_class]

# --8<-- [start:lan_provider]
oauth-sandbox provider --host 192.168.1.20 --config tutorials/10-teaching-a-class/classroom.toml
# --8<-- [end:lan_provider]

# --8<-- [start:lan_sandbox]
oauth-sandbox sandbox --host 192.168.1.20 --issuer http://192.168.1.20:9000 \
    --client-id classroom --client-secret classroom-secret
# --8<-- [end:lan_sandbox]

# --8<-- [start:lan_clock]
curl -X POST -d seconds=3600 -H "Authorization: Bearer $INSTRUCTOR_TOKEN" \
    http://192.168.1.20:9000/control/clock/advance
# --8<-- [end:lan_clock]
