#!/bin/sh
# Starts nats-server ("$@" are its arguments) once every password accounts.conf names is set.
# nats-server takes an empty variable as an empty password, which anyone could then log in
# with; an unset one stops it with a message that does not say where passwords come from.
set -eu
conf="${0%/*}/accounts.conf"
for var in $(grep -oE '[$]TRAWL_NATS_PASSWORD_[A-Z0-9_]+' "$conf" | sort -u); do
  var=${var#?}
  eval "pw=\${$var:-}"
  if [ "${#pw}" -lt 16 ]; then
    echo "$var is unset or shorter than 16 characters: every NATS user needs a password (README, Running in production)" >&2
    exit 78
  fi
done
exec nats-server "$@"
