# ssm-hybrid-fleet anti-virus control (Windows). Reads $Mode, $Severity, $AvService,
# $AvAgentPath, $AvDefinitionsPath, $AvDefinitionsGlob, $AvMaxAgeHours, $AvInstallerSource, $AvInstallerSha256
# and $AvInstallArgs. Reports Custom:Antivirus like the Linux step.
# Age in hours of a definitions file, or of the newest signature file (name matching one of the
# space-separated globs) under a definitions folder; $null when there is none. Only signature
# files count: state and temporary files are rewritten by every update attempt, failed ones
# included. Symbolic links are followed (PowerShell 6+ needs -FollowSymlink for that; 5.1
# follows them by itself).
function Get-HfDefinitionsAgeHours([string]$Path, [string]$Globs) {
  if (-not (Test-Path -LiteralPath $Path)) { return $null }
  $item = Get-Item -LiteralPath $Path
  if (-not $item.PSIsContainer) {
    $newest = $item
  } else {
    $patterns = @($Globs -split ' ' | Where-Object { $_ })
    if (-not $patterns) { return $null }
    $gci = @{ LiteralPath = $Path; File = $true; Recurse = $true; ErrorAction = 'SilentlyContinue' }
    if ((Get-Command Get-ChildItem).Parameters.ContainsKey('FollowSymlink')) { $gci.FollowSymlink = $true }
    $newest = Get-ChildItem @gci | Where-Object { $n = $_.Name; @($patterns | Where-Object { $n -like $_ }).Count -gt 0 } |
      Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1
  }
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
    $age = Get-HfDefinitionsAgeHours $AvDefinitionsPath $AvDefinitionsGlob
    $fresh = if ($null -ne $age -and $age -le [int]$AvMaxAgeHours) { 'COMPLIANT' } else { 'NON_COMPLIANT' }
    $ageText = if ($null -eq $age) { 'missing' } else { [string]$age }
    Add-HfItem 'AV-DefinitionsFresh' $fresh $Severity "Anti-virus definitions at most $AvMaxAgeHours h old" @{ mode = $Mode; ageHours = $ageText; path = $AvDefinitionsPath; glob = $AvDefinitionsGlob }
  }

  $control = if ((Get-HfNonCompliantCount) -gt 0) { 'NON_COMPLIANT' } else { 'COMPLIANT' }
  Add-HfItem 'CONTROL' $control $Severity "Anti-virus control ($Mode mode)" @{ mode = $Mode; action = $action }
  Complete-Hf 'Custom:Antivirus'
}
