# Helpers for the local cloud's integration tests (sourced after lib.bash):
# `photon-sim cloud` on free ports with a store and key in $TMP, and the
# test double of a device (mock-photon), each read line by line through a
# FIFO so that tests wait for what they say instead of sleeping.
MOCK=${MOCK_PHOTON:-$(dirname "$SIM")/tests/mock-photon}
CLOUD_PID=
CLOUD_LOG=$TMP/cloud.log
declare -A MOCK_PID MOCK_FD

# cloud_start ARGS...: sets API, TOKEN, DPORT and exports PHOTON_CLOUD_API
# and PHOTON_CLOUD_TOKEN for `photon-sim cloud COMMAND`.
cloud_start() {
  rm -f "$TMP/cloud.fifo"; mkfifo "$TMP/cloud.fifo"
  "$SIM" cloud --store "$TMP/cloud.db" --key "$TMP/cloud-key.pem" --api-port 0 --device-port 0 "$@" \
    > "$TMP/cloud.fifo" 2>> "$CLOUD_LOG" &
  CLOUD_PID=$!
  exec {CLOUD_FD}< "$TMP/cloud.fifo"
  local line
  API= TOKEN= DPORT=
  while IFS= read -r -t 60 -u "$CLOUD_FD" line; do
    case $line in
      api:*) API=${line#api: } ;;
      token:*) TOKEN=${line#token: } ;;
      devices:*) DPORT=${line##*:}; break ;;
    esac
  done
  [ -n "$API" ] && [ -n "$TOKEN" ] && [ -n "$DPORT" ] || { echo "FAIL: the cloud did not start"; tail "$CLOUD_LOG"; exit 1; }
  export PHOTON_CLOUD_API=$API PHOTON_CLOUD_TOKEN=$TOKEN
}

# cloud_stop: SIGTERM; the cloud must exit 0 and report no sanitizer error.
cloud_stop() {
  kill -TERM "$CLOUD_PID"; wait "$CLOUD_PID"; local rc=$?
  exec {CLOUD_FD}<&-
  CLOUD_PID=
  [ $rc = 0 ] && echo "ok: the cloud stops on SIGTERM with exit 0" || { echo "FAIL: cloud exit $rc"; fails=$((fails + 1)); }
  if grep -qE 'Sanitizer|runtime error' "$CLOUD_LOG"; then
    echo "FAIL: the cloud reported errors"; grep -E 'Sanitizer|runtime error' "$CLOUD_LOG" | head -5; fails=$((fails + 1))
  fi
}

# mock_start NAME ARGS...: a test double of a device; waits for "online"
# unless the args make it fail on purpose (then use mock_wait).
mock_start() {
  local name=$1; shift
  rm -f "$TMP/mock-$name.fifo"; mkfifo "$TMP/mock-$name.fifo"
  "$MOCK" --server-key "$TMP/cloud-key.pem" --port "$DPORT" "$@" > "$TMP/mock-$name.fifo" 2>&1 &
  MOCK_PID[$name]=$!
  local fd
  exec {fd}< "$TMP/mock-$name.fifo"
  MOCK_FD[$name]=$fd
}

# mock_wait NAME REGEX: read the device's lines until one matches.
mock_wait() {
  local name=$1 re=$2 line
  while IFS= read -r -t 60 -u "${MOCK_FD[$name]}" line; do
    echo "$line" >> "$TMP/mock-$name.log"
    [[ $line =~ $re ]] && { MOCK_LINE=$line; return 0; }
  done
  echo "  (device $name said:)"; sed 's/^/  | /' "$TMP/mock-$name.log" 2>/dev/null | tail -5
  return 1
}

mock_stop() {
  local name=$1
  kill "${MOCK_PID[$name]}" 2>/dev/null; wait "${MOCK_PID[$name]}" 2>/dev/null
  exec {MOCK_FD[$name]}<&-
  unset "MOCK_PID[$name]"
}

# api METHOD PATH [CURL ARGS...]: the REST API with the token; sets CODE
# and BODY.
api() {
  local m=$1 p=$2; shift 2
  BODY=$(curl -s -X "$m" -H "Authorization: Bearer $TOKEN" -w '\n%{http_code}' "$@" "$API$p")
  CODE=${BODY##*$'\n'}; BODY=${BODY%$'\n'*}
}

# check WHAT EXPR: a jq expression on BODY that must be true.
check() {
  if jq -e "$2" <<<"$BODY" >/dev/null 2>&1; then echo "ok: $1"; else
    echo "FAIL: $1 ($2 on HTTP $CODE: $BODY)"; fails=$((fails + 1)); fi
}

cleanup_cloud() {
  if [ "$fails" != 0 ] && [ -f "$CLOUD_LOG" ]; then
    echo "  (the cloud's log, last lines:)"; tail -40 "$CLOUD_LOG" | sed 's/^/  | /'
  fi
  for n in "${!MOCK_PID[@]}"; do kill -KILL "${MOCK_PID[$n]}" 2>/dev/null; done
  [ -n "$CLOUD_PID" ] && kill -KILL "$CLOUD_PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup_cloud EXIT
