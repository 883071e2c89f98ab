#!/bin/bash
# `mongosh` in the jongodb stand-in image answers ONLY docker-compose.yml's mongo healthcheck
# (`mongosh --quiet --eval "…rs.status()…"`): jongodb is a replica set from its first second, so the check is
# whether it accepts connections, and the script prints 1 like rs.status().ok would. It is not a MongoDB shell.
exec 3<>"/dev/tcp/$JONGODB_ADVERTISE_HOST/$JONGODB_PORT" || exit 1
echo 1
