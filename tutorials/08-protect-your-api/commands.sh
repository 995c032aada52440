#!/bin/sh
# The commands of the tutorial "Protect your own API with bearer tokens"
# (docs/tutorials/08-protect-your-api.md). tests/docs/test_tutorial_08_protect_your_api.py runs
# these lines in order, with the provider's real port in place of 9000, and compares each
# response from the API (port 8080) with the section of the same name in responses.txt.
# Run each section from the root of an oauth-sandbox checkout; the file is not one script.

# --8<-- [start:start_provider]
oauth-sandbox provider --auto-login alice
# --8<-- [end:start_provider]

# --8<-- [start:run_jwt_api]
cd tutorials/08-protect-your-api
export ISSUER=http://127.0.0.1:9000
export TOKEN_CHECK=jwt
export AUDIENCE=http://127.0.0.1:8080
flask --app api run --port 8080
# --8<-- [end:run_jwt_api]

# --8<-- [start:no_token]
curl -i http://127.0.0.1:8080/photos
# --8<-- [end:no_token]

# --8<-- [start:alice_token]
cd tutorials/08-protect-your-api
TOKEN=$(python get_token.py alice)
# --8<-- [end:alice_token]

# --8<-- [start:alice_reads]
curl -i -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/photos
# --8<-- [end:alice_reads]

# --8<-- [start:alice_writes]
curl -i -H "Authorization: Bearer $TOKEN" -d title=Hello http://127.0.0.1:8080/photos
# --8<-- [end:alice_writes]

# --8<-- [start:advance_clock]
curl -X POST -d seconds=7200 http://127.0.0.1:9000/control/clock/advance
# --8<-- [end:advance_clock]

# --8<-- [start:alice_expired]
curl -i -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/photos
# --8<-- [end:alice_expired]

# --8<-- [start:reset_clock]
curl -X POST http://127.0.0.1:9000/control/clock/reset
# --8<-- [end:reset_clock]

# --8<-- [start:other_api_token]
TOKEN=$(python get_token.py alice http://127.0.0.1:9000/api)
curl -i -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/photos
# --8<-- [end:other_api_token]

# --8<-- [start:run_introspection_api]
export TOKEN_CHECK=introspection
export INTROSPECTION_CLIENT_ID=backend-service
export INTROSPECTION_CLIENT_SECRET=backend-service-secret
flask --app api run --port 8080
# --8<-- [end:run_introspection_api]

# --8<-- [start:service_token]
TOKEN=$(python get_token.py backend-service photos.read)
# --8<-- [end:service_token]

# --8<-- [start:service_reads]
curl -i -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/photos
# --8<-- [end:service_reads]

# --8<-- [start:service_writes]
curl -i -H "Authorization: Bearer $TOKEN" -d title=Hello http://127.0.0.1:8080/photos
# --8<-- [end:service_writes]

# --8<-- [start:service_write_token]
TOKEN=$(python get_token.py backend-service "photos.read photos.write")
curl -i -H "Authorization: Bearer $TOKEN" -d title=Hello http://127.0.0.1:8080/photos
# --8<-- [end:service_write_token]

# --8<-- [start:revoke]
curl -u backend-service:backend-service-secret -d token=$TOKEN http://127.0.0.1:9000/revoke
curl -i -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/photos
# --8<-- [end:revoke]
