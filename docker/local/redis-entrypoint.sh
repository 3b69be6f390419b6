#!/bin/sh
# Like the official image: without a config file Redis starts in protected mode and refuses clients
# from other containers, so `redis-server …` runs with protected mode off (the compose network is private).
if [ "$1" = redis-server ]; then
  shift
  exec redis-server --protected-mode no "$@"
fi
exec "$@"
