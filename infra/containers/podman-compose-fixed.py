#!/usr/bin/python3
# Debian 12's podman-compose 1.0.3 with one bug fixed: container_to_args() pops "CMD" off the service's
# healthcheck test list, which every replica shares, so the second replica of a service with an exec-form
# healthcheck (docker-compose.yml's api and worker, deploy.replicas: 2) fails with "unknown healthcheck test
# type [node]". Each replica gets its own copy here; everything else is podman-compose unchanged.
# Used by stack.sh like podman-compose itself: podman-compose-fixed.py -p simple-shop -f … up -d
import copy
import sys

import podman_compose

_container_to_args = podman_compose.container_to_args


def container_to_args(compose, cnt, detached=True):
    cnt = dict(cnt, healthcheck=copy.deepcopy(cnt.get("healthcheck")))
    return _container_to_args(compose, cnt, detached)


podman_compose.container_to_args = container_to_args
sys.exit(podman_compose.main())
