# The CIS document's Windows step (a vendor scanner such as CIS-CAT), run as SSM Agent runs it.
BeforeAll {
  . $PSScriptRoot/Harness.ps1
  . $PSScriptRoot/WindowsFakes.ps1
  $script:Fixtures = Join-Path $PSScriptRoot '../../fixtures/documents'
  $script:Scanner = 'C:\Tools\CIS\scan.exe'
  $script:Result = 'C:\Tools\CIS\results.xml'

  <# A fake scanner: records its arguments, then writes $Content (or copies $From) to the result file. #>
  function New-FakeScanner($Sandbox, [string]$ResultPath, [string]$From, [int]$ExitCode = 0) {
    $exe = New-HfFile $Sandbox $script:Scanner
    $res = Get-HfRealPath $Sandbox $ResultPath
    $copy = if ($From) { "cp '$From' '$res'" } else { ':' }
    [IO.File]::WriteAllText($exe, "#!/bin/sh`nprintf '%s\n' `"`$@`" > '$($Sandbox.Root)/scanner-args'`n$copy`nexit $ExitCode`n")
    & chmod +x $exe
  }
  function Get-ScannerArgs($Sandbox) { @(Get-Content -LiteralPath (Join-Path $Sandbox.Root 'scanner-args')) }
  function Get-CisParams([hashtable]$Extra = @{}) {
    $p = @{ WindowsScannerCommand = $script:Scanner; WindowsResultFile = $script:Result }
    foreach ($k in $Extra.Keys) { $p[$k] = $Extra[$k] }
    return $p
  }
  function Get-Quad($Request) { @($Request.Items | ForEach-Object { '{0}|{1}|{2}|{3}' -f $_.Id, $_.Status, $_.Severity, $_.Title }) }
}

