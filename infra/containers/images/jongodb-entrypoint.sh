#!/bin/bash
# Starts the jongodb stand-in (see jongodb.Containerfile) after saying loudly what it is. Any arguments given
# (e.g. compose's `--replSet rs0 --bind_ip_all` for mongod) are mongod flags that jongodb does not take: they are
# reported and ignored.
set -euo pipefail
cat >&2 <<BANNER
################################################################################################
#  THIS IS NOT MONGODB. jongodb, an in-memory MongoDB-protocol stand-in, for offline testing only.
#  Data is lost when the container stops; concurrent transactions are NOT isolated.
#  Never use it for real data: point MONGODB_URI at a real replica set (docs/deployment.md).
################################################################################################
BANNER
[ $# -gt 0 ] && echo "jongodb-entrypoint: ignoring mongod arguments: $*" >&2
# jongodb binds the address it advertises, so bind the service name: clients of a replica set connect to
# the advertised member, and 0.0.0.0 would send them to themselves.
exec /usr/local/bin/jongodb --host="$JONGODB_ADVERTISE_HOST" --port="$JONGODB_PORT" \
  --topology-profile=singleNodeReplicaSet --replica-set-name="$JONGODB_REPLICA_SET"
