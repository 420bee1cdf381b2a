# ssm-hybrid-fleet: vendor-agent functions (download, verify, install) shared by the
# agent-install and anti-virus documents' Windows steps. Needs common.ps1.

function Test-HfAgentPresent([string]$Service, [string]$AgentPath) {
  if ($AgentPath) { return (Test-Path -LiteralPath $AgentPath) }
  return [bool]($Service -and (Get-Service -Name $Service -ErrorAction SilentlyContinue))
}

# '.msi' or '.exe': the file's first bytes decide (an MSI is an OLE compound file, an EXE starts
# with MZ), else the URL's path without its query or fragment (presigned URLs carry both).
function Get-HfInstallerType([string]$File, [string]$Source) {
  $stream = [IO.File]::OpenRead((Convert-Path -LiteralPath $File))
  try {
    $head = New-Object byte[] 8
    $n = $stream.Read($head, 0, 8)
  } finally { $stream.Dispose() }
  $hex = -join ($head[0..($n - 1)] | ForEach-Object { $_.ToString('X2') })
  if ($hex -eq 'D0CF11E0A1B11AE1') { return '.msi' }
  if ($hex.StartsWith('4D5A')) { return '.exe' }
  if ((($Source -split '[?#]')[0]) -match '\.msi$') { return '.msi' }
  return '.exe'
}

# Idempotent vendor-agent install: nothing downloaded runs unless its SHA-256 matches; a
# marker records the installed hash so a changed hash upgrades and an unchanged one is a no-op.
function Install-HfAgent([string]$Source, [string]$Sha256, [string]$InstallArgs, [string]$Service, [string]$AgentPath) {
  if (-not $Source -or -not $Sha256) { throw 'no installer configured for Windows (installer source and SHA-256 are both required)' }
  $want = $Sha256.ToUpperInvariant()
  $key = if ($Service) { $Service } else { $AgentPath }
  $marker = Join-Path $script:HfStateDir ('agents\{0}.sha256' -f ($key -replace '[^A-Za-z0-9_.-]', '_'))
  if (Test-HfAgentPresent $Service $AgentPath) {
    if (-not (Test-Path -LiteralPath $marker) -or (Get-Content -LiteralPath $marker -Raw).Trim() -eq $want) {
      Write-HfLog 'agent already installed: nothing to do'
      return
    }
    Write-HfLog 'installed agent differs from the configured installer: upgrading'
  }
  $file = Join-Path $env:TEMP ('hf-installer-{0}.download' -f [guid]::NewGuid())
  if ($Source -like 's3://*') {
    $aws = Get-HfAwsCli
    & $aws s3 cp --only-show-errors --region $script:HfRegion $Source $file
    if ($LASTEXITCODE -ne 0) { throw 'could not download the installer' }
  } else {
    Invoke-WebRequest -UseBasicParsing -Uri $Source -OutFile $file
  }
  $got = (Get-FileHash -Algorithm SHA256 -LiteralPath $file).Hash
  if ($got -ne $want) {
    Remove-Item -LiteralPath $file -Force
    throw "installer SHA-256 mismatch (expected $want, got $got): nothing was run"
  }
  $ext = Get-HfInstallerType $file $Source
  $file = (Rename-Item -LiteralPath $file -NewName ([IO.Path]::GetFileNameWithoutExtension($file) + $ext) -PassThru).FullName
  Write-HfLog "installer verified (SHA-256 $got): installing"
  $argList = Split-HfArgs $InstallArgs
  if ($ext -eq '.msi') {
    $p = Start-Process -FilePath msiexec.exe -ArgumentList (@('/i', "`"$file`"", '/qn', '/norestart') + $argList) -Wait -PassThru
  } elseif ($argList.Count -gt 0) {
    $p = Start-Process -FilePath $file -ArgumentList $argList -Wait -PassThru
  } else {
    $p = Start-Process -FilePath $file -Wait -PassThru
  }
  Remove-Item -LiteralPath $file -Force
  if ($p.ExitCode -ne 0 -and $p.ExitCode -ne 3010) { throw "installer exited $($p.ExitCode)" }
  New-Item -ItemType Directory -Force -Path (Split-Path $marker) | Out-Null
  Set-Content -LiteralPath $marker -Value $want
  if (-not (Test-HfAgentPresent $Service $AgentPath)) { throw 'installer finished but the agent is still missing' }
  Write-HfLog 'agent installed'
}
