# ssm-hybrid-fleet vendor-agent install (Windows). Reads $AgentInstallerSource,
# $AgentInstallerSha256, $AgentInstallArgs, $AgentService and $AgentPath.
function Invoke-HfAgentInstall {
  try { Get-HfIdentity } catch { Write-HfLog 'no managed-instance identity: S3 sources will use the CLI default region' }
  try {
    Install-HfAgent $AgentInstallerSource $AgentInstallerSha256 $AgentInstallArgs $AgentService $AgentPath
    if ($AgentService) {
      $svc = Get-Service -Name $AgentService
      if ($svc.StartType -eq 'Disabled') { Set-Service -Name $AgentService -StartupType Automatic }
      if ($svc.Status -ne 'Running') { Start-Service -Name $AgentService }
    }
  } catch {
    Write-HfLog "ERROR: $_"
    exit 1
  }
  Write-HfLog 'agent ready'
  exit 0
}
