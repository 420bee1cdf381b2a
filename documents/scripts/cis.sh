# ssm-hybrid-fleet CIS control (Linux). Reads MODE, SEVERITY, CIS_SCANNER, CIS_PROFILE,
# CIS_CONTENT, CIS_INSTALL_SCANNER, CIS_SCANNER_COMMAND, CIS_SCANNER_ARGS,
# CIS_REMEDIATE_ARGS, CIS_RESULT_FILE and CIS_RESULT_FORMAT. Reports Custom:CIS: one item
# per rule evaluated plus a CONTROL item; enforce mode remediates.

CIS_ERROR=""

cis_os_field() {
  sed -n "s/^$1=\"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p" "${HF_OS_RELEASE:-/etc/os-release}" | head -n 1
}

# SCAP Security Guide names its data streams per product; best effort for the common ones.
# HF_SCAP_CONTENT_DIR overrides where the distribution's package puts them.
cis_default_content() {
  _ver=$(cis_os_field VERSION_ID)
  _major=${_ver%%.*}
  case "$(cis_os_field ID)" in
    ubuntu) _name="ubuntu$(printf '%s' "$_ver" | tr -d .)" ;;
    rhel | rocky) _name="rhel$_major" ;;
    almalinux) _name="almalinux$_major" ;;
    centos) _name="cs$_major" ;;
    ol) _name="ol$_major" ;;
    amzn) if [ "$_major" = 2 ]; then _name=amzn2; else _name="al$_major"; fi ;;
    sles | sled) _name="sle$_major" ;;
    debian) _name="debian$_major" ;;
    *) _name="$(cis_os_field ID)$_major" ;;
  esac
  printf '%s/ssg-%s-ds.xml' "${HF_SCAP_CONTENT_DIR:-/usr/share/xml/scap/ssg/content}" "$_name"
}

# The packages holding OpenSCAP and the distribution's SCAP Security Guide content. Debian's
# ssg-debian has Debian content only and ssg-debderived Ubuntu content only, so installing the
# first package that happens to exist would pick the wrong product.
cis_scanner_packages() {
  case "$(cis_os_field ID)" in
    debian | ubuntu) printf 'openscap-scanner libopenscap8' ;;
    sles | sled | opensuse* ) printf 'openscap-utils' ;;
    *) printf 'openscap-scanner' ;;
  esac
}

cis_content_packages() {
  case "$(cis_os_field ID)" in
    debian) printf 'ssg-debian' ;;
    ubuntu) printf 'ssg-debderived' ;;
    *) printf 'scap-security-guide' ;;
  esac
}

# CIS profile ids, most wanted first: SSG calls the level 1 server profile cis_level1_server
# (Ubuntu), cis_server_l1 (RHEL family, SUSE, Amazon Linux) or plain cis (older RHEL content).
CIS_PROFILE_PREFERENCE="cis_level1_server cis_server_l1 cis"

# Profile ids a data stream offers, one per line. `oscap info --profiles` is OpenSCAP >= 1.3;
# older versions print them inside the full `oscap info` report.
cis_profiles_in() {
  { oscap info --profiles "$1" 2>/dev/null || oscap info "$1" 2>/dev/null; } |
    grep -o 'xccdf_[A-Za-z0-9_.-]*_profile_[A-Za-z0-9_.-]*' | sort -u
}

CIS_NO_PROFILE="no CIS profile for this OS: set cis profile/scapContent or use scanner=command"

