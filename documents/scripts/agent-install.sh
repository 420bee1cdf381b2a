# ssm-hybrid-fleet vendor-agent install (Linux). Reads AGENT_INSTALLER_SOURCE,
# AGENT_INSTALLER_SHA256, AGENT_INSTALL_ARGS, AGENT_SERVICE and AGENT_PATH. Idempotent: an
# agent already installed from the same installer is left alone; the service is started.

agent_install_main() {
  hf_workdir || exit 2
  # The region is only needed for S3 sources; an unregistered node can still use HTTPS.
  hf_identity 2>/dev/null || true
  hf_install_agent "$AGENT_INSTALLER_SOURCE" "$AGENT_INSTALLER_SHA256" "$AGENT_INSTALL_ARGS" \
    "$AGENT_SERVICE" "$AGENT_PATH" || exit 1
  if [ -n "$AGENT_SERVICE" ] && ! hf_service_active "$AGENT_SERVICE"; then
    hf_service_start "$AGENT_SERVICE" || {
      hf_fail "service $AGENT_SERVICE did not start"
      exit 1
    }
  fi
  hf_log "agent ready"
}
