#!/usr/bin/env bash
# What a phone's setup app does with a Photon in listening mode, from a
# plain client on the host: ask the device's SoftAP setup server for its
# public key, configure an access point with the passphrase RSA-encrypted
# (PKCS#1 v1.5, the openssl CLI) to that key, and tell it to connect.
#   softap_configure.sh http|tcp PORT SSID SECURITY CHANNEL PASSPHRASE
# http: the HTTP server (GET /public-key, POST /configure-ap, /connect-ap)
# with curl; tcp: the TCP setup protocol ("NAME\nLENGTH\n\nBODY", answered
# by "\n\n" and JSON) with a plain socket. SECURITY is WICED's number
# (4194308: WPA2 AES). Prints each reply; exits non-zero when one is not
# {"r":0} (or has no key).
set -eu
mode=$1 port=$2 ssid=$3 sec=$4 ch=$5 pass=$6
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

request() { # NAME BODY: the reply's JSON
  if [ "$mode" = http ]; then
    if [ "$1" = public-key ]; then curl -sS -m 20 "http://127.0.0.1:$port/$1"
    else curl -sS -m 20 -d "$2" "http://127.0.0.1:$port/$1"; fi
  else
    python3 - "$port" "$1" "$2" <<'PY'
import socket, sys
port, name, body = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
c = socket.create_connection(("127.0.0.1", port), timeout=20)
c.sendall(b"%s\n%d\n\n%s" % (name.encode(), len(body), body))
reply = b""
while True:
    d = c.recv(4096)
    if not d:
        break
    reply += d
sys.stdout.write(reply.decode().lstrip("\n"))
PY
  fi
}

key=$(request public-key "")
echo "public-key: ${key:0:40}..."
hex=$(python3 -c 'import json, sys
b = json.loads(sys.argv[1])["b"]
# the DER SubjectPublicKeyInfo, then padding: its length from the header
n = int(b[4:6], 16) + 3 if b[2:4] == "81" else int(b[4:8], 16) + 4
print(b[:2 * n])' "$key")
echo "$hex" | xxd -r -p > "$tmp/key.der"
openssl pkey -pubin -inform DER -in "$tmp/key.der" -out "$tmp/key.pem"
pwd=$(printf '%s' "$pass" | openssl pkeyutl -encrypt -pubin -inkey "$tmp/key.pem" \
      -pkeyopt rsa_padding_mode:pkcs1 | xxd -p | tr -d '\n')
r=$(request configure-ap "{\"idx\":0,\"ssid\":\"$ssid\",\"sec\":$sec,\"ch\":$ch,\"pwd\":\"$pwd\"}")
echo "configure-ap: $r"
[ "$r" = '{"r":0}' ]
r=$(request connect-ap '{"idx":0}')
echo "connect-ap: $r"
[ "$r" = '{"r":0}' ]