cis_run_openscap() {
  _ds=$CIS_CONTENT
  [ "$_ds" = auto ] && _ds=$(cis_default_content)
  if [ "$CIS_INSTALL_SCANNER" = true ]; then
    if ! command -v oscap >/dev/null 2>&1; then
      hf_log "OpenSCAP not found: installing it"
      # shellcheck disable=SC2046 # package names without spaces
      hf_pkg_install $(cis_scanner_packages)
    fi
    if [ ! -r "$_ds" ] && [ "$CIS_CONTENT" = auto ]; then
      hf_log "SCAP content $_ds not found: installing $(cis_content_packages)"
      # shellcheck disable=SC2046
      hf_pkg_install $(cis_content_packages)
    fi
  fi
  if ! command -v oscap >/dev/null 2>&1; then
    CIS_ERROR="OpenSCAP (oscap) is not installed"
    return 1
  fi
  if [ ! -r "$_ds" ]; then
    if [ "$CIS_CONTENT" = auto ]; then
      CIS_ERROR="$CIS_NO_PROFILE (no SCAP content $_ds)"
    else
      CIS_ERROR="SCAP content $_ds not found"
    fi
    return 1
  fi
  _offered=$(cis_profiles_in "$_ds")
  _profile=$CIS_PROFILE
  if [ "$_profile" = auto ]; then
    _profile=""
    for _want in $CIS_PROFILE_PREFERENCE; do
      _profile=$(printf '%s\n' "$_offered" | sed -n "/_profile_${_want}\$/{p;q;}")
      [ -n "$_profile" ] && break
    done
    if [ -z "$_profile" ]; then
      CIS_ERROR="$CIS_NO_PROFILE ($_ds offers: $(printf '%s' "$_offered" | sed 's/.*_profile_//' | tr '\n' ' ')"
      CIS_ERROR="${CIS_ERROR% })"
      return 1
    fi
  elif ! printf '%s\n' "$_offered" | grep -qx "$_profile"; then
    CIS_ERROR="profile $_profile is not in $_ds (it offers: $(printf '%s' "$_offered" | sed 's/.*_profile_//' | tr '\n' ' ')"
    CIS_ERROR="${CIS_ERROR% })"
    return 1
  fi
  CIS_USED_PROFILE=$_profile
  set -- xccdf eval --profile "$_profile" --results "$1"
  [ "$MODE" = enforce ] && set -- "$@" --remediate
  hf_log "running oscap $* $_ds"
  oscap "$@" "$_ds" >"$HF_WORK/scanner.log" 2>&1
  _rc=$?
  # oscap: 0 all rules passed, 2 at least one failed, anything else is an error.
  if [ "$_rc" != 0 ] && [ "$_rc" != 2 ]; then
    CIS_ERROR="oscap exited $_rc: $(tail -n 3 "$HF_WORK/scanner.log" | tr '\n' ' ')"
    return 1
  fi
}

cis_run_command() {
  if [ -z "$CIS_SCANNER_COMMAND" ] || [ -z "$CIS_RESULT_FILE" ]; then
    CIS_ERROR="LinuxScannerCommand and LinuxResultFile are required when Scanner is command"
    return 1
  fi
  if [ ! -x "$CIS_SCANNER_COMMAND" ]; then
    CIS_ERROR="scanner $CIS_SCANNER_COMMAND is not installed or not executable"
    return 1
  fi
  _args=$CIS_SCANNER_ARGS
  if [ "$MODE" = enforce ] && [ -n "$CIS_REMEDIATE_ARGS" ]; then
    _args=$CIS_REMEDIATE_ARGS
  fi
  CIS_USED_PROFILE=vendor
  rm -f "$CIS_RESULT_FILE"
  (
    set -f
    IFS=' '
    # shellcheck disable=SC2086 # validated arguments, split on spaces with globbing off
    exec "$CIS_SCANNER_COMMAND" $_args
  ) >"$HF_WORK/scanner.log" 2>&1
  _rc=$?
  if [ ! -s "$CIS_RESULT_FILE" ]; then
    CIS_ERROR="scanner exited $_rc and wrote no result file $CIS_RESULT_FILE"
    return 1
  fi
  cp "$CIS_RESULT_FILE" "$1"
}

# XCCDF results (OpenSCAP, CIS-CAT, ...) to "rule<TAB>result<TAB>severity<TAB>title" lines.
# Tags are split onto their own lines first so single-line XML parses too.
cis_xccdf_to_tsv() {
  awk '{ gsub(/></, ">\n<"); print }' "$1" | awk '
    function attr(s, name) {
      if (match(s, " " name "=\"[^\"]*\"")) return substr(s, RSTART + length(name) + 3, RLENGTH - length(name) - 4)
      return ""
    }
    function text(s) {
      sub(/^[^>]*>/, "", s); sub(/<.*$/, "", s)
      gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;/, "\"", s); gsub(/&apos;/, "\047", s)
      gsub(/&amp;/, "\\&", s)
      return s
    }
    /<([A-Za-z0-9_-]+:)?Rule[ >]/ { rule = attr($0, "id"); rsev[rule] = attr($0, "severity") }
    /<([A-Za-z0-9_-]+:)?title[ >]/ && rule != "" { if (!(rule in title)) title[rule] = text($0); rule = "" }
    /<([A-Za-z0-9_-]+:)?rule-result[ >]/ { cur = attr($0, "idref"); cursev = attr($0, "severity") }
    /<([A-Za-z0-9_-]+:)?result>/ && cur != "" {
      n++; id[n] = cur; res[n] = text($0); sev[n] = cursev; cur = ""
    }
    END {
      for (i = 1; i <= n; i++) {
        s = sev[i]; if (s == "") s = rsev[id[i]]; if (s == "") s = "unknown"
        t = (id[i] in title) ? title[id[i]] : id[i]
        printf "%s\t%s\t%s\t%s\n", id[i], res[i], s, t
      }
    }'
}

