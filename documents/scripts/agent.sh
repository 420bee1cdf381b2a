# ssm-hybrid-fleet: vendor-agent functions (download, verify, install, services) shared by
# the agent-install and anti-virus documents' Linux steps. Needs common.sh.

hf_sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{ print $1 }'
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | awk '{ print $1 }'
  else
    openssl dgst -sha256 -r "$1" | awk '{ print $1 }'
  fi
}

hf_fetch() {
  case "$1" in
    https://*) hf_http_get "$1" "$2" ;;
    s3://*)
      hf_ensure_aws_cli || return 1
      "$HF_AWS" s3 cp --only-show-errors --region "$HF_REGION" "$1" "$2"
      ;;
    *)
      hf_fail "installer source must start with https:// or s3://"
      return 1
      ;;
  esac
}

# What kind of installer a downloaded file is: its magic bytes first (a presigned or
# extension-less URL says nothing), else the URL's path without ?query and #fragment.
hf_installer_kind() {
  _magic=$(od -An -tx1 -N8 "$1" 2>/dev/null | tr -d ' \n')
  case "$_magic" in
    213c617263683e0a*) echo deb && return 0 ;; # "!<arch>\n": ar archive (.deb)
    edabeedb*) echo rpm && return 0 ;;
    2321*) echo sh && return 0 ;; # "#!"
  esac
  _urlpath=${2%%[?#]*}
  case "$_urlpath" in
    *.rpm) echo rpm ;;
    *.deb) echo deb ;;
    *) echo sh ;;
  esac
}

# systemd runs only if /run/systemd/system exists (sd_booted(3)); systemctl is also installed in
# containers, WSL and chroots where it cannot answer, and every service would read as missing.
hf_has_systemd() {
  [ -d "${HF_SYSTEMD_RUN_DIR:-/run/systemd/system}" ] && command -v systemctl >/dev/null 2>&1
}

hf_service_exists() {
  if hf_has_systemd; then
    systemctl cat "$1.service" >/dev/null 2>&1
  else
    [ -x "${HF_INITD_DIR:-/etc/init.d}/$1" ]
  fi
}

hf_service_active() {
  if hf_has_systemd; then
    systemctl is-active --quiet "$1.service"
  else
    service "$1" status >/dev/null 2>&1
  fi
}

hf_service_start() {
  if hf_has_systemd; then
    systemctl enable "$1.service" && systemctl start "$1.service"
  else
    service "$1" start
  fi
}

hf_agent_present() {
  if [ -n "$2" ]; then
    [ -e "$2" ]
  else
    [ -n "$1" ] && hf_service_exists "$1"
  fi
}

# hf_install_agent SOURCE SHA256 ARGS SERVICE PATH: idempotent vendor-agent install. Nothing
# downloaded is run unless its SHA-256 matches. A marker records the installed hash so a
# changed hash upgrades, an unchanged one is a no-op.
hf_install_agent() {
  _src=$1
  _want=$(printf '%s' "$2" | tr 'A-F' 'a-f')
  _args=$3
  _svc=$4
  _path=$5
  if [ -z "$_src" ] || [ -z "$_want" ]; then
    hf_fail "no installer configured for Linux (installer source and SHA-256 are both required)"
    return 1
  fi
  _marker="$HF_STATE_DIR/agents/$(printf '%s' "${_svc:-$_path}" | tr -c 'A-Za-z0-9_.-' '_').sha256"
  if hf_agent_present "$_svc" "$_path"; then
    if [ ! -f "$_marker" ] || [ "$(cat "$_marker")" = "$_want" ]; then
      hf_log "agent already installed: nothing to do"
      return 0
    fi
    hf_log "installed agent differs from the configured installer: upgrading"
  fi
  hf_workdir || return 1
  _file="$HF_WORK/installer"
  hf_fetch "$_src" "$_file" || {
    hf_fail "could not download the installer"
    return 1
  }
  _got=$(hf_sha256 "$_file")
  if [ "$_got" != "$_want" ]; then
    rm -f "$_file"
    hf_fail "installer SHA-256 mismatch (expected $_want, got $_got): nothing was run"
    return 1
  fi
  # Package managers recognise a local package by its extension.
  _kind=$(hf_installer_kind "$_file" "$_src")
  mv "$_file" "$_file.$_kind" && _file="$_file.$_kind"
  case "$_kind" in
    deb) hf_log "installer is a .deb package" ;;
    rpm) hf_log "installer is an .rpm package" ;;
    *) hf_log "installer is a shell script" ;;
  esac
  hf_log "installer verified (SHA-256 $_got): installing"
  # The arguments were validated against a pattern without quotes or shell operators; they
  # are split on spaces with globbing off so each becomes one argument.
  (
    set -f
    IFS=' '
    # shellcheck disable=SC2086
    case "$_file" in
      *.rpm)
        if command -v dnf >/dev/null 2>&1; then
          exec dnf install -y $_args "$_file"
        elif command -v yum >/dev/null 2>&1; then
          exec yum install -y $_args "$_file"
        elif command -v zypper >/dev/null 2>&1; then
          exec zypper --non-interactive install $_args "$_file"
        else
          exec rpm -U $_args "$_file"
        fi
        ;;
      *.deb)
        export DEBIAN_FRONTEND=noninteractive
        exec apt-get install -y $_args "$_file"
        ;;
      *) exec sh "$_file" $_args ;;
    esac
  ) || {
    hf_fail "installer failed"
    return 1
  }
  mkdir -p "$HF_STATE_DIR/agents" && printf '%s' "$_want" >"$_marker"
  if ! hf_agent_present "$_svc" "$_path"; then
    hf_fail "installer finished but the agent is still missing"
    return 1
  fi
  hf_log "agent installed"
}
