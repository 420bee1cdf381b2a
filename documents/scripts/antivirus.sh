# ssm-hybrid-fleet anti-virus control (Linux). Reads MODE, SEVERITY, AV_SERVICE,
# AV_AGENT_PATH, AV_DEFINITIONS_PATH, AV_MAX_AGE_HOURS, AV_INSTALLER_SOURCE,
# AV_INSTALLER_SHA256 and AV_INSTALL_ARGS. Reports Custom:Antivirus: one item per check
# plus a CONTROL item; enforce mode installs and starts the agent first.

# Age in hours of a definitions file, or of the newest signature file (name matching one of
# the space-separated globs) under a definitions folder; empty when there is none. Only
# signature files count: freshclam.dat and temporary files are rewritten by every update
# attempt, failed ones included. -L follows a symlinked folder (and symlinked files).
av_definitions_age_hours() {
  [ -e "$1" ] || return 0
  if [ -f "$1" ]; then
    _newest=$(stat -L -c %Y "$1")
  else
    _dir=$1
    set -f
    # shellcheck disable=SC2086 # the globs are split on spaces, never expanded (set -f)
    set -- $2
    set +f
    _first=1
    for _g in "$@"; do
      if [ -n "$_first" ]; then
        set -- "$@" -name "$_g"
        _first=""
      else
        set -- "$@" -o -name "$_g"
      fi
      shift
    done
    [ $# -gt 0 ] || return 0
    _newest=$(find -L "$_dir" -type f \( "$@" \) -exec stat -L -c %Y {} + 2>/dev/null | sort -n | tail -n 1)
  fi
  [ -n "$_newest" ] || return 0
  echo $((($(date +%s) - _newest) / 3600))
}

av_main() {
  hf_init || exit 2
  _action=none
  if [ -z "$AV_SERVICE" ] && [ -z "$AV_AGENT_PATH" ]; then
    hf_item CONTROL NON_COMPLIANT "$SEVERITY" "Anti-virus control not configured for Linux" \
      "mode=$MODE" "reason=LinuxServiceName and LinuxAgentPath are both empty"
    hf_finish Custom:Antivirus
  fi
  if [ "$MODE" = enforce ]; then
    if ! hf_agent_present "$AV_SERVICE" "$AV_AGENT_PATH"; then
      if hf_install_agent "$AV_INSTALLER_SOURCE" "$AV_INSTALLER_SHA256" "$AV_INSTALL_ARGS" \
        "$AV_SERVICE" "$AV_AGENT_PATH"; then
        _action=installed
      else
        _action=install-failed
        # shellcheck disable=SC2034 # read by hf_finish (common.sh)
        HF_ACTION_FAILED="install the agent"
      fi
    fi
    if [ -n "$AV_SERVICE" ] && hf_agent_present "$AV_SERVICE" "$AV_AGENT_PATH" &&
      ! hf_service_active "$AV_SERVICE"; then
      if hf_service_start "$AV_SERVICE"; then
        if [ "$_action" = none ]; then _action=started; else _action="$_action+started"; fi
      else
        _action=start-failed
        # shellcheck disable=SC2034 # read by hf_finish (common.sh)
        HF_ACTION_FAILED="start the service"
      fi
    fi
  fi

  _installed=NON_COMPLIANT
  hf_agent_present "$AV_SERVICE" "$AV_AGENT_PATH" && _installed=COMPLIANT
  hf_item AV-Installed "$_installed" "$SEVERITY" \
    "Anti-virus agent installed (${AV_AGENT_PATH:-service $AV_SERVICE})" "mode=$MODE"

  if [ -n "$AV_SERVICE" ]; then
    _running=NON_COMPLIANT
    _why=stopped
    if [ "$_installed" = NON_COMPLIANT ]; then
      _why=not-installed
    elif hf_service_active "$AV_SERVICE"; then
      _running=COMPLIANT
      _why=running
    fi
    hf_item AV-ServiceRunning "$_running" "$SEVERITY" "Anti-virus service $AV_SERVICE running" \
      "mode=$MODE" "state=$_why"
  fi

  if [ -n "$AV_DEFINITIONS_PATH" ]; then
    _age=$(av_definitions_age_hours "$AV_DEFINITIONS_PATH" "$AV_DEFINITIONS_GLOB")
    _fresh=NON_COMPLIANT
    if [ -n "$_age" ] && [ "$_age" -le "$AV_MAX_AGE_HOURS" ]; then
      _fresh=COMPLIANT
    fi
    hf_item AV-DefinitionsFresh "$_fresh" "$SEVERITY" \
      "Anti-virus definitions at most $AV_MAX_AGE_HOURS h old" \
      "mode=$MODE" "ageHours=${_age:-missing}" "path=$AV_DEFINITIONS_PATH" "glob=$AV_DEFINITIONS_GLOB"
  fi

  _control=COMPLIANT
  [ "$(hf_count NON_COMPLIANT)" -gt 0 ] && _control=NON_COMPLIANT
  hf_item CONTROL "$_control" "$SEVERITY" "Anti-virus control ($MODE mode)" \
    "mode=$MODE" "action=$_action"
  hf_finish Custom:Antivirus
}
