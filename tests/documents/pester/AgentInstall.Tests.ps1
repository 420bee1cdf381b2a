# The agent-install document's Windows step, run as SSM Agent runs it, on a fake Windows.
BeforeAll {
  . $PSScriptRoot/Harness.ps1
  . $PSScriptRoot/WindowsFakes.ps1
  $script:Body = 'EDR installer bytes'
  $script:BodySha = (Get-FileHash -InputStream ([IO.MemoryStream]::new([Text.Encoding]::UTF8.GetBytes($script:Body))) -Algorithm SHA256).Hash
  function Get-EdrParams([hashtable]$Extra = @{}) {
    $p = @{
      WindowsInstallerSource = 'https://vendor.example.com/edr/EdrSetup.exe'; WindowsInstallerSha256 = $script:BodySha
      WindowsServiceName = 'edr'; WindowsAgentPath = 'C:\Program Files\EDR\edr.exe'
    }
    foreach ($k in $Extra.Keys) { $p[$k] = $Extra[$k] }
    return $p
  }
}

Describe 'agent-install Windows step' {
  BeforeEach {
    $sb = New-HfSandbox
    Reset-HfWindowsFacts $sb
    Use-HfWindowsFakes
    Set-Content -LiteralPath (Join-Path $sb.Http 'EdrSetup.exe') -Value $Body -NoNewline
    $HfWin.Installer = {
      param($FilePath, $ArgumentList)
      New-HfFile $HfWin.Sandbox 'C:\Program Files\EDR\edr.exe' | Out-Null
      Set-HfService edr Stopped Manual
      0
    }
  }
  AfterEach { Remove-HfSandbox $sb }

  It 'installs an .exe with its arguments, starts the service, and does nothing the second time' {
    $p = Get-EdrParams @{ WindowsInstallArgs = '/S /CID=ABC-123' }

    $r = Invoke-HfWindowsStep $sb 'agent-install.yaml' $p

    $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
    $HfWin.Processes.Count | Should -Be 1
    $HfWin.Processes[0].FilePath | Should -MatchExactly 'hf-installer-[0-9a-f-]+\.exe$'
    $HfWin.Processes[0].ArgumentList | Should -Be @('/S', '/CID=ABC-123')
    $HfWin.Services.edr.Status | Should -BeExactly 'Running'
    ($r.Output -join "`n") | Should -Match 'agent ready'
    Test-Path -LiteralPath 'C:\ProgramData\ssm-hybrid-fleet\agents\edr.sha256' | Should -BeTrue
    $r.Requests.Count | Should -Be 0 -Because 'agent-install reports nothing to compliance'

    $again = Invoke-HfWindowsStep $sb 'agent-install.yaml' $p
    $again.ExitCode | Should -Be 0
    $HfWin.Downloads.Count | Should -Be 1
    $HfWin.Processes.Count | Should -Be 1
  }

  It 'starts an .exe without arguments with no argument list at all' {
    $r = Invoke-HfWindowsStep $sb 'agent-install.yaml' (Get-EdrParams)

    $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
    $HfWin.Processes[0].ArgumentList | Should -BeNullOrEmpty
  }

  It 'upgrades when the configured SHA-256 changes' {
    Invoke-HfWindowsStep $sb 'agent-install.yaml' (Get-EdrParams) | Out-Null
    $newBody = 'EDR installer v2'
    Set-Content -LiteralPath (Join-Path $sb.Http 'EdrSetup.exe') -Value $newBody -NoNewline
    $newSha = (Get-FileHash -InputStream ([IO.MemoryStream]::new([Text.Encoding]::UTF8.GetBytes($newBody))) -Algorithm SHA256).Hash

    $r = Invoke-HfWindowsStep $sb 'agent-install.yaml' (Get-EdrParams @{ WindowsInstallerSha256 = $newSha })

    $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
    ($r.Output -join "`n") | Should -Match 'upgrading'
    $HfWin.Processes.Count | Should -Be 2
  }

  It 'runs nothing and exits 1 when the SHA-256 does not match' {
    $r = Invoke-HfWindowsStep $sb 'agent-install.yaml' (Get-EdrParams @{ WindowsInstallerSha256 = 'f' * 64 })

    $r.ExitCode | Should -Be 1
    ($r.Output -join "`n") | Should -Match 'installer SHA-256 mismatch .*nothing was run'
    Should -Invoke Start-Process -Times 0 -Exactly
    Get-ChildItem -LiteralPath $sb.Temp | Should -BeNullOrEmpty
  }

  It 'exits 1 when the installer fails, and accepts 3010 (reboot required) as success' {
    $HfWin.Installer = { param($FilePath, $ArgumentList) 1603 }
    (Invoke-HfWindowsStep $sb 'agent-install.yaml' (Get-EdrParams)).ExitCode | Should -Be 1

    $HfWin.Installer = {
      param($FilePath, $ArgumentList)
      New-HfFile $HfWin.Sandbox 'C:\Program Files\EDR\edr.exe' | Out-Null
      Set-HfService edr Running
      3010
    }
    (Invoke-HfWindowsStep $sb 'agent-install.yaml' (Get-EdrParams)).ExitCode | Should -Be 0
  }

  It 'exits 1 when the service will not start' {
    $HfWin.StartFails = @('edr')

    $r = Invoke-HfWindowsStep $sb 'agent-install.yaml' (Get-EdrParams)

    $r.ExitCode | Should -Be 1
    $HfWin.Services.edr.Status | Should -BeExactly 'Stopped'
  }

  It 'enables a disabled service before starting it' {
    New-HfFile $sb 'C:\Program Files\EDR\edr.exe'
    Set-HfService edr Stopped Disabled

    $r = Invoke-HfWindowsStep $sb 'agent-install.yaml' (Get-EdrParams)

    $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
    $HfWin.Services.edr.StartType | Should -BeExactly 'Automatic'
    $HfWin.Services.edr.Status | Should -BeExactly 'Running'
    Should -Invoke Start-Process -Times 0 -Exactly
  }

  It 'runs an MSI behind a presigned URL (query string) with msiexec' {
    Set-Content -LiteralPath (Join-Path $sb.Http 'edr.msi') -Value $Body -NoNewline

    $r = Invoke-HfWindowsStep $sb 'agent-install.yaml' (Get-EdrParams @{
        WindowsInstallerSource = 'https://vendor.s3.amazonaws.com/edr.msi?X-Amz-Signature=abc&X-Amz-Expires=300'
      })

    $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
    $HfWin.Processes[0].FilePath | Should -BeExactly 'msiexec.exe'
    $HfWin.Processes[0].ArgumentList[1] | Should -MatchExactly '\.msi"$'
  }

  It 'decides the installer type from its first bytes when the URL has no extension' -TestCases @(
    @{ Magic = [byte[]](0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1); Runner = 'msiexec.exe' }
    @{ Magic = [byte[]][char[]]'MZ'; Runner = '*.exe' }
  ) {
    $bytes = [byte[]]($Magic + [Text.Encoding]::ASCII.GetBytes('rest of the installer'))
    [IO.File]::WriteAllBytes((Join-Path $sb.Http 'download'), $bytes)
    $sha = (Get-FileHash -InputStream ([IO.MemoryStream]::new($bytes)) -Algorithm SHA256).Hash

    $r = Invoke-HfWindowsStep $sb 'agent-install.yaml' (Get-EdrParams @{
        WindowsInstallerSource = 'https://vendor.example.com/download?id=7#x'; WindowsInstallerSha256 = $sha
      })

    $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
    $HfWin.Processes[0].FilePath | Should -BeLike $Runner
  }

  It 'exits 1 when no installer is configured' {
    $r = Invoke-HfWindowsStep $sb 'agent-install.yaml' @{}

    $r.ExitCode | Should -Be 1
    ($r.Output -join "`n") | Should -Match 'no installer configured for Windows'
  }

  It 'installs an unregistered node from HTTPS (no identity needed)' {
    $sb.Env.AWS_SSM_INSTANCE_ID = $null
    $sb.Env.AWS_SSM_REGION_NAME = $null

    (Invoke-HfWindowsStep $sb 'agent-install.yaml' (Get-EdrParams)).ExitCode | Should -Be 0
  }
}
