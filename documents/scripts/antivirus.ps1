# ssm-hybrid-fleet anti-virus control (Windows). Reads $Mode, $Severity, $AvService,
# $AvAgentPath, $AvDefinitionsPath, $AvMaxAgeHours, $AvInstallerSource, $AvInstallerSha256
# and $AvInstallArgs. Reports Custom:Antivirus like the Linux step.
function Get-HfDefinitionsAgeHours([string]$Path) {
  if (-not (Test-Path -LiteralPath $Path)) { return $null }
  $newest = Get-ChildItem -LiteralPath $Path -File -Recurse -ErrorAction SilentlyContinue |
    Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1
  if (-not $newest) { return $null }
  return [int][math]::Floor(((Get-Date).ToUniversalTime() - $newest.LastWriteTimeUtc).TotalHours)
}

function Invoke-HfAntivirus {
  try { Initialize-Hf } catch { Write-HfLog "ERROR: $_"; exit 2 }
  $action = 'none'
  if (-not $AvService -and -not $AvAgentPath) {
    Add-HfItem 'CONTROL' 'NON_COMPLIANT' $Severity 'Anti-virus control not configured for Windows' @{ mode = $Mode; reason = 'WindowsServiceName and WindowsAgentPath are both empty' }
    Complete-Hf 'Custom:Antivirus'
  }
  if ($Mode -eq 'enforce') {
    if (-not (Test-HfAgentPresent $AvService $AvAgentPath)) {
      try { Install-HfAgent $AvInstallerSource $AvInstallerSha256 $AvInstallArgs $AvService $AvAgentPath; $action = 'installed' }
      catch { Write-HfLog "ERROR: $_"; $action = 'install-failed'; $script:HfActionFailed = 'install the agent' }
    }
    $svc = if ($AvService) { Get-Service -Name $AvService -ErrorAction SilentlyContinue } else { $null }
    if ($svc -and $svc.Status -ne 'Running') {
      try {
        if ($svc.StartType -eq 'Disabled') { Set-Service -Name $AvService -StartupType Automatic }
        Start-Service -Name $AvService
        $action = if ($action -eq 'none') { 'started' } else { "$action+started" }
      } catch { Write-HfLog "ERROR: $_"; $action = 'start-failed'; $script:HfActionFailed = 'start the service' }
    }
  }

  $installed = if (Test-HfAgentPresent $AvService $AvAgentPath) { 'COMPLIANT' } else { 'NON_COMPLIANT' }
  $what = if ($AvAgentPath) { $AvAgentPath } else { "service $AvService" }
  Add-HfItem 'AV-Installed' $installed $Severity "Anti-virus agent installed ($what)" @{ mode = $Mode }

  if ($AvService) {
    $svc = Get-Service -Name $AvService -ErrorAction SilentlyContinue
    $state = if ($installed -eq 'NON_COMPLIANT') { 'not-installed' } elseif ($svc -and $svc.Status -eq 'Running') { 'running' } else { 'stopped' }
    $status = if ($state -eq 'running') { 'COMPLIANT' } else { 'NON_COMPLIANT' }
    Add-HfItem 'AV-ServiceRunning' $status $Severity "Anti-virus service $AvService running" @{ mode = $Mode; state = $state }
  }

  if ($AvDefinitionsPath) {
    $age = Get-HfDefinitionsAgeHours $AvDefinitionsPath
    $fresh = if ($null -ne $age -and $age -le [int]$AvMaxAgeHours) { 'COMPLIANT' } else { 'NON_COMPLIANT' }
    $ageText = if ($null -eq $age) { 'missing' } else { [string]$age }
    Add-HfItem 'AV-DefinitionsFresh' $fresh $Severity "Anti-virus definitions at most $AvMaxAgeHours h old" @{ mode = $Mode; ageHours = $ageText; path = $AvDefinitionsPath }
  }

  $control = if ((Get-HfNonCompliantCount) -gt 0) { 'NON_COMPLIANT' } else { 'COMPLIANT' }
  Add-HfItem 'CONTROL' $control $Severity "Anti-virus control ($Mode mode)" @{ mode = $Mode; action = $action }
  Complete-Hf 'Custom:Antivirus'
}
