# Shared helpers for integration tests (sourced). PHOTON_SIM is set by ctest.
set -u
SIM=${PHOTON_SIM:-$(dirname "$0")/../../build/photon-sim}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

# expect_rc WANT DESCRIPTION -- command...
expect_rc() {
  local want=$1 what=$2; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" != "$want" ]; then
    echo "FAIL: $what (exit $rc, wanted $want)"; echo "$out" | tail -30; fails=$((fails + 1))
  else
    echo "ok: $what"
  fi
  LAST_OUT=$out
}

# expect_out REGEX DESCRIPTION: the last command's output matches
expect_out() {
  if grep -Eq -- "$1" <<<"$LAST_OUT"; then echo "ok: $2"; else
    echo "FAIL: $2 (no match for /$1/)"; echo "$LAST_OUT" | tail -30; fails=$((fails + 1)); fi
}

finish() { [ $fails -eq 0 ] && echo "all passed" || { echo "$fails failed"; exit 1; }; }
