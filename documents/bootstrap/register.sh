#!/usr/bin/env bash
# POSIX on purpose: `sh register.sh` reaches this line before any bash-only syntax.
if [ -z "${BASH_VERSION:-}" ]; then
  echo "register.sh: error: needs bash (run it as: bash register.sh)" >&2
  exit 13
fi
# Registers this machine with AWS Systems Manager as a hybrid managed node (mi-...) through
# the fleet's activation API. Runs at first boot (EC2 user data) or from any provisioning
# tool on-premises. register.ps1 is its line-by-line twin for Windows: change both together
# (tests/bootstrap/drift.test.ts compares their help tables, exit codes and messages).
set -euo pipefail
# Byte semantics for the JSON scanner and URL encoder, whatever the machine's locale.
export LC_ALL=C

# Filled in by components/activation/userData.ts; --api-url or HF_API_URL take precedence.
readonly BAKED_API_URL=''

# Retry policy. bench/burst.bench.ts reads these lines, so keep `readonly NAME=integer`.
readonly DEFAULT_MAX_ATTEMPTS=120
readonly DEFAULT_MAX_TIME=900
readonly DEFAULT_BACKOFF_BASE_MS=1000
readonly DEFAULT_BACKOFF_CAP_MS=20000

# AWS's signing key for the Linux agent packages ("SSM Agent <ssm-agent-signer@amazon.com>"),
# pinned by fingerprint. See agent_public_key and verify_agent_package.
readonly AGENT_KEY_FINGERPRINT=DE92C7DA3E56E92331D62A36BC1F495C97DD04ED

readonly E_OK=0
readonly E_USAGE=2
readonly E_IDENTITY=3
readonly E_BAD_REQUEST=4
readonly E_DENIED=5
readonly E_CONFLICT=6
readonly E_UNAVAILABLE=7
readonly E_RESPONSE=8
readonly E_INSTALL=9
readonly E_REGISTER=10
readonly E_SERVICE=11
readonly E_UNCONFIRMED=12
readonly E_PREREQ=13

usage() {
  cat <<'EOF'
Usage: register.sh [options]
Registers this machine with AWS Systems Manager (hybrid, mi-...) via the fleet's activation API.
On EC2 it proves itself with the IMDSv2 instance identity; elsewhere with a bootstrap token.

Options:
  --api-url URL          HF_API_URL            activation API base URL (default: filled in by the stack)
  --name NAME            HF_NAME               on-premises name (default: the hostname; EC2 always uses its instance ID)
  --token TOKEN          HF_TOKEN              bootstrap token hft_... (on-premises)
  --token-file PATH      HF_TOKEN_FILE         file holding the bootstrap token (keeps it out of the process list)
  --tag KEY=VALUE        HF_TAGS               extra tag the API allows; repeatable (env: comma-separated)
  --no-ec2               HF_NO_EC2             skip the EC2 identity even if IMDS answers (env: 1)
  --force                HF_FORCE              re-register even if already registered (env: 1, true or yes)
  --max-attempts N       HF_MAX_ATTEMPTS       most API calls before giving up (default 120)
  --max-time SECONDS     HF_MAX_TIME           most seconds spent calling the API (default 900)
  --help                 -                     print this help and exit 0

Endpoints and overrides (environment only):
  HF_IMDS_URL            EC2 instance metadata base URL (default http://169.254.169.254)
  HF_AGENT_BIN           SSM agent executable (default: the installed amazon-ssm-agent)
  HF_SERVICE_CMD         service manager, run as: CMD is-active|stop|start|restart SERVICE (default: systemctl, service or Restart-Service)
  HF_REGISTRATION_FILE   agent registration file (default /var/lib/amazon/ssm/registration or %ProgramData%\Amazon\SSM\InstanceData\registration)
  HF_AGENT_BUCKET_URL    agent download base URL (default: the region's amazon-ssm-REGION bucket)
  HF_INSTALL_CMD         installer, run as: CMD PACKAGE_FILE [ARGS] (default: dnf, yum, zypper, dpkg or the Windows setup)
  HF_AGENT_KEY_FILE      agent package signing key (Linux only; default: AWS's, built in)
  HF_AGENT_KEY_FINGERPRINT  its pinned fingerprint (Linux only; default: AWS's)
  HF_SKIP_AGENT_SIGNATURE  1: install the agent unverified (dangerous)
  HF_OS_RELEASE          os-release file choosing rpm or deb (Linux only; default /etc/os-release)
  HF_ARCH                machine architecture (default: uname -m or PROCESSOR_ARCHITECTURE)
  HF_BACKOFF_BASE_MS     first retry delay ceiling in milliseconds (default 1000)
  HF_BACKOFF_CAP_MS      largest retry delay ceiling in milliseconds (default 20000)
  HF_LOCK_FILE           one-run-at-a-time lock (default: beside the registration file)
  HF_ALLOW_HTTP          1: allow http:// off loopback (default: https only)

Exit codes:
  0   registered, or already registered (nothing to do)
  2   usage error
  3   no identity: not on EC2 and no bootstrap token
  4   the API refused the request as malformed (400)
  5   the API denied the proof, account or name (401, 403)
  6   the name is held by another registered, online node (409)
  7   the API stayed unavailable (429, 5xx, network) within the attempt and time bounds
  8   the API answered something unusable
  9   the SSM agent is missing and could not be installed
  10  the SSM agent refused the registration
  11  the SSM agent service could not be restarted
  12  the registration file holds no mi- ID after registering
  13  a required tool is missing
EOF
}

log() { printf 'register.sh: %s\n' "$1" >&2; }

# One line, then the exit code: provisioning logs show the reason without the context.
fail() {
  printf 'register.sh: error: %s\n' "$2" >&2
  exit "$1"
}

# Untrusted text (API messages) reaches the log as one printable line of bounded length.
one_line() {
  local s
  s=$(printf '%s' "$1" | tr -c '[:print:]' ' ')
  printf '%s' "${s:0:300}"
}

# ---------------------------------------------------------------- arguments
API_URL=${HF_API_URL:-}
NAME=${HF_NAME:-}
TOKEN=${HF_TOKEN:-}
TOKEN_FILE=${HF_TOKEN_FILE:-}
NO_EC2=${HF_NO_EC2:-0}
FORCE=${HF_FORCE:-0}
MAX_ATTEMPTS=${HF_MAX_ATTEMPTS:-$DEFAULT_MAX_ATTEMPTS}
MAX_TIME=${HF_MAX_TIME:-$DEFAULT_MAX_TIME}
TAGS=()
if [[ -n ${HF_TAGS:-} ]]; then
  IFS=',' read -r -a TAGS <<<"$HF_TAGS"
fi

need_value() {
  [[ $# -ge 2 && -n $2 ]] || fail "$E_USAGE" "option $1 needs a value (see --help)"
}

while [[ $# -gt 0 ]]; do
  opt=$1
  if [[ $opt == --*=* ]]; then
    set -- "${opt%%=*}" "${opt#*=}" "${@:2}"
    opt=$1
  fi
  case $opt in
    --api-url) need_value "$@"; API_URL=$2; shift 2 ;;
    --name) need_value "$@"; NAME=$2; shift 2 ;;
    --token) need_value "$@"; TOKEN=$2; shift 2 ;;
    --token-file) need_value "$@"; TOKEN_FILE=$2; shift 2 ;;
    --tag) need_value "$@"; TAGS+=("$2"); shift 2 ;;
    --no-ec2) NO_EC2=1; shift ;;
    --force) FORCE=1; shift ;;
    --max-attempts) need_value "$@"; MAX_ATTEMPTS=$2; shift 2 ;;
    --max-time) need_value "$@"; MAX_TIME=$2; shift 2 ;;
    --help | -h) usage; exit "$E_OK" ;;
    *) fail "$E_USAGE" "unknown option $(one_line "$opt") (see --help)" ;;
  esac