# Findings ("rule<TAB>result<TAB>severity<TAB>title") to compliance items in one awk pass: a
# CIS profile has hundreds of rules, and a subshell per rule would cost seconds. Ids stay unique
# (HF_AWK_TEXT's itemid) and text stays UTF-8; results that are neither pass nor fail are
# counted on the CONTROL item (cis_count_results), not reported one by one.
cis_add_findings() {
  hf_utf8 | LC_ALL=C awk -F '\t' "$HF_AWK_TEXT"'
    {
      r = $2
      if (r == "pass" || r == "fixed") status = "COMPLIANT"
      else if (r == "fail" || r == "error" || r == "unknown") status = "NON_COMPLIANT"
      else next
      sev = toupper($3)
      if (sev == "INFO") sev = "INFORMATIONAL"
      if (sev !~ /^(CRITICAL|HIGH|MEDIUM|LOW|INFORMATIONAL)$/) sev = "UNSPECIFIED"
      id = $1
      sub(/^xccdf_org\.ssgproject\.content_rule_/, "", id)
      title = ($4 == "") ? $1 : $4
      printf "%s\t%s\t%s\t%s\tresult=%s\trule=%s\n", itemid(id), status, sev, clean(title, 500), clean(r, 100), clean($1, 500)
    }' >>"$HF_ITEMS"
}

# How many findings had one of the given XCCDF results.
cis_count_results() {
  _file=$1
  shift
  awk -F '\t' -v want=" $* " 'index(want, " " $2 " ") { n++ } END { print n + 0 }' "$_file"
}

# Reports one CONTROL item saying why nothing was measured, and exits 2 (could not measure).
cis_cannot_run() {
  hf_fail "$CIS_ERROR"
  : >"$HF_ITEMS"
  hf_item CONTROL NON_COMPLIANT "$SEVERITY" "CIS scan could not run: $CIS_ERROR" \
    "mode=$MODE" "scanner=$CIS_SCANNER" "$@"
  hf_put_compliance Custom:CIS
  exit 2
}

cis_main() {
  hf_init || exit 2
  CIS_USED_PROFILE=""
  _results="$HF_WORK/results.xml"
  case "$CIS_SCANNER" in
    openscap) cis_run_openscap "$_results" || cis_cannot_run ;;
    command) cis_run_command "$_results" || cis_cannot_run ;;
    *)
      CIS_ERROR="Scanner must be openscap or command, got '$CIS_SCANNER'"
      cis_cannot_run
      ;;
  esac
  _findings="$HF_WORK/findings.tsv"
  if [ "$CIS_SCANNER" = command ] && [ "$CIS_RESULT_FORMAT" = tsv ]; then
    cp "$_results" "$_findings"
  else
    cis_xccdf_to_tsv "$_results" >"$_findings"
  fi
  cis_add_findings <"$_findings"
  _failed=$(hf_count NON_COMPLIANT)
  _passed=$(hf_count COMPLIANT)
  _na=$(cis_count_results "$_findings" notapplicable)
  # Content for another release (or product) evaluates nothing: oscap exits 0, yet nothing was
  # measured, so this is neither compliant nor non-compliant.
  if [ "$((_failed + _passed))" -eq 0 ]; then
    CIS_ERROR="no applicable rules ($_na not applicable): is the content for this OS release?"
    cis_cannot_run "profile=$CIS_USED_PROFILE"
  fi
  _control=COMPLIANT
  [ "$_failed" -gt 0 ] && _control=NON_COMPLIANT
  hf_item CONTROL "$_control" "$SEVERITY" "CIS benchmark ($MODE mode)" "mode=$MODE" \
    "scanner=$CIS_SCANNER" "profile=$CIS_USED_PROFILE" "passed=$_passed" "failed=$_failed" \
    "skipped=$(cis_count_results "$_findings" notchecked informational)" "notApplicable=$_na"
  hf_finish Custom:CIS
}
