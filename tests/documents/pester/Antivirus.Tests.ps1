# The anti-virus document's Windows step, run as SSM Agent runs it, on a fake Windows.
BeforeAll {
  . $PSScriptRoot/Harness.ps1
  . $PSScriptRoot/WindowsFakes.ps1
  $script:Agent = 'C:\Program Files\AV\avagent.exe'
  $script:Defs = 'C:\ProgramData\AV\Definitions'
  function Get-AvParams([hashtable]$Extra = @{}) {
    $p = @{ WindowsServiceName = 'avagent'; WindowsAgentPath = $script:Agent; WindowsDefinitionsPath = $script:Defs; MaxDefinitionsAgeHours = '48' }
    foreach ($k in $Extra.Keys) { $p[$k] = $Extra[$k] }
    return $p
  }
}

Describe 'anti-virus Windows step' {
  BeforeEach {
    $sb = New-HfSandbox
    Reset-HfWindowsFacts $sb
    Use-HfWindowsFakes
  }
  AfterEach { Remove-HfSandbox $sb }

  It 'reports a compliant machine: agent installed, service running, fresh definitions' {
    New-HfFile $sb $Agent
    New-HfFile $sb "$Defs\mpavbase.vdm" 'defs' 2
    Set-HfService avagent Running

    $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams)

    $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
    ($r.Output -join "`n") | Should -Match 'Custom:Antivirus: COMPLIANT \(reported; exit 0\)'
    $r.Requests.Count | Should -Be 1
    $req = $r.Requests[0]
    @($req.Keys) | Should -Be @('ResourceId', 'ResourceType', 'ComplianceType', 'ExecutionSummary', 'UploadType', 'Items')
    $req.ResourceId | Should -BeExactly 'mi-0123456789abcdef0'
    $req.ResourceType | Should -BeExactly 'ManagedInstance'
    $req.ComplianceType | Should -BeExactly 'Custom:Antivirus'
    $req.UploadType | Should -BeExactly 'COMPLETE'
    $req.ExecutionSummary.ExecutionType | Should -BeExactly 'Command'
    $req.ExecutionSummary.ExecutionTime | Should -MatchExactly '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'
    Get-HfItemSummary $req | Should -Be @('AV-Installed|COMPLIANT|HIGH', 'AV-ServiceRunning|COMPLIANT|HIGH', 'AV-DefinitionsFresh|COMPLIANT|HIGH', 'CONTROL|COMPLIANT|HIGH')
    $items = Get-HfItemsById $req
    $items['AV-Installed'].Title | Should -BeExactly "Anti-virus agent installed ($Agent)"
    $items['AV-ServiceRunning'].Title | Should -BeExactly 'Anti-virus service avagent running'
    $items['AV-DefinitionsFresh'].Title | Should -BeExactly 'Anti-virus definitions at most 48 h old'
    Format-HfDetails $items['AV-DefinitionsFresh'] | Should -Be @('ageHours=2', 'glob=*.vdm', 'mode=report', "path=$Defs")
    Format-HfDetails $items['CONTROL'] | Should -Be @('action=none', 'mode=report')
    $aws = @(Get-HfCalls $sb)
    $aws.Count | Should -Be 1
    $aws[0] | Should -Match '^aws\.exe ssm put-compliance-items --region ap-southeast-2 --cli-input-json file://\S+hf-compliance-[0-9a-f-]+\.json$'
    Get-ChildItem -LiteralPath $sb.Temp | Should -BeNullOrEmpty -Because 'the request file is removed'
  }

  It 'reports a missing agent and changes nothing in report mode' {
    New-Item -ItemType File -Path (Join-Path $sb.Http 'avagent.msi') | Out-Null

    $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams @{
        Severity = 'CRITICAL'; WindowsInstallerSource = 'https://vendor.example.com/avagent.msi'; WindowsInstallerSha256 = '0' * 64
      })

    $r.ExitCode | Should -Be 0 -Because 'measured and reported: the verdict is in compliance, not in the association status'
    $items = Get-HfItemsById $r.Requests[0]
    $items['AV-Installed'].Status | Should -BeExactly 'NON_COMPLIANT'
    $items['AV-Installed'].Severity | Should -BeExactly 'CRITICAL'
    Format-HfDetails $items['AV-ServiceRunning'] | Should -Be @('mode=report', 'state=not-installed')
    $items['AV-DefinitionsFresh'].Details.ageHours | Should -BeExactly 'missing'
    $items['CONTROL'].Status | Should -BeExactly 'NON_COMPLIANT'
    Should -Invoke Invoke-WebRequest -Times 0 -Exactly
    Should -Invoke Start-Process -Times 0 -Exactly
  }

  It 'reports a stopped service without starting it in report mode' {
    New-HfFile $sb $Agent
    New-HfFile $sb "$Defs\mpavbase.vdm" 'defs' 1
    Set-HfService avagent Stopped

    $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams)

    $r.ExitCode | Should -Be 0
    ($r.Output -join "`n") | Should -Match 'Custom:Antivirus: NON_COMPLIANT \(reported; exit 0\)'
    $items = Get-HfItemsById $r.Requests[0]
    $items['AV-Installed'].Status | Should -BeExactly 'COMPLIANT'
    $items['AV-ServiceRunning'].Status | Should -BeExactly 'NON_COMPLIANT'
    $items['AV-ServiceRunning'].Details.state | Should -BeExactly 'stopped'
    $items['CONTROL'].Status | Should -BeExactly 'NON_COMPLIANT'
    $HfWin.Services.avagent.Status | Should -BeExactly 'Stopped'
    Should -Invoke Start-Service -Times 0 -Exactly
    Should -Invoke Set-Service -Times 0 -Exactly
  }

  It 'reports stale definitions against the age threshold' {
    New-HfFile $sb $Agent
    New-HfFile $sb "$Defs\mpavbase.vdm" 'defs' 72
    New-HfFile $sb "$Defs\mpasbase.vdm" 'defs' 50
    Set-HfService avagent Running

    $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams)

    $r.ExitCode | Should -Be 0
    $items = Get-HfItemsById $r.Requests[0]
    $items['AV-DefinitionsFresh'].Status | Should -BeExactly 'NON_COMPLIANT'
    $items['AV-DefinitionsFresh'].Details.ageHours | Should -BeExactly '50'
    $items['AV-Installed'].Status | Should -BeExactly 'COMPLIANT'
    $items['AV-ServiceRunning'].Status | Should -BeExactly 'COMPLIANT'

    (Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams @{ MaxDefinitionsAgeHours = '72' })).ExitCode | Should -Be 0
  }

  Context 'definitions age counts only signature files' {
    BeforeEach {
      New-HfFile $sb $Agent
      Set-HfService avagent Running
    }

    It 'ignores files that failed updates rewrite (freshclam.dat, temporary files)' {
      New-HfFile $sb "$Defs\main.cvd" 'defs' 72
      New-HfFile $sb "$Defs\daily.cld" 'defs' 50
      New-HfFile $sb "$Defs\freshclam.dat" 'state' 0
      New-HfFile $sb "$Defs\tmp\clamav-1234.tmp" 'partial' 0

      $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams @{ WindowsDefinitionsGlob = 'daily.c[lv]d main.c[lv]d' })

      $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
      $i = (Get-HfItemsById $r.Requests[0])['AV-DefinitionsFresh']
      $i.Status | Should -BeExactly 'NON_COMPLIANT'
      Format-HfDetails $i | Should -Be @('ageHours=50', 'glob=daily.c[lv]d main.c[lv]d', 'mode=report', "path=$Defs")
    }

    It 'reads Microsoft Defender''s .vdm files by default, in their per-update folders' {
      $updates = 'C:\ProgramData\Microsoft\Windows Defender\Definition Updates'
      New-HfFile $sb "$updates\{0B8E3D5E-6F6A-4B3C-9C1A-1D2E3F4A5B6C}\mpavbase.vdm" 'defs' 10
      New-HfFile $sb "$updates\{0B8E3D5E-6F6A-4B3C-9C1A-1D2E3F4A5B6C}\mpasdlta.vdm" 'defs' 5
      New-HfFile $sb "$updates\Updates\MpSigStub.exe" 'stub' 0

      $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams @{ WindowsDefinitionsPath = $updates })

      (Get-HfItemsById $r.Requests[0])['AV-DefinitionsFresh'].Details.ageHours | Should -BeExactly '5'
    }

    It 'follows a symbolic link to the definitions folder' {
      $real = New-HfFile $sb 'C:\Data\AV\defs\mpavbase.vdm' 'defs' 3
      New-Item -ItemType Directory -Force -Path (Get-HfRealPath $sb 'C:\ProgramData\AV') | Out-Null
      New-Item -ItemType SymbolicLink -Path (Get-HfRealPath $sb "$Defs") -Target (Split-Path $real) | Out-Null
      New-Item -ItemType SymbolicLink -Path (Get-HfRealPath $sb 'C:\ProgramData\AV\linked') -Target (Split-Path $real) | Out-Null

      $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams @{ WindowsDefinitionsPath = 'C:\ProgramData\AV' })

      (Get-HfItemsById $r.Requests[0])['AV-DefinitionsFresh'].Details.ageHours | Should -BeExactly '3'
    }

    It 'takes the age of a definitions file given directly, whatever its name' {
      New-HfFile $sb 'C:\AV\signatures.db' 'defs' 7

      $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams @{ WindowsDefinitionsPath = 'C:\AV\signatures.db' })

      (Get-HfItemsById $r.Requests[0])['AV-DefinitionsFresh'].Details.ageHours | Should -BeExactly '7'
    }
  }

  Context 'enforce mode' {
    BeforeEach {
      # The vendor's installer: puts the agent on disk and registers its service, stopped.
      $HfWin.Installer = {
        param($FilePath, $ArgumentList)
        New-HfFile $HfWin.Sandbox 'C:\Program Files\AV\avagent.exe' | Out-Null
        Set-HfService avagent Stopped
        0
      }
      $body = 'MSI installer bytes'
      $bodySha = (Get-FileHash -InputStream ([IO.MemoryStream]::new([Text.Encoding]::UTF8.GetBytes($body))) -Algorithm SHA256).Hash
      Set-Content -LiteralPath (Join-Path $sb.Http 'avagent-7.1.msi') -Value $body -NoNewline
    }

    It 'downloads, verifies, installs with the arguments, starts, and is idempotent' {
      New-HfFile $sb "$Defs\mpavbase.vdm" 'defs' 1
      $p = Get-AvParams @{
        Mode = 'enforce'; WindowsInstallerSource = 'https://vendor.example.com/dl/avagent-7.1.msi'
        WindowsInstallerSha256 = $bodySha.ToLowerInvariant(); WindowsInstallArgs = 'CID=ABC-123 TAGS=fleet,prod /log C:\Windows\Temp\av.log'
      }

      $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' $p

      $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
      $HfWin.Processes.Count | Should -Be 1
      $HfWin.Processes[0].FilePath | Should -BeExactly 'msiexec.exe'
      $HfWin.Processes[0].ArgumentList[0] | Should -BeExactly '/i'
      $HfWin.Processes[0].ArgumentList[1] | Should -MatchExactly '^"\S+hf-installer-[0-9a-f-]+\.msi"$'
      $HfWin.Processes[0].ArgumentList[2..7] | Should -Be @('/qn', '/norestart', 'CID=ABC-123', 'TAGS=fleet,prod', '/log', 'C:\Windows\Temp\av.log')
      $HfWin.Services.avagent.Status | Should -BeExactly 'Running'
      $items = Get-HfItemsById $r.Requests[0]
      Format-HfDetails $items['CONTROL'] | Should -Be @('action=installed+started', 'mode=enforce')
      $items['CONTROL'].Status | Should -BeExactly 'COMPLIANT'
      Get-Content -LiteralPath 'C:\ProgramData\ssm-hybrid-fleet\agents\avagent.sha256' -Raw | Should -Match "^$bodySha\s*$"
      Get-ChildItem -LiteralPath $sb.Temp | Should -BeNullOrEmpty -Because 'the installer is removed'

      $again = Invoke-HfWindowsStep $sb 'antivirus.yaml' $p
      $again.ExitCode | Should -Be 0
      $HfWin.Downloads.Count | Should -Be 1
      Format-HfDetails (Get-HfItemsById $again.Requests[0])['CONTROL'] | Should -Be @('action=none', 'mode=enforce')
    }

    It 'runs nothing when the installer''s SHA-256 does not match' {
      $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams @{
          Mode = 'enforce'; WindowsInstallerSource = 'https://vendor.example.com/avagent-7.1.msi'; WindowsInstallerSha256 = 'ab' * 32
        })

      $r.ExitCode | Should -Be 1 -Because 'enforce mode could not act: a failing rollout must trip maxErrors'
      ($r.Output -join "`n") | Should -Match 'installer SHA-256 mismatch .*nothing was run'
      ($r.Output -join "`n") | Should -Match 'Custom:Antivirus: NON_COMPLIANT \(reported; exit 1: enforce mode could not install the agent\)'
      Should -Invoke Start-Process -Times 0 -Exactly
      $items = Get-HfItemsById $r.Requests[0]
      $items['AV-Installed'].Status | Should -BeExactly 'NON_COMPLIANT'
      $items['CONTROL'].Details.action | Should -BeExactly 'install-failed'
      Get-ChildItem -LiteralPath $sb.Temp | Should -BeNullOrEmpty
    }

    It 'fetches an s3:// installer with the AWS CLI' {
      New-Item -ItemType Directory -Force -Path (Join-Path $sb.S3 'vendor-bucket/agents') | Out-Null
      Copy-Item -LiteralPath (Join-Path $sb.Http 'avagent-7.1.msi') -Destination (Join-Path $sb.S3 'vendor-bucket/agents/avagent.msi')
      New-HfFile $sb "$Defs\mpavbase.vdm" 'defs' 1

      $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams @{
          Mode = 'enforce'; WindowsInstallerSource = 's3://vendor-bucket/agents/avagent.msi'; WindowsInstallerSha256 = $bodySha
        })

      $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
      @(Get-HfCalls $sb)[0] | Should -Match '^aws\.exe s3 cp --only-show-errors --region ap-southeast-2 s3://vendor-bucket/agents/avagent\.msi \S+\.download$'
      Should -Invoke Invoke-WebRequest -Times 0 -Exactly
    }

    It 'starts a stopped service, enabling it when disabled' {
      New-HfFile $sb $Agent
      New-HfFile $sb "$Defs\mpavbase.vdm" 'defs' 1
      Set-HfService avagent Stopped Disabled

      $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams @{ Mode = 'enforce' })

      $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
      $HfWin.Services.avagent.Status | Should -BeExactly 'Running'
      $HfWin.Services.avagent.StartType | Should -BeExactly 'Automatic'
      (Get-HfItemsById $r.Requests[0])['CONTROL'].Details.action | Should -BeExactly 'started'
    }

    It 'reports a service that will not start' {
      New-HfFile $sb $Agent
      Set-HfService avagent Stopped
      $HfWin.StartFails = @('avagent')

      $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams @{ Mode = 'enforce'; WindowsDefinitionsPath = '' })

      $r.ExitCode | Should -Be 1
      ($r.Output -join "`n") | Should -Match 'Custom:Antivirus: NON_COMPLIANT \(reported; exit 1: enforce mode could not start the service\)'
      $items = Get-HfItemsById $r.Requests[0]
      $items['AV-ServiceRunning'].Details.state | Should -BeExactly 'stopped'
      $items['CONTROL'].Details.action | Should -BeExactly 'start-failed'
    }
  }

  Context 'AWS CLI' {
    BeforeEach {
      Remove-HfSandbox $sb
      $sb = New-HfSandbox -NoAwsCli
      Reset-HfWindowsFacts $sb
      New-HfFile $sb $Agent
      Set-HfService avagent Running
      Set-Content -LiteralPath (Join-Path $sb.Http 'AWSCLIV2.msi') -Value 'signed msi' -NoNewline
      # msiexec /i AWSCLIV2.msi puts aws.exe where AWS's MSI puts it.
      $HfWin.Installer = {
        param($FilePath, $ArgumentList)
        $dest = Get-HfRealPath $HfWin.Sandbox 'C:\Program Files\Amazon\AWSCLIV2\aws.exe'
        New-Item -ItemType Directory -Force -Path (Split-Path $dest) | Out-Null
        Copy-Item -LiteralPath (Join-Path $HfWin.Sandbox.Bin '.aws.exe') -Destination $dest
        & chmod +x $dest
        0
      }
    }

    It 'installs AWS''s MSI when the CLI is missing and its Authenticode signature is Amazon''s' {
      $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams @{ WindowsDefinitionsPath = '' })

      $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
      @($HfWin.Downloads) | Should -Be @('https://awscli.amazonaws.com/AWSCLIV2.msi')
      Should -Invoke Get-AuthenticodeSignature -Times 1 -Exactly
      $HfWin.Processes[0].FilePath | Should -BeExactly 'msiexec.exe'
      $HfWin.Processes[0].ArgumentList[0, 2, 3] | Should -Be @('/i', '/qn', '/norestart')
      $r.Requests.Count | Should -Be 1
      $r.Requests[0].Items.Count | Should -Be 3
    }

    It 'refuses an MSI whose signature is not valid or not Amazon''s, and reports nothing (exit 2)' -TestCases @(
      @{ Status = 'HashMismatch'; Subject = 'CN=Amazon.com, Inc., O=Amazon.com, Inc.' }
      @{ Status = 'Valid'; Subject = 'CN=Evil Corp, O=Evil Corp' }
      @{ Status = 'NotSigned'; Subject = '' }
    ) {
      $HfWin.Signature = [pscustomobject]@{ Status = $Status; SignerCertificate = [pscustomobject]@{ Subject = $Subject } }

      $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams @{ WindowsDefinitionsPath = '' })

      $r.ExitCode | Should -Be 2
      ($r.Output -join "`n") | Should -Match 'AWS CLI installer signature not valid'
      Should -Invoke Start-Process -Times 0 -Exactly
      $r.Requests.Count | Should -Be 0
      Get-ChildItem -LiteralPath $sb.Temp | Should -BeNullOrEmpty -Because 'the refused MSI is deleted'
    }
  }

  It 'uses the AWS CLI named by HF_AWS_CLI, as the Linux steps do' {
    New-HfFile $sb $Agent
    Set-HfService avagent Running
    $alt = New-HfFile $sb 'C:\Tools\aws-alt\aws.exe'
    [IO.File]::WriteAllText($alt, "#!/bin/sh`necho `"alt-aws `$*`" >> '$($sb.Log)'`n")
    & chmod +x $alt
    $sb.Env.HF_AWS_CLI = 'C:\Tools\aws-alt\aws.exe'

    $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams @{ WindowsDefinitionsPath = '' })

    $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
    @(Get-HfCalls $sb) | Should -HaveCount 1
    @(Get-HfCalls $sb)[0] | Should -Match '^alt-aws ssm put-compliance-items --region ap-southeast-2 '
  }

  It 'fails the association (exit 2) when the results cannot be reported' {
    New-HfFile $sb $Agent
    Set-HfService avagent Running
    $sb.Env.FAKE_AWS_RC = '255'

    $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams @{ WindowsDefinitionsPath = '' })

    $r.ExitCode | Should -Be 2
    ($r.Output -join "`n") | Should -Match 'PutComplianceItems failed for Custom:Antivirus'
  }

  It 'fails (exit 2) without the managed instance identity' {
    $sb.Env.AWS_SSM_INSTANCE_ID = $null

    $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams)

    $r.ExitCode | Should -Be 2
    $r.Requests.Count | Should -Be 0
  }

  It 'reads the identity from the agent''s registration file when the environment lacks it' {
    $sb.Env.AWS_SSM_INSTANCE_ID = $null
    $sb.Env.AWS_SSM_REGION_NAME = $null
    New-HfFile $sb 'C:\ProgramData\Amazon\SSM\InstanceData\registration' '{"ManagedInstanceID":"mi-0fedcba9876543210","Region":"eu-west-1"}' | Out-Null
    New-HfFile $sb $Agent
    Set-HfService avagent Running

    $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' (Get-AvParams @{ WindowsDefinitionsPath = '' })

    $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
    $r.Requests[0].ResourceId | Should -BeExactly 'mi-0fedcba9876543210'
    @(Get-HfCalls $sb)[0] | Should -Match ' --region eu-west-1 '
  }

  It 'reports an unconfigured control as non-compliant' {
    $r = Invoke-HfWindowsStep $sb 'antivirus.yaml' @{}

    $r.ExitCode | Should -Be 0
    $r.Requests[0].Items.Count | Should -Be 1
    $i = $r.Requests[0].Items[0]
    '{0}|{1}|{2}|{3}' -f $i.Id, $i.Status, $i.Severity, $i.Title | Should -BeExactly 'CONTROL|NON_COMPLIANT|HIGH|Anti-virus control not configured for Windows'
    Format-HfDetails $i | Should -Be @('mode=report', 'reason=WindowsServiceName and WindowsAgentPath are both empty')
  }
}
