# ssm-hybrid-fleet CIS control (Windows). OpenSCAP has no Windows content, so Windows runs a
# vendor scanner (e.g. CIS-CAT) given by $CisScannerCommand, $CisScannerArgs,
# $CisRemediateArgs, $CisResultFile and $CisResultFormat (xccdf or tsv). Reports Custom:CIS.
function ConvertFrom-HfXccdf([string]$Path) {
  $xml = New-Object System.Xml.XmlDocument
  $xml.XmlResolver = $null
  # .NET resolves a relative path against the process's folder, not PowerShell's location.
  $xml.Load((Convert-Path -LiteralPath $Path))
  $titles = @{}
  $ruleSeverity = @{}
  foreach ($rule in $xml.SelectNodes("//*[local-name()='Rule']")) {
    $id = $rule.GetAttribute('id')
    $t = $rule.SelectSingleNode("*[local-name()='title']")
    if ($t) { $titles[$id] = $t.InnerText }
    $ruleSeverity[$id] = $rule.GetAttribute('severity')
  }
  foreach ($rr in $xml.SelectNodes("//*[local-name()='rule-result']")) {
    $id = $rr.GetAttribute('idref')
    $sev = $rr.GetAttribute('severity')
    if (-not $sev) { $sev = $ruleSeverity[$id] }
    $res = $rr.SelectSingleNode("*[local-name()='result']")
    $title = if ($titles.ContainsKey($id)) { $titles[$id] } else { $id }
    [pscustomobject]@{ Rule = $id; Result = $(if ($res) { $res.InnerText } else { 'unknown' }); Severity = $sev; Title = $title }
  }
}

# Like the Linux step's awk: every line is a finding, missing fields are empty.
function ConvertFrom-HfTsv([string]$Path) {
  # -Encoding UTF8: Windows PowerShell 5.1 would read a file without BOM as the ANSI code page.
  foreach ($line in (Get-Content -LiteralPath $Path -Encoding UTF8)) {
    $f = @($line -split "`t") + @('', '', '', '')
    [pscustomobject]@{ Rule = $f[0]; Result = $f[1]; Severity = $f[2]; Title = $f[3] }
  }
}

# Reports one CONTROL item saying why nothing was measured, and exits 2 (could not measure).
function Exit-HfCisCannotRun([string]$Reason, [hashtable]$Extra = @{}) {
  Write-HfLog "ERROR: $Reason"
  $script:HfItems.Clear()
  $d = @{ mode = $Mode; scanner = 'command' }
  foreach ($k in $Extra.Keys) { $d[$k] = $Extra[$k] }
  Add-HfItem 'CONTROL' 'NON_COMPLIANT' $Severity "CIS scan could not run: $Reason" $d
  try { Send-HfCompliance 'Custom:CIS' } catch { Write-HfLog "ERROR: $_" }
  exit 2
}

function Invoke-HfCis {
  try { Initialize-Hf } catch { Write-HfLog "ERROR: $_"; exit 2 }
  $err = $null
  if (-not $CisScannerCommand -or -not $CisResultFile) {
    $err = 'WindowsScannerCommand and WindowsResultFile are required on Windows'
  } elseif (-not (Test-Path -LiteralPath $CisScannerCommand)) {
    $err = "scanner $CisScannerCommand is not installed"
  } else {
    $argText = if ($Mode -eq 'enforce' -and $CisRemediateArgs) { $CisRemediateArgs } else { $CisScannerArgs }
    $argList = Split-HfArgs $argText
    Remove-Item -LiteralPath $CisResultFile -Force -ErrorAction SilentlyContinue
    & $CisScannerCommand @argList | Out-Null
    if (-not (Test-Path -LiteralPath $CisResultFile)) { $err = "scanner exited $LASTEXITCODE and wrote no result file $CisResultFile" }
  }
  if ($err) { Exit-HfCisCannotRun $err }
  try {
    $findings = if ($CisResultFormat -eq 'tsv') { ConvertFrom-HfTsv $CisResultFile } else { ConvertFrom-HfXccdf $CisResultFile }
  } catch {
    Exit-HfCisCannotRun "cannot read the result file ${CisResultFile}: $($_.Exception.Message)"
  }
  $passed = 0
  $failed = 0
  $notApplicable = 0
  $skipped = 0
  $seen = New-Object 'System.Collections.Generic.Dictionary[string,int]'
  foreach ($f in $findings) {
    # Neither pass nor fail: counted on the CONTROL item, not reported one by one.
    if ($f.Result -ceq 'notapplicable') { $notApplicable++ }
    if ($f.Result -ceq 'notchecked' -or $f.Result -ceq 'informational') { $skipped++ }
    # `continue` inside a switch only leaves the switch, so the loop decision is an if chain.
    # Case-sensitive, as XCCDF's result values and the Linux step are.
    if ($f.Result -cmatch '^(pass|fixed)$') { $status = 'COMPLIANT'; $passed++ }
    elseif ($f.Result -cmatch '^(fail|error|unknown)$') { $status = 'NON_COMPLIANT'; $failed++ }
    else { continue }
    $sev = switch -Regex ($f.Severity) {
      '^high$' { 'HIGH' }
      '^medium$' { 'MEDIUM' }
      '^low$' { 'LOW' }
      '^(info|informational)$' { 'INFORMATIONAL' }
      '^critical$' { 'CRITICAL' }
      default { 'UNSPECIFIED' }
    }
    # Same item as the Linux step: SSG's rule prefix dropped from the Id, the rule id as title
    # when there is none, the full rule id in Details.
    $id = Get-HfUniqueId ($f.Rule -creplace '^xccdf_org\.ssgproject\.content_rule_', '') $seen
    $title = if ($f.Title) { $f.Title } else { $f.Rule }
    Add-HfItem $id $status $sev $title @{ result = (ConvertTo-HfClean $f.Result 100); rule = (ConvertTo-HfClean $f.Rule 500) }
  }
  # Content for another release evaluates nothing: neither compliant nor non-compliant.
  if ($passed + $failed -eq 0) {
    Exit-HfCisCannotRun "no applicable rules ($notApplicable not applicable): is the content for this OS release?" @{ profile = 'vendor' }
  }
  $control = if ($failed -eq 0) { 'COMPLIANT' } else { 'NON_COMPLIANT' }
  Add-HfItem 'CONTROL' $control $Severity "CIS benchmark ($Mode mode)" @{ mode = $Mode; scanner = 'command'; profile = 'vendor'; passed = $passed; failed = $failed; skipped = $skipped; notApplicable = $notApplicable }
  Complete-Hf 'Custom:CIS'
}