done

API_URL=${API_URL:-$BAKED_API_URL}
IMDS_URL=${HF_IMDS_URL:-http://169.254.169.254}
REGISTRATION_FILE=${HF_REGISTRATION_FILE:-/var/lib/amazon/ssm/registration}
BACKOFF_BASE_MS=${HF_BACKOFF_BASE_MS:-$DEFAULT_BACKOFF_BASE_MS}
BACKOFF_CAP_MS=${HF_BACKOFF_CAP_MS:-$DEFAULT_BACKOFF_CAP_MS}

[[ $API_URL =~ ^https?://[^[:space:]\"\'\\]+$ ]] ||
  fail "$E_USAGE" "API URL missing or not http(s)://...: give --api-url or HF_API_URL"
# TLS only (token out, activation code back, agent run as root); plain HTTP on loopback only.
loopback_host() { # url
  local rest=${1#*://} host
  rest=${rest%%[/?#]*}
  [[ $rest != *@* ]] || return 1
  if [[ $rest == \[* ]]; then host=${rest%%]*}]; else host=${rest%%:*}; fi
  [[ $host == localhost || $host == '[::1]' || $host =~ ^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]]
}
require_tls() { # url what
  [[ $1 == https://* || ${HF_ALLOW_HTTP:-0} == 1 ]] || loopback_host "$1" ||
    fail "$E_USAGE" "refusing http:// for the $2: only loopback may use plain HTTP (use https://, or HF_ALLOW_HTTP=1)"
}
require_tls "$API_URL" "API URL"
if [[ -n ${HF_AGENT_BUCKET_URL:-} ]]; then
  [[ $HF_AGENT_BUCKET_URL =~ ^https?://[^[:space:]\"\'\\]+$ ]] ||
    fail "$E_USAGE" "HF_AGENT_BUCKET_URL must be an http(s):// URL"
  require_tls "$HF_AGENT_BUCKET_URL" "agent bucket URL"
fi
API_URL=${API_URL%/}
case ${FORCE,,} in
  1 | true | yes) FORCE=1 ;;
  0 | false | no | '') FORCE=0 ;;
  *) fail "$E_USAGE" "HF_FORCE must be 1, true or yes (or 0, false, no), got $(one_line "$FORCE")" ;;
esac
[[ $MAX_ATTEMPTS =~ ^[1-9][0-9]{0,3}$ ]] || fail "$E_USAGE" "--max-attempts must be a whole number from 1 to 9999"
[[ $MAX_TIME =~ ^[1-9][0-9]{0,5}$ ]] || fail "$E_USAGE" "--max-time must be a whole number of seconds from 1 to 999999"
[[ $BACKOFF_BASE_MS =~ ^[1-9][0-9]{0,6}$ ]] || fail "$E_USAGE" "HF_BACKOFF_BASE_MS must be a whole number of milliseconds from 1 to 9999999"
[[ $BACKOFF_CAP_MS =~ ^[1-9][0-9]{0,6}$ ]] || fail "$E_USAGE" "HF_BACKOFF_CAP_MS must be a whole number of milliseconds from 1 to 9999999"
if [[ -n $TOKEN_FILE ]]; then
  [[ -r $TOKEN_FILE ]] || fail "$E_USAGE" "token file $(one_line "$TOKEN_FILE") is not readable"
  [[ -f $TOKEN_FILE ]] || fail "$E_USAGE" "token file $(one_line "$TOKEN_FILE") is not a regular file"
  token_mode=$(stat -c %a -- "$TOKEN_FILE" 2>/dev/null) || token_mode=0
  if ((8#$token_mode & 8#077)); then
    log "warning: token file $(one_line "$TOKEN_FILE") is readable by group or others (mode $token_mode); chmod 600 it" # (Linux only)
  fi
  TOKEN=$(tr -d '[:space:]' <"$TOKEN_FILE")
fi
# A malformed token is refused here so that it never travels; its value is never printed.
[[ -z $TOKEN || $TOKEN =~ ^hft_[A-Za-z0-9_-]{43}$ ]] ||
  fail "$E_USAGE" "the bootstrap token must be hft_ followed by 43 base64url characters"
for tag in "${TAGS[@]+"${TAGS[@]}"}"; do
  [[ $tag =~ ^[^=]+=.*$ ]] || fail "$E_USAGE" "--tag must be KEY=VALUE, got $(one_line "$tag")"
done

for tool in base64 tr sed grep mktemp; do
  command -v "$tool" >/dev/null 2>&1 || fail "$E_PREREQ" "required tool $tool is not installed" # (Linux only)
done
if command -v curl >/dev/null 2>&1; then
  HTTP_TOOL=curl
elif command -v wget >/dev/null 2>&1; then
  HTTP_TOOL=wget
else
  fail "$E_PREREQ" "required tool curl (or wget) is not installed" # (Linux only)
fi
# BusyBox wget lacks what the requests need; wget --timeout bounds reads, timeout the attempt.
if [[ $HTTP_TOOL == wget ]]; then
  wget_version=$(wget --version 2>/dev/null) || true
  [[ $wget_version == "GNU Wget"* ]] ||
    fail "$E_PREREQ" "wget here is not GNU Wget (BusyBox?): install curl or GNU wget" # (Linux only)
  command -v timeout >/dev/null 2>&1 || fail "$E_PREREQ" "required tool timeout is not installed" # (Linux only)
fi

WORK=$(mktemp -d)
# Leave the agent as found: a failure after stopping a running agent starts it again.
AGENT=''
SERVICE_WAS_ACTIVE=0
SERVICE_STOPPED=0
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  if ((SERVICE_STOPPED == 1 && SERVICE_WAS_ACTIVE == 1)); then
    log "starting the SSM agent service ($SERVICE) again, as it was running before this run"
    service_ctl start >&2 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# IMDS answers only on the link-local address: a configured HTTP proxy must not carry it.
IMDS_HOST=${IMDS_URL#*://}
IMDS_HOST=${IMDS_HOST%%[:/]*}
export no_proxy="$IMDS_HOST${no_proxy:+,$no_proxy}" NO_PROXY="$IMDS_HOST${NO_PROXY:+,$NO_PROXY}"

# ---------------------------------------------------------------- agent
SERVICE=amazon-ssm-agent
find_agent() {
  if [[ -n ${HF_AGENT_BIN:-} ]]; then
    [[ -x $HF_AGENT_BIN ]] && AGENT=$HF_AGENT_BIN
  elif AGENT=$(command -v amazon-ssm-agent 2>/dev/null); then
    :
  elif [[ -x /usr/bin/amazon-ssm-agent ]]; then
    AGENT=/usr/bin/amazon-ssm-agent
  elif [[ -x /snap/amazon-ssm-agent/current/amazon-ssm-agent ]]; then
    AGENT=/snap/amazon-ssm-agent/current/amazon-ssm-agent
  fi
  # Ubuntu's snap agent has the snap's service.
  case ${AGENT:-} in
    */snap/bin/amazon-ssm-agent | */snap/amazon-ssm-agent/*) SERVICE=snap.amazon-ssm-agent.amazon-ssm-agent ;;
  esac
  [[ -n ${AGENT:-} ]]
}

# AWS's agent key (docs.aws.amazon.com/systems-manager/latest/userguide/verify-agent-signature.html),
# minimal export (fits 16 KB user data); this copy's self-signature expired 2025-02-17.
agent_public_key() {
  cat <<'KEY'
-----BEGIN PGP PUBLIC KEY BLOCK-----

mQENBGTtIoIBCAD2M1aoGIE0FXynAHM/jtuvdAVVaX3Q4ZejTqrX+Jq8ElAMhxyO
GzHu2CDtCYxtVxXK3unptLVt2kGgJwNbhYC393jDeZx5dCda4Nk2YXX1UK3P461i
axuuXRzMYvfM4RZn+7bJTu635tA07q9Xm6MGD4TCTvsjBfViOxbrxOg5ozWbJdSw
fSR8MwUrRfmFpAefRlYfCEuZ8FHywa9U6jLeWt2O/kqrZliJOAGjGzXtB7EZkqKb
faCCxikjjvhF1awdEqSK4DQorC/OvQc4I5kP5y2CJbtXvXO73QH2yE75JMDIIx9x
rOsIRUoSfK3UrWaOVuAnEEn5ueKzZNqGG1J1ABEBAAG0J1NTTSBBZ2VudCA8c3Nt
LWFnZW50LXNpZ25lckBhbWF6b24uY29tPokBPwQTAQIAKQUCZO0iggIbLwUJAsaY
gAcLCQgHAwIBBhUIAgkKCwQWAgMBAh4BAheAAAoJELwfSVyX3QTt+icH/A//tJsW
I+7Ay8FGJh8dJPNy++HIBjVSFdGNJFWNbw1Z8uZcazHEcUCH3FhW4CLQLTZ3OVPz
qvFwzDtRDVIN/Y9EGDhLMFvimrE+/z4olWsJ5DANf6BnX8I5UNIcRt5d8SWH1BEJ
2FWIBZFgKyTDI6XzRC5x4ahtgpOVAGeeKDehs+wh6Ga4W0/K4GsviP1Kyr+Ic2br
NAIq0q0IHyN1q9zam3Y0+jKwEuNmTj+Bjyzshyv/X8S0JWWoXJhkexkOvWeBYNNt
5wI4QcSteyfIzp6KlQF8q11Hzz9D9WaPfcBEYyhq7vLEARobkbQMBzpkmaZua241
0RaWG50HRvrgm4Y=
=BNAx
-----END PGP PUBLIC KEY BLOCK-----
KEY
}

# Checks <package URL>.sig against the pinned primary fingerprint. An expired key is accepted:
# AWS extends the expiry by re-publishing the key, and the fingerprint still proves the signer.
verify_agent_package() { # package-file package-url
  local pkg=$1 url=$2 home=$WORK/gnupg fpr=${HF_AGENT_KEY_FINGERPRINT:-$AGENT_KEY_FINGERPRINT} line primary='' good='' expired=''
  if [[ ${HF_SKIP_AGENT_SIGNATURE:-0} == 1 ]]; then
    log "HF_SKIP_AGENT_SIGNATURE=1: installing the SSM agent package WITHOUT verifying its signature" # (Linux only)
    return 0
  fi
  http_request GET "$url.sig" "$WORK/no-headers" "$pkg.sig" "$WORK/sig-heads" 60
  [[ $HTTP_STATUS == 200 && -s $pkg.sig ]] ||
    fail "$E_INSTALL" "no signature for the SSM agent package at $url.sig; nothing installed" # (Linux only)
  mkdir -m 700 "$home"
  if [[ -n ${HF_AGENT_KEY_FILE:-} ]]; then
    cat -- "$HF_AGENT_KEY_FILE" >"$WORK/agent-key.asc"
  else
    agent_public_key >"$WORK/agent-key.asc"
  fi
  gpg --homedir "$home" --batch --quiet --import "$WORK/agent-key.asc" >/dev/null 2>&1 ||
    fail "$E_INSTALL" "could not import the SSM agent signing key; nothing installed" # (Linux only)
  gpg --homedir "$home" --batch --status-fd 1 --verify "$pkg.sig" "$pkg" >"$WORK/gpg-status" 2>/dev/null || true
  while IFS= read -r line; do
    case $line in
      '[GNUPG:] GOODSIG '*) good=1 ;;
      '[GNUPG:] EXPKEYSIG '*) good=1 expired=1 ;;
      # The last field is the primary key's fingerprint (gpg >= 2.0).
      '[GNUPG:] VALIDSIG '*) primary=${line##* } ;;
      '[GNUPG:] BADSIG '* | '[GNUPG:] ERRSIG '* | '[GNUPG:] REVKEYSIG '* | '[GNUPG:] EXPSIG '*) good='' primary='-' ; break ;;
    esac
  done <"$WORK/gpg-status"
  [[ -n $good && ${primary^^} == "${fpr^^}" ]] ||
    fail "$E_INSTALL" "SSM agent package signature does not verify with key $fpr; nothing installed" # (Linux only)
  [[ -z $expired ]] ||
    log "note: the pinned SSM agent key has expired in this script's copy; accepted by fingerprint $fpr" # (Linux only)
  log "SSM agent package signature verified (key $fpr)" # (Linux only)
}

install_agent() {
  local os_release=${HF_OS_RELEASE:-/etc/os-release} arch=${HF_ARCH:-$(uname -m)} ids='' family dir ext pkg url cmd
  if [[ -r $os_release ]]; then
    ids=$(sed -n 's/^\(ID\|ID_LIKE\)=["'\'']\{0,1\}\([^"'\'']*\).*/\2/p' "$os_release" | tr '\n' ' ')
  fi
  case " $ids " in
    *" debian "* | *" ubuntu "*) family=debian; ext=deb ;;
    *" amzn "* | *" rhel "* | *" fedora "* | *" centos "* | *" suse "* | *" sles "* | *" opensuse "*) family=linux; ext=rpm ;;
    *) fail "$E_INSTALL" "SSM agent missing and this OS is not supported (os-release ID: $(one_line "$ids"))" ;; # (Linux only)
  esac
  case $arch in
    x86_64 | amd64) dir=${family}_amd64 ;;
    aarch64 | arm64) dir=${family}_arm64 ;;
    *) fail "$E_INSTALL" "SSM agent missing and architecture $(one_line "$arch") is not supported" ;;
  esac
  url=${HF_AGENT_BUCKET_URL:-https://s3.$REGION.amazonaws.com/amazon-ssm-$REGION}
  url=${url%/}/latest/$dir/amazon-ssm-agent.$ext
  pkg=$WORK/amazon-ssm-agent.$ext
  log "installing the SSM agent from $url"
  : >"$WORK/no-headers"
  http_request GET "$url" "$WORK/no-headers" "$pkg" "$WORK/pkg-heads" 300
  [[ $HTTP_STATUS == 200 ]] || fail "$E_INSTALL" "SSM agent download failed from $url"
  verify_agent_package "$pkg" "$url"
  if [[ -n ${HF_INSTALL_CMD:-} ]]; then
    read -r -a cmd <<<"$HF_INSTALL_CMD"
  elif [[ $ext == deb ]]; then
    cmd=(dpkg -i)
  elif command -v dnf >/dev/null 2>&1; then
    cmd=(dnf install -y)
  elif command -v yum >/dev/null 2>&1; then
    cmd=(yum install -y)
  elif command -v zypper >/dev/null 2>&1; then
    cmd=(zypper --non-interactive install --allow-unsigned-rpm)
  else
    cmd=(rpm -U)
  fi
  "${cmd[@]}" "$pkg" >&2 || fail "$E_INSTALL" "SSM agent install failed: ${cmd[*]}"
}

service_ctl() { # action
  local cmd
  if [[ -n ${HF_SERVICE_CMD:-} ]]; then
    read -r -a cmd <<<"$HF_SERVICE_CMD"
    "${cmd[@]}" "$1" "$SERVICE"
  elif command -v systemctl >/dev/null 2>&1; then
    systemctl "$1" "$SERVICE"
  elif command -v service >/dev/null 2>&1; then
    if [[ $1 == is-active ]]; then service "$SERVICE" status; else service "$SERVICE" "$1"; fi
  else
    return 1
  fi
}

# ---------------------------------------------------------------- already registered?
registered_id() {
  [[ -r $REGISTRATION_FILE ]] || return 1
  local content
  content=$(tr -d '\n\r' <"$REGISTRATION_FILE")
  [[ $content =~ \"ManagedInstanceID\"[[:space:]]*:[[:space:]]*\"(mi-[0-9a-f]{17})\" ]] || return 1
  printf '%s' "${BASH_REMATCH[1]}"
}

# One run at a time (two would spend two activations); check registration once locked.
LOCK_FILE=${HF_LOCK_FILE:-${REGISTRATION_FILE%/*}/hybrid-fleet-register.lock}
command -v flock >/dev/null 2>&1 || fail "$E_PREREQ" "required tool flock is not installed (util-linux)" # (Linux only)
mkdir -p -- "${LOCK_FILE%/*}" 2>/dev/null || true
exec 9>>"$LOCK_FILE" || fail "$E_USAGE" "cannot open the lock file $(one_line "$LOCK_FILE") (HF_LOCK_FILE)"
if ! flock -n 9; then
  log "another run holds $LOCK_FILE; waiting up to ${MAX_TIME}s"
  flock -w "$MAX_TIME" 9 || fail "$E_UNAVAILABLE" "another run still holds $LOCK_FILE after ${MAX_TIME}s"
fi

if [[ $FORCE != 1 ]] && existing=$(registered_id); then
  log "already registered as $existing; nothing to do (--force re-registers)"
  find_agent || true
  if ! service_ctl is-active >/dev/null 2>&1; then
    log "the SSM agent service ($SERVICE) was not running; starting it"
    service_ctl start >&2 || fail "$E_SERVICE" "the SSM agent service could not be started ($SERVICE)"
  fi
  exit "$E_OK"
fi

# ---------------------------------------------------------------- HTTP
# Sets HTTP_STATUS (000 when no HTTP answer came back). Headers travel in a private config
# file (curl -K, WGETRC), never through the process list. Each attempt forks only the HTTP
# tool: a burst of machines sharing a host (or a small VM) spends its CPU on requests.
http_request() { # method url headers-file out-body out-headers max-seconds
  local method=$1 url=$2 hdrs=$3 body=$4 heads=$5 secs=$6 line rc=0
  : >"$body"
  : >"$heads"
  if [[ ! -e $hdrs.rc ]]; then
    while IFS= read -r line; do
      if [[ $HTTP_TOOL == curl ]]; then
        line=${line//\\/\\\\}
        printf 'header = "%s"\n' "${line//\"/\\\"}"
      else
        printf 'header = %s\n' "$line"
      fi
    done <"$hdrs" >"$hdrs.rc"
  fi
  HTTP_STATUS=000
  if [[ $HTTP_TOOL == curl ]]; then
    # -q: no ~/.curlrc; no redirects, so the token never follows a Location.
    curl -q -sS -K "$hdrs.rc" -X "$method" -o "$body" -D "$heads" -w '%{http_code}' \
      --proto "=${url%%://*}" --proto-redir =https --max-redirs 0 \
      --connect-timeout 5 --max-time "$secs" "$url" >"$WORK/status" 2>/dev/null || rc=$?
    read -r HTTP_STATUS <"$WORK/status" || true
  else
    WGETRC=$hdrs.rc timeout -k 2 "$secs" wget -q -S --content-on-error --method="$method" -O "$body" \
      --max-redirect=0 --timeout="$secs" --tries=1 "$url" 2>"$heads" || rc=$?
    while IFS= read -r line; do
      [[ $line =~ ^[[:space:]]*HTTP/[0-9.]+[[:space:]]([0-9]{3}) ]] && HTTP_STATUS=${BASH_REMATCH[1]}
    done <"$heads"
  fi
  [[ $HTTP_STATUS =~ ^[0-9]{3}$ ]] || HTTP_STATUS=000
  # A 2xx whose transfer failed (cut off, timed out) is retried.
  if ((rc != 0)) && [[ $HTTP_STATUS == 2* ]]; then HTTP_STATUS=000; fi
}

# ---------------------------------------------------------------- JSON
declare -A JSON=()
UNESCAPED=''
readonly JSON_MAX_BYTES=65536

# Decodes a JSON string's inside into UNESCAPED (control characters: space or ?). Linear: one
# split at backslashes, one join (bash's `+=` copies the string).
json_unescape() {
  local parts=() pieces=() p hex code c i=1 n bs=$'\\'
  IFS=$bs read -r -d '' -a parts <<<"$1" || true
  n=${#parts[@]}
  parts[n - 1]=${parts[n - 1]%$'\n'}
  pieces=("${parts[0]}")
  while ((i < n)); do
    p=${parts[i]}
    i=$((i + 1))
    if [[ -z $p ]]; then
      # An escaped backslash: the piece after it is plain text.
      ((i < n)) || return 1
      pieces+=("$bs" "${parts[i]}")
      i=$((i + 1))
      continue
    fi
    case ${p:0:1} in
      '"' | /) pieces+=("${p:0:1}" "${p:1}") ;;
      b | f | n | r | t) pieces+=(' ' "${p:1}") ;;
      u)
        hex=${p:1:4}
        [[ $hex =~ ^[0-9a-fA-F]{4}$ ]] || return 1
        code=$((16#$hex))
        c='?'
        ((code < 32 || code >= 127)) || printf -v c '%b' "\\x$(printf '%02x' "$code")"
        pieces+=("$c" "${p:5}")
        ;;
      *) return 1 ;;
    esac
  done
  printf -v UNESCAPED '%s' "${pieces[@]}"
}

# Skips (and checks) one value at JT[JI]; iterative, so deep nesting cannot exhaust the stack.
json_skip() {
  local stack='' tok state=V
  while ((JI < ${#JT[@]})); do
    tok=${JT[JI]}
    JI=$((JI + 1))
    if [[ $state == N ]]; then
      if [[ $tok == , ]]; then
        if [[ ${stack: -1} == '{' ]]; then state=K; else state=V; fi
        continue
      fi
      [[ $tok == '}' && ${stack: -1} == '{' || $tok == ']' && ${stack: -1} == '[' ]] || return 1
      stack=${stack%?}
    elif [[ $state == C ]]; then
      [[ $tok == : ]] || return 1
      state=V
      continue
    elif [[ $state == K || $state == KC ]]; then
      if [[ $state == KC && $tok == '}' ]]; then
        stack=${stack%?}
      elif [[ $tok == \"*\" ]]; then
        state=C
        continue
      else
        return 1
      fi
    elif [[ $state == VC && $tok == ']' ]]; then
      stack=${stack%?}
    elif [[ $tok == '{' ]]; then
      stack+='{'
      state=KC
      continue
    elif [[ $tok == '[' ]]; then
      stack+='['
      state=VC
      continue
    elif ! [[ $tok == \"*\" || $tok == null || $tok == true || $tok == false || $tok =~ $number_re ]]; then
      return 1
    fi
    # A value is complete here.
    [[ -n $stack ]] || return 0
    state=N
  done
  return 1
}

# json_parse TEXT [strict|document]: JSON[key]=value for one object's top-level members. strict
# (API): strings, null, true, false only. document (IMDS): also numbers; skips arrays/objects
# (billingProducts on paid AMIs). Duplicate keys are refused (readers would disagree).
json_parse() {
  local mode=${2:-strict} tok key JI=0 JT=()
  local -A seen=()
  # One token per line, in one linear grep pass; a stray byte is a token the grammar refuses.
  local token_re=$'"([^"\\\\\x01-\x1f]|\\\\.)*"|[][{}:,]|-?[0-9][0-9.eE+-]*|true|false|null|[^[:space:]]'
  local number_re='^-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][+-]?[0-9]+)?$'
  JSON=()
  mapfile -t JT < <(grep -aoE "$token_re" <<<"$1")
  [[ ${JT[0]-} == '{' ]] || return 1
  JI=1
  if [[ ${JT[1]-} == '}' ]]; then
    JI=2
  else
    while :; do
      tok=${JT[JI]-}
      [[ $tok == \"*\" && ${JT[JI + 1]-} == : ]] || return 1
      json_unescape "${tok:1:${#tok}-2}" || return 1
      key=$UNESCAPED
      [[ -z ${seen[$key]+x} ]] || return 1
      seen[$key]=1
      JI=$((JI + 2))
      tok=${JT[JI]-}
      if [[ $tok == \"*\" ]]; then
        json_unescape "${tok:1:${#tok}-2}" || return 1
        JSON[$key]=$UNESCAPED
        JI=$((JI + 1))
      elif [[ $tok == null || $tok == true || $tok == false ]]; then
        JSON[$key]=$tok
        JI=$((JI + 1))
      elif [[ $mode == document && $tok =~ $number_re ]]; then
        JSON[$key]=$tok
        JI=$((JI + 1))
      elif [[ $mode == document && ($tok == '{' || $tok == '[') ]]; then
        json_skip || return 1
      else
        return 1
      fi
      tok=${JT[JI]-}
      JI=$((JI + 1))
      [[ $tok == , ]] && continue
      [[ $tok == '}' ]] || return 1
      break
    done
  fi
  # Nothing may follow the closing brace.
  ((JI == ${#JT[@]}))
}

urlencode() {
  local s=$1 out='' c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [A-Za-z0-9._~-]) out+=$c ;;
      *) printf -v c '%%%02X' "'$c"; out+=${c: -3} ;;
    esac
  done
  printf '%s' "$out"
}

# ---------------------------------------------------------------- identity
IDENTITY=token
EC2_ID=''
: >"$WORK/api-headers"
printf 'Accept: application/json\n' >>"$WORK/api-headers"

imds_get() { # path -> body file $WORK/imds; returns non-zero unless 200
  http_request GET "$IMDS_URL$1" "$WORK/imds-headers" "$WORK/imds" "$WORK/imds-heads" 3
  [[ $HTTP_STATUS == 200 && -s $WORK/imds ]]
}

if [[ $NO_EC2 != 1 ]]; then
  printf 'X-aws-ec2-metadata-token-ttl-seconds: 300\n' >"$WORK/imds-put"
  http_request PUT "$IMDS_URL/latest/api/token" "$WORK/imds-put" "$WORK/imds-token" "$WORK/imds-heads" 3
  if [[ $HTTP_STATUS == 200 && -s $WORK/imds-token ]]; then
    printf 'X-aws-ec2-metadata-token: %s\n' "$(tr -d '\r\n' <"$WORK/imds-token")" >"$WORK/imds-headers"
    if imds_get /latest/dynamic/instance-identity/document; then
      doc_size=$(wc -c <"$WORK/imds")
      if ((doc_size <= JSON_MAX_BYTES)) && json_parse "$(<"$WORK/imds")" document && [[ ${JSON[instanceId]:-} =~ ^i-[0-9a-f]{8,17}$ ]]; then
        EC2_ID=${JSON[instanceId]}
      else
        log "IMDS answered but its identity document is unusable (no top-level instanceId i-...); not using the EC2 identity"
      fi
    fi
    if [[ -n $EC2_ID ]]; then
      NAME=$EC2_ID
      cp "$WORK/imds" "$WORK/document"
      if imds_get /latest/dynamic/instance-identity/rsa2048; then
        KIND=rsa2048
      elif imds_get /latest/dynamic/instance-identity/signature; then
        KIND=signature
      else
        fail "$E_IDENTITY" "IMDS served the identity document but no rsa2048 or signature"
      fi
      {
        printf 'X-Instance-Identity-Document: %s\n' "$(base64 <"$WORK/document" | tr -d '\r\n')"
        printf 'X-Instance-Identity-Signature: %s\n' "$(tr -d '\r\n' <"$WORK/imds")"
        printf 'X-Instance-Identity-Signature-Kind: %s\n' "$KIND"
      } >>"$WORK/api-headers"
      IDENTITY=ec2
      [[ -z $TOKEN ]] || log "on EC2: using the instance identity; the token is ignored (--no-ec2 uses it)"
    fi
  fi
fi

if [[ $IDENTITY == token ]]; then
  [[ -n $TOKEN ]] ||
    fail "$E_IDENTITY" "no identity: not on EC2 (or --no-ec2) and no bootstrap token (--token, --token-file, HF_TOKEN, HF_TOKEN_FILE)"
  NAME=${NAME:-$(hostname 2>/dev/null || uname -n)}
  printf 'Authorization: Bearer %s\n' "$TOKEN" >>"$WORK/api-headers"
fi
[[ -n $NAME ]] || fail "$E_USAGE" "the machine name is empty: give --name or HF_NAME"

QUERY="name=$(urlencode "$NAME")"
for tag in "${TAGS[@]+"${TAGS[@]}"}"; do
  QUERY+="&tag.$(urlencode "${tag%%=*}")=$(urlencode "${tag#*=}")"
done

# Before an activation is spent.
if ! find_agent && [[ ${HF_SKIP_AGENT_SIGNATURE:-0} != 1 ]] && ! command -v gpg >/dev/null 2>&1; then
  fail "$E_PREREQ" "gpg is needed to verify the SSM agent package before installing it: install gnupg (HF_SKIP_AGENT_SIGNATURE=1 installs it unverified: dangerous)" # (Linux only)
fi

# ---------------------------------------------------------------- activation API
# Full jitter: the delay is uniform in [0, min(cap, base * 2^(n-1))]. A Retry-After of S
# seconds moves the window to [S, 2S]: never earlier than asked, and spread so that the
# machines told to wait do not all come back in the same instant.
backoff_ms() { # failed-attempt-number retry-after-seconds -> DELAY
  local n=$1 ra=$2 ceiling=$BACKOFF_BASE_MS i
  for ((i = 1; i < n && ceiling < BACKOFF_CAP_MS; i++)); do ceiling=$((ceiling * 2)); done
  ((ceiling <= BACKOFF_CAP_MS)) || ceiling=$BACKOFF_CAP_MS
  if [[ -n $ra ]] && ((ra > 0)); then
    DELAY=$((ra * 1000 + (RANDOM * 32768 + RANDOM) % (ra * 1000 + 1)))
  else
    DELAY=$(((RANDOM * 32768 + RANDOM) % (ceiling + 1)))
  fi
}

log "requesting an activation for $NAME ($IDENTITY identity)"
attempt=0
start=$SECONDS
while :; do
  attempt=$((attempt + 1))
  # Each attempt gets at most 30 s and never more than what is left of --max-time.
  budget=$((MAX_TIME - (SECONDS - start)))
  ((budget <= 30)) || budget=30
  ((budget >= 1)) || budget=1
  http_request GET "$API_URL/activate?$QUERY" "$WORK/api-headers" "$WORK/body" "$WORK/heads" "$budget"
  status=$HTTP_STATUS
  case $status in
    200) break ;;
    400 | 401 | 403 | 409)
      body_size=$(wc -c <"$WORK/body")
      ((body_size <= JSON_MAX_BYTES)) && json_parse "$(<"$WORK/body")" || JSON=()
      # API Gateway's own refusals (resource policy) say "Message", the function says "message".
      message=$(one_line "${JSON[message]:-${JSON[Message]:-no message}}")
      code=$(one_line "${JSON[error]:-}")
      [[ $message == "User: anonymous is not authorized to perform: execute-api:Invoke"* ]] &&
        message+=" (the API's resource policy refused this network: its source address or VPC endpoint is not allowed)"
      case $status in
        400) fail "$E_BAD_REQUEST" "activation API refused the request (HTTP $status $code): $message" ;;
        409) fail "$E_CONFLICT" "activation API: name in use (HTTP $status $code): $message" ;;
        *) fail "$E_DENIED" "activation API denied the request (HTTP $status $code): $message" ;;
      esac
      ;;
    000 | 429 | 5[0-9][0-9]) ;;
    *) fail "$E_RESPONSE" "activation API answered HTTP $status (check the API URL)" ;;
  esac
  retry_after=''
  while IFS= read -r line; do
    # wget -S prints the headers indented by two spaces.
    [[ $line =~ ^[[:space:]]*[Rr][Ee][Tt][Rr][Yy]-[Aa][Ff][Tt][Ee][Rr]:[[:space:]]*([0-9]{1,5})[[:space:]]*$ ]] &&
      retry_after=${BASH_REMATCH[1]}
  done <"$WORK/heads"
  elapsed=$((SECONDS - start))
  backoff_ms "$attempt" "$retry_after"
  delay=$DELAY
  if ((attempt >= MAX_ATTEMPTS || elapsed * 1000 + delay > MAX_TIME * 1000)); then
    fail "$E_UNAVAILABLE" "activation API unavailable after $attempt attempts in ${elapsed}s (last HTTP $status)"
  fi
  log "attempt $attempt: HTTP $status; retrying in ${delay}ms"
  printf -v pause '%d.%03d' $((delay / 1000)) $((delay % 1000))
  sleep "$pause"
done

body_size=$(wc -c <"$WORK/body")
((body_size <= JSON_MAX_BYTES)) || fail "$E_RESPONSE" "activation API answered more than $JSON_MAX_BYTES bytes"
json_parse "$(<"$WORK/body")" || fail "$E_RESPONSE" "activation API answered 200 with a body that is not a flat JSON object"
ACTIVATION_ID=${JSON[activationId]:-}
ACTIVATION_CODE=${JSON[activationCode]:-}
REGION=${JSON[region]:-}
[[ $ACTIVATION_ID =~ ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$ ]] ||
  fail "$E_RESPONSE" "activation API answered without a valid activationId"
[[ $ACTIVATION_CODE =~ ^[A-Za-z0-9+/=]{20,250}$ ]] ||
  fail "$E_RESPONSE" "activation API answered without a valid activationCode"
[[ $REGION =~ ^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$ ]] ||
  fail "$E_RESPONSE" "activation API answered without a valid region"
log "got activation $ACTIVATION_ID in $REGION after $attempt attempt(s)"

if ! find_agent; then
  install_agent
  find_agent || fail "$E_INSTALL" "SSM agent still missing after install"
fi

# Stopping first matters on Debian/Ubuntu, where a running agent keeps its old identity.
if service_ctl is-active >/dev/null 2>&1; then SERVICE_WAS_ACTIVE=1; fi
service_ctl stop >/dev/null 2>&1 || true
SERVICE_STOPPED=1
log "registering with $AGENT"
if ! "$AGENT" -register -code "$ACTIVATION_CODE" -id "$ACTIVATION_ID" -region "$REGION" -y >"$WORK/agent.log" 2>&1; then
  detail=$(tail -n 1 "$WORK/agent.log")
  fail "$E_REGISTER" "the SSM agent refused the registration: $(one_line "${detail//"$ACTIVATION_CODE"/<code>}")"
fi
service_ctl restart >&2 || fail "$E_SERVICE" "the SSM agent service could not be restarted ($SERVICE)"
SERVICE_STOPPED=0

for _ in 1 2 3 4 5; do
  if MI=$(registered_id); then
    log "registered $NAME as $MI in $REGION"
    exit "$E_OK"
  fi
  sleep 1
done
fail "$E_UNCONFIRMED" "no mi- ID in $REGISTRATION_FILE after registering"
