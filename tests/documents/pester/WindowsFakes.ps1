# A fake Windows for the documents' PowerShell steps: services, installers, downloads and
# Authenticode answer from $global:HfWin, which each test sets up (its facts), and record
# what the step did. Call Use-HfWindowsFakes from a BeforeEach after New-HfSandbox.

<#
.SYNOPSIS
Fresh facts: no services, installers that do nothing, every signature valid and Amazon's.
#>
function Reset-HfWindowsFacts($Sandbox) {
  $global:HfWin = @{
    Sandbox         = $Sandbox
    # name -> @{ Status = 'Running'|'Stopped'; StartType = 'Automatic'|'Manual'|'Disabled' }
    Services        = @{}
    # Start-Service fails for these names (as a broken service would).
    StartFails      = @()
    # Run by the fake Start-Process: param($FilePath, $ArgumentList); returns an exit code.
    Installer       = { param($FilePath, $ArgumentList) 0 }
    Signature       = [pscustomobject]@{
      Status            = 'Valid'
      SignerCertificate = [pscustomobject]@{ Subject = 'CN=Amazon.com, Inc., O=Amazon.com, Inc., L=Seattle, S=Washington, C=US' }
    }
    Processes       = [Collections.Generic.List[object]]::new()
    Downloads       = [Collections.Generic.List[string]]::new()
  }
}

<# Declares a service in the fake service manager. #>
function Set-HfService([string]$Name, [string]$Status = 'Running', [string]$StartType = 'Automatic') {
  $global:HfWin.Services[$Name] = @{ Status = $Status; StartType = $StartType }
}

<# Mocks the Windows-only and network cmdlets the steps call. #>
function Use-HfWindowsFakes {
  Mock Get-Service {
    $s = $global:HfWin.Services[$Name]
    if (-not $s) {
      Write-Error "Cannot find any service with service name '$Name'."
      return
    }
    [pscustomobject]@{ Name = $Name; Status = $s.Status; StartType = $s.StartType }
  }
  Mock Set-Service {
    $s = $global:HfWin.Services[$Name]
    if (-not $s) { throw "Service '$Name' was not found on computer '.'." }
    $s.StartType = $StartupType
  }
  Mock Start-Service {
    $s = $global:HfWin.Services[$Name]
    if (-not $s) { throw "Cannot find any service with service name '$Name'." }
    if ($s.StartType -eq 'Disabled' -or $global:HfWin.StartFails -contains $Name) {
      throw "Service '$Name' cannot be started due to the following error: Cannot start service $Name on computer '.'."
    }
    $s.Status = 'Running'
  }
  Mock Get-AuthenticodeSignature { $global:HfWin.Signature }
  Mock Invoke-WebRequest {
    $global:HfWin.Downloads.Add($Uri)
    $leaf = (([string]$Uri) -split '[?#]')[0] -replace '^.*/', ''
    $src = Join-Path $global:HfWin.Sandbox.Http $leaf
    if (-not (Test-Path -LiteralPath $src)) { throw "Response status code does not indicate success: 404 (Not Found)." }
    Copy-Item -LiteralPath $src -Destination $OutFile
  }
  Mock Start-Process {
    $global:HfWin.Processes.Add([pscustomobject]@{ FilePath = $FilePath; ArgumentList = @($ArgumentList) })
    $code = & $global:HfWin.Installer $FilePath @($ArgumentList)
    [pscustomobject]@{ ExitCode = [int]$code }
  }
}