Describe 'CIS Windows step' {
  BeforeEach {
    $sb = New-HfSandbox
    Reset-HfWindowsFacts $sb
    Use-HfWindowsFakes
  }
  AfterEach { Remove-HfSandbox $sb }

  It 'runs the vendor scanner and parses its single-line, prefixed XCCDF' {
    New-FakeScanner $sb $Result (Join-Path $Fixtures 'vendor-results-single-line.xml')

    $r = Invoke-HfWindowsStep $sb 'cis.yaml' (Get-CisParams @{ WindowsScannerArgs = '-b cis.xml --report-format=xccdf'; WindowsRemediateArgs = '--fix' })

    $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
    Get-ScannerArgs $sb | Should -Be @('-b', 'cis.xml', '--report-format=xccdf')
    $r.Requests.Count | Should -Be 1
    $r.Requests[0].ComplianceType | Should -BeExactly 'Custom:CIS'
    Get-Quad $r.Requests[0] | Should -Be @(
      'v.1.1.1|NON_COMPLIANT|HIGH|Ensure "Enforce password history" is set to 24 or more'
      'v.2.3.1|COMPLIANT|LOW|Ensure guest account is disabled'
      'CONTROL|NON_COMPLIANT|MEDIUM|CIS benchmark (report mode)'
    )
    $items = Get-HfItemsById $r.Requests[0]
    Format-HfDetails $items['v.1.1.1'] | Should -Be @('result=fail', 'rule=v.1.1.1')
    Format-HfDetails $items['CONTROL'] | Should -Be @('failed=1', 'mode=report', 'notApplicable=0', 'passed=1', 'profile=vendor', 'scanner=command', 'skipped=0')
  }

  It 'reads OpenSCAP-style results like the Linux step: prefix stripped from Ids, XML entities decoded' {
    New-FakeScanner $sb $Result (Join-Path $Fixtures 'oscap-results-rhel9-cis.xml')

    $r = Invoke-HfWindowsStep $sb 'cis.yaml' (Get-CisParams)

    $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
    Get-Quad $r.Requests[0] | Should -Be @(
      'partition_for_tmp|COMPLIANT|LOW|Ensure /tmp Located On Separate Partition'
      'package_aide_installed|NON_COMPLIANT|MEDIUM|Install AIDE'
      'sshd_disable_root_login|COMPLIANT|MEDIUM|Disable SSH Root Login'
      'accounts_password_pam_minlen|NON_COMPLIANT|MEDIUM|Ensure PAM Enforces Password Requirements - Minimum Length & <Complexity>'
      'no_empty_passwords|COMPLIANT|HIGH|Prevent Login to Accounts With Empty Password'
      'CONTROL|NON_COMPLIANT|MEDIUM|CIS benchmark (report mode)'
    )
    Format-HfDetails (Get-HfItemsById $r.Requests[0])['package_aide_installed'] | Should -Be @('result=fail', 'rule=xccdf_org.ssgproject.content_rule_package_aide_installed')
  }

  It 'uses the remediation arguments in enforce mode and passes when every rule passes' {
    $passing = Join-Path $sb.Root 'all-pass.xml'
    (Get-Content -LiteralPath (Join-Path $Fixtures 'vendor-results-single-line.xml') -Raw) -replace '<xccdf:result>fail<', '<xccdf:result>fixed<' |
      Set-Content -LiteralPath $passing -NoNewline
    New-FakeScanner $sb $Result $passing

    $r = Invoke-HfWindowsStep $sb 'cis.yaml' (Get-CisParams @{ Mode = 'enforce'; WindowsScannerArgs = '-b cis.xml'; WindowsRemediateArgs = '-b cis.xml --fix' })

    $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
    Get-ScannerArgs $sb | Should -Be @('-b', 'cis.xml', '--fix')
    $items = Get-HfItemsById $r.Requests[0]
    $items['v.1.1.1'].Status | Should -BeExactly 'COMPLIANT'
    $items['v.1.1.1'].Details.result | Should -BeExactly 'fixed'
    $items['CONTROL'].Status | Should -BeExactly 'COMPLIANT'
    $items['CONTROL'].Title | Should -BeExactly 'CIS benchmark (enforce mode)'
  }

  It 'reads TSV results like the Linux step (results are case-sensitive; an empty title is the rule id)' {
    $tsv = Join-Path $sb.Root 'r.tsv'
    [IO.File]::WriteAllText($tsv, "R1`tpass`thigh`tFirst rule`nR2`tnotchecked`tlow`tSkipped`nR3`tPASS`tlow`tUpper case`nR4`tfail`tmedium`t`nR5`tfixed`n")
    New-FakeScanner $sb 'C:\Tools\CIS\r.tsv' $tsv

    $r = Invoke-HfWindowsStep $sb 'cis.yaml' (Get-CisParams @{ ResultFormat = 'tsv'; WindowsResultFile = 'C:\Tools\CIS\r.tsv' })

    $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
    Get-Quad $r.Requests[0] | Should -Be @(
      'R1|COMPLIANT|HIGH|First rule'
      'R4|NON_COMPLIANT|MEDIUM|R4'
      'R5|COMPLIANT|UNSPECIFIED|R5'
      'CONTROL|NON_COMPLIANT|MEDIUM|CIS benchmark (report mode)'
    )
  }

  It 'does not resolve external entities in the result file (XXE)' {
    $secret = New-HfFile $sb 'C:\secret.txt' 'TOPSECRET'
    $xxe = Join-Path $sb.Root 'xxe.xml'
    [IO.File]::WriteAllText($xxe, "<?xml version=`"1.0`"?><!DOCTYPE r [<!ENTITY x SYSTEM `"file://$secret`">]><Benchmark><Rule id=`"R1`" severity=`"low`"><title>t &x;</title></Rule><TestResult><rule-result idref=`"R1`"><result>pass</result></rule-result></TestResult></Benchmark>")
    New-FakeScanner $sb $Result $xxe

    $r = Invoke-HfWindowsStep $sb 'cis.yaml' (Get-CisParams)

    $r.Requests.Count | Should -Be 1 -Because ($r.Output -join "`n")
    ($r.Requests | ConvertTo-Json -Depth 8) | Should -Not -Match 'TOPSECRET'
  }

  It 'reports "no applicable rules" (exit 2) when nothing passed or failed, as the Linux step does' {
    $tsv = Join-Path $sb.Root 'r.tsv'
    [IO.File]::WriteAllText($tsv, "R1`tnotapplicable`thigh`tA`nR2`tnotapplicable`tlow`tB`nR3`tnotchecked`tlow`tC`n")
    New-FakeScanner $sb 'C:\Tools\CIS\r.tsv' $tsv

    $r = Invoke-HfWindowsStep $sb 'cis.yaml' (Get-CisParams @{ ResultFormat = 'tsv'; WindowsResultFile = 'C:\Tools\CIS\r.tsv' })

    $r.ExitCode | Should -Be 2
    Get-Quad $r.Requests[0] | Should -Be @('CONTROL|NON_COMPLIANT|MEDIUM|CIS scan could not run: no applicable rules (2 not applicable): is the content for this OS release?')
    Format-HfDetails $r.Requests[0].Items[0] | Should -Be @('mode=report', 'profile=vendor', 'scanner=command')
  }

  It 'fails (exit 2) with a clear control item when the result file is not XML' {
    $bad = Join-Path $sb.Root 'bad.xml'
    [IO.File]::WriteAllText($bad, '<Benchmark><rule-result')
    New-FakeScanner $sb $Result $bad

    $r = Invoke-HfWindowsStep $sb 'cis.yaml' (Get-CisParams)

    $r.ExitCode | Should -Be 2
    @($r.Requests[0].Items).Count | Should -Be 1
    $r.Requests[0].Items[0].Title | Should -BeLike "CIS scan could not run: cannot read the result file ${Result}: *"
  }

  It 'fails (exit 2) with a clear control item when the scanner is not installed' {
    $r = Invoke-HfWindowsStep $sb 'cis.yaml' (Get-CisParams)

    $r.ExitCode | Should -Be 2
    $r.Requests.Count | Should -Be 1
    Get-Quad $r.Requests[0] | Should -Be @("CONTROL|NON_COMPLIANT|MEDIUM|CIS scan could not run: scanner $Scanner is not installed")
    Format-HfDetails $r.Requests[0].Items[0] | Should -Be @('mode=report', 'scanner=command')
  }

  It 'fails (exit 2) when the scanner is not configured' {
    $r = Invoke-HfWindowsStep $sb 'cis.yaml' @{}

    $r.ExitCode | Should -Be 2
    Get-Quad $r.Requests[0] | Should -Be @('CONTROL|NON_COMPLIANT|MEDIUM|CIS scan could not run: WindowsScannerCommand and WindowsResultFile are required on Windows')
  }

  It 'fails (exit 2) when the scanner writes no result file, and removes a stale one first' {
    New-HfFile $sb $Result '<stale/>' | Out-Null
    New-FakeScanner $sb $Result '' 3

    $r = Invoke-HfWindowsStep $sb 'cis.yaml' (Get-CisParams)

    $r.ExitCode | Should -Be 2
    @($r.Requests[0].Items).Count | Should -Be 1
    $r.Requests[0].Items[0].Title | Should -BeExactly "CIS scan could not run: scanner exited 3 and wrote no result file $Result"
  }

  It 'turns any scanner text into valid compliance JSON' {
    # Quotes, backslashes, control characters, braces, format strings and a 600-character title.
    $rows = @(
      "a`"b`tfail`thigh`tT `"quoted`" \ back\\slash"
      "c\d`tpass`tlow`t%s {0} `$(x) ``n"
      "e`u{1}f`terror`tinfo`t$('T' * 600)"
    )
    $tsv = Join-Path $sb.Root 'r.tsv'
    [IO.File]::WriteAllText($tsv, ($rows -join "`n") + "`n")
    New-FakeScanner $sb 'C:\Tools\CIS\r.tsv' $tsv

    $r = Invoke-HfWindowsStep $sb 'cis.yaml' (Get-CisParams @{ ResultFormat = 'tsv'; WindowsResultFile = 'C:\Tools\CIS\r.tsv' })

    $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
    $items = @($r.Requests[0].Items)
    $items.Count | Should -Be 4
    $items[0].Id | Should -BeExactly 'a"b'
    $items[0].Title | Should -BeExactly 'T "quoted" \ back\\slash'
    $items[1].Id | Should -BeExactly 'c\d'
    $items[1].Title | Should -BeExactly '%s {0} $(x) `n'
    $items[2].Id | Should -BeExactly 'e f'
    $items[2].Severity | Should -BeExactly 'INFORMATIONAL'
    $items[2].Title.Length | Should -Be 500
    $items[3].Details.failed | Should -BeExactly '2'
  }
}
