# ssm-hybrid-fleet: functions shared by the Linux steps of the fleet's SSM documents.
# POSIX sh on purpose: SSM Agent runs runShellScript steps with `sh`, which is dash on
# Debian/Ubuntu. Every document embeds this file verbatim (see documents/build.ts); the
# variables the functions read are assigned, single-quoted, by the document's first lines.
set -u

HF_STATE_DIR="${HF_STATE_DIR:-/var/lib/ssm-hybrid-fleet}"
HF_WORK=""
HF_ITEMS=""
HF_AWS=""
HF_INSTANCE_ID=""
HF_REGION=""
HF_APT_UPDATED=""

hf_log() {
  printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"
}

hf_fail() {
  hf_log "ERROR: $*" >&2
}

hf_workdir() {
  if [ -z "$HF_WORK" ]; then
    HF_WORK=$(mktemp -d "${TMPDIR:-/tmp}/hf.XXXXXX") || return 1
    trap 'rm -rf "$HF_WORK"' EXIT
  fi
}

# The managed instance ID and region come from the agent's environment; a hybrid node that
# runs the script by hand falls back to the agent's registration file.
hf_identity() {
  HF_INSTANCE_ID="${AWS_SSM_INSTANCE_ID:-}"
  HF_REGION="${AWS_SSM_REGION_NAME:-}"
  _reg="${HF_REGISTRATION_FILE:-/var/lib/amazon/ssm/registration}"
  if [ -z "$HF_INSTANCE_ID" ] && [ -r "$_reg" ]; then
    HF_INSTANCE_ID=$(sed -n 's/.*"ManagedInstanceID"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$_reg")
  fi
  if [ -z "$HF_REGION" ] && [ -r "$_reg" ]; then
    HF_REGION=$(sed -n 's/.*"Region"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$_reg")
  fi
  if [ -z "$HF_INSTANCE_ID" ] || [ -z "$HF_REGION" ]; then
    hf_fail "cannot tell this node's managed instance ID and region (AWS_SSM_INSTANCE_ID / AWS_SSM_REGION_NAME unset)"
    return 1
  fi
}

hf_init() {
  case "$MODE" in
    report | enforce) ;;
    *)
      hf_fail "Mode must be report or enforce, got '$MODE'"
      return 1
      ;;
  esac
  hf_workdir || return 1
  HF_ITEMS="$HF_WORK/items.tsv"
  : >"$HF_ITEMS"
  hf_identity
}

hf_severity() {
  case "$1" in
    CRITICAL | HIGH | MEDIUM | LOW | INFORMATIONAL | UNSPECIFIED) printf '%s' "$1" ;;
    *) printf 'UNSPECIFIED' ;;
  esac
}

# awk helpers for text that ends up in compliance items (run with LC_ALL=C: bytes). cut() cuts
# to at most n bytes without splitting a UTF-8 character (n bytes is at most n characters, the
# unit of the API's limits); hash() is djb2, 8 hex digits, for Ids that must stay unique when cut.
HF_AWK_TEXT='
  BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i }
  function cut(s, n,   t, i, c, need) {
    if (length(s) <= n) return s
    t = substr(s, 1, n)
    i = n
    while (i > 0 && (c = ord[substr(t, i, 1)]) >= 128 && c < 192) i--
    if (i > 0) {
      c = ord[substr(t, i, 1)]
      need = c >= 240 ? 4 : c >= 224 ? 3 : c >= 192 ? 2 : 1
      if (n - i + 1 < need) t = substr(t, 1, i - 1)
    }
    return t
  }
  function hash(s,   h, i) {
    h = 5381
    for (i = 1; i <= length(s); i++) h = (h * 33 + ord[substr(s, i, 1)]) % 4294967296
    return sprintf("%08x", h)
  }
  function clean(s, n) { gsub(/[\001-\037\177]/, " ", s); return cut(s, n) }
  function itemid(s,   id) {
    id = clean(s, 100)
    if (id != clean(s, 1000000)) id = cut(id, 91) "~" hash(s)
    if (++seen[id] > 1) id = cut(id, 100 - length("#" seen[id])) "#" seen[id]
    return id
  }
'

# Drops byte sequences that are not UTF-8 (scanner output can be anything), so the request is
# valid JSON; keeps every valid character. Without iconv, keeps printable ASCII only.
hf_utf8() {
  if command -v iconv >/dev/null 2>&1; then
    iconv -f UTF-8 -t UTF-8 -c 2>/dev/null
  else
    LC_ALL=C tr -cd '\t\n -~'
  fi
}

# hf_clean TEXT [MAXBYTES]: one line of valid UTF-8 (no tabs, no control characters) of at most
# MAXBYTES (default 500, the API's Title limit), so the TSV stays one item per line.
hf_clean() {
  printf '%s' "$1" | tr '\t\r\n' '   ' | hf_utf8 |
    LC_ALL=C awk -v n="${2:-500}" "$HF_AWK_TEXT"'{ printf "%s", clean($0, n) }'
}

# hf_item ID STATUS SEVERITY TITLE [KEY=VALUE ...]: one compliance item.
hf_item() {
  _id=$(hf_clean "$1" 100)
  _line=$(printf '%s\t%s\t%s\t%s' "$_id" "$2" "$(hf_severity "$3")" "$(hf_clean "$4")")
  shift 4
  for _kv in "$@"; do
    _line=$(printf '%s\t%s' "$_line" "$(hf_clean "$_kv")")
  done
  printf '%s\n' "$_line" >>"$HF_ITEMS"
}

hf_count() {
  awk -F '\t' -v s="$1" '$2 == s { n++ } END { print n + 0 }' "$HF_ITEMS"
}

hf_pkg_install() {
  for _pkg in "$@"; do
    if command -v dnf >/dev/null 2>&1; then
      dnf install -y "$_pkg" && return 0
    elif command -v yum >/dev/null 2>&1; then
      yum install -y "$_pkg" && return 0
    elif command -v zypper >/dev/null 2>&1; then
      zypper --non-interactive install "$_pkg" && return 0
    elif command -v apt-get >/dev/null 2>&1; then
      if [ -z "$HF_APT_UPDATED" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -q && HF_APT_UPDATED=1
      fi
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$_pkg" && return 0
    fi
  done
  return 1
}

hf_http_get() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --proto '=https' --retry 3 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q --https-only -O "$2" "$1"
  else
    hf_fail "neither curl nor wget is installed"
    return 1
  fi
}

# The AWS CLI is how results reach SSM compliance; stock images often lack it, so install it:
# the distribution's package first (signed by the distribution), else AWS's bundle over HTTPS.
# Every lookup is overridable (HF_AWS_CLI: the CLI itself; HF_AWS_PATHS: where to look beyond
# PATH, for agents whose PATH lacks /usr/local/bin) so tests and odd hosts can seal it.
hf_ensure_aws_cli() {
  if [ -n "${HF_AWS_CLI:-}" ]; then
    HF_AWS=$HF_AWS_CLI
    return 0
  fi
  HF_AWS=$(command -v aws 2>/dev/null || true)
  [ -n "$HF_AWS" ] && return 0
  for _p in ${HF_AWS_PATHS-/usr/local/bin/aws /usr/bin/aws /snap/bin/aws}; do
    if [ -x "$_p" ]; then
      HF_AWS="$_p"
      return 0
    fi
  done
  hf_log "AWS CLI not found: installing it"
  if hf_pkg_install awscli aws-cli; then
    HF_AWS=$(command -v aws 2>/dev/null || true)
    [ -n "$HF_AWS" ] && return 0
  fi
  hf_workdir || return 1
  _zip="$HF_WORK/awscliv2.zip"
  hf_http_get "https://awscli.amazonaws.com/awscli-exe-linux-$(uname -m).zip" "$_zip" || return 1
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$_zip" -d "$HF_WORK" || return 1
  elif command -v python3 >/dev/null 2>&1; then
    python3 -m zipfile -e "$_zip" "$HF_WORK" || return 1
    chmod -R u+x "$HF_WORK/aws"
  else
    hf_fail "cannot unpack the AWS CLI bundle: neither unzip nor python3 is installed"
    return 1
  fi
  "$HF_WORK/aws/install" --update || return 1
  HF_AWS=/usr/local/bin/aws
}

# Builds the PutComplianceItems request from the items file and sends it with the node's own
# credentials (the managed-instance role; AmazonSSMManagedInstanceCore allows
# ssm:PutComplianceItems). UploadType COMPLETE replaces this type's previous items.
hf_put_compliance() {
  _req="$HF_WORK/put-compliance-items.json"
  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' "$HF_ITEMS" | awk -F '\t' \
    -v rid="$HF_INSTANCE_ID" -v ctype="$1" -v now="$(date -u +%Y-%m-%dT%H:%M:%SZ)" '
    BEGIN {
      printf "{\"ResourceId\":\"%s\",\"ResourceType\":\"ManagedInstance\",", rid
      printf "\"ComplianceType\":\"%s\",\"ExecutionSummary\":", ctype
      printf "{\"ExecutionTime\":\"%s\",\"ExecutionType\":\"Command\"},", now
      printf "\"UploadType\":\"COMPLETE\",\"Items\":["
      n = 0
    }
    NF >= 4 {
      printf "%s{\"Id\":\"%s\",\"Status\":\"%s\",", (n++ ? "," : ""), $1, $2
      printf "\"Severity\":\"%s\",\"Title\":\"%s\",\"Details\":{", $3, $4
      m = 0
      for (i = 5; i <= NF; i++) {
        k = $i
        v = ""
        p = index(k, "=")
        if (p > 0) { v = substr(k, p + 1); k = substr(k, 1, p - 1) }
        printf "%s\"%s\":\"%s\"", (m++ ? "," : ""), substr(k, 1, 64), v
      }
      printf "}}"
    }
    END { printf "]}\n" }' >"$_req" || return 1
  hf_ensure_aws_cli || {
    hf_fail "the AWS CLI is missing and could not be installed: results not reported"
    return 1
  }
  if "$HF_AWS" ssm put-compliance-items --region "$HF_REGION" --cli-input-json "file://$_req"; then
    hf_log "reported $(wc -l <"$HF_ITEMS" | tr -d ' ') item(s) as $1 for $HF_INSTANCE_ID"
  else
    hf_fail "PutComplianceItems failed for $1"
    return 1
  fi
}

# Exit status is the association status, and State Manager stops sending an association once
# maxErrors targets have failed; so it must not carry the compliance verdict (a fleet-wide report
# run would halt after 10 % of non-compliant machines). 0: measured and reported (compliance says
# compliant or not); 1: enforce mode could not act (install, start), a rollout circuit breaker;
# 2: could not measure or report.
HF_ACTION_FAILED=""

hf_finish() {
  if ! hf_put_compliance "$1"; then
    exit 2
  fi
  _verdict=COMPLIANT
  [ "$(hf_count NON_COMPLIANT)" -gt 0 ] && _verdict=NON_COMPLIANT
  if [ -n "$HF_ACTION_FAILED" ]; then
    hf_log "$1: $_verdict (reported; exit 1: enforce mode could not $HF_ACTION_FAILED)"
    exit 1
  fi
  hf_log "$1: $_verdict (reported; exit 0)"
  exit 0
}
