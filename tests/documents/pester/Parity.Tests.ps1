# One table, two steps: the Windows half. Every scenario of tests/documents/parity/scenarios.json
# runs against the Windows step here and must build exactly the table's request; with
# HF_PARITY_OUT set, the normalized result is also written there so tests/documents/pester.test.ts
# can compare it with the Linux step's for the same facts.
BeforeDiscovery {
  $script:Scenarios = (Get-Content -LiteralPath (Join-Path $PSScriptRoot '../parity/scenarios.json') -Raw | ConvertFrom-Json -AsHashtable).scenarios
}

BeforeAll {
  . $PSScriptRoot/Harness.ps1
  . $PSScriptRoot/WindowsFakes.ps1
  $script:Fixtures = Join-Path $PSScriptRoot '../../fixtures/documents'
  $script:Paths = @{ os = 'Windows'; agentPath = 'C:\Program Files\AV\avagent.exe'; definitionsPath = 'C:\ProgramData\AV\Definitions' }

  <# The table's facts made true on the fake Windows; returns the document parameters. #>
  function Set-ScenarioFacts($Sandbox, [hashtable]$Scenario) {
    $f = $Scenario.facts
    $p = @{}
    foreach ($k in $Scenario.params.Keys) { $p[$k] = $Scenario.params[$k] }
    if ($Scenario.document -eq 'antivirus.yaml') {
      if ($f.unconfigured) { return $p }
      $p.WindowsServiceName = 'avagent'
      $p.WindowsAgentPath = $Paths.agentPath
      if (-not $f.noDefinitionsPath) { $p.WindowsDefinitionsPath = $Paths.definitionsPath }
      if ($f.definitionsGlob) { $p.WindowsDefinitionsGlob = $f.definitionsGlob }
      if ($f.agent) { New-HfFile $Sandbox $Paths.agentPath | Out-Null }
      if ($f.service -eq 'running') { Set-HfService avagent Running }
      if ($f.service -eq 'stopped') { Set-HfService avagent Stopped }
      foreach ($d in @($f.definitions)) { if ($d) { New-HfFile $Sandbox "$($Paths.definitionsPath)\$($d.file)" 'defs' $d.hoursOld | Out-Null } }
    } else {
      $result = if ($f.resultFormat -eq 'tsv') { 'C:\Tools\CIS\results.tsv' } else { 'C:\Tools\CIS\results.xml' }
      $p.ResultFormat = $f.resultFormat
      $p.WindowsScannerCommand = 'C:\Tools\CIS\scan.exe'
      $p.WindowsResultFile = $result
      $src = Join-Path $Sandbox.Root 'scanner-output'
      if ($f.tsv) { [IO.File]::WriteAllText($src, $f.tsv) } else { Copy-Item -LiteralPath (Join-Path $Fixtures $f.scannerResult) -Destination $src }
      $exe = New-HfFile $Sandbox $p.WindowsScannerCommand
      [IO.File]::WriteAllText($exe, "#!/bin/sh`ncp '$src' '$(Get-HfRealPath $Sandbox $result)'`n")
      & chmod +x $exe
    }
    if ($f.awsFails) { $Sandbox.Env.FAKE_AWS_RC = '255' }
    return $p
  }

  <# The request as the table writes it: fixed fields checked here, items as [Id, Status, Severity, Title, Details]. #>
  function ConvertTo-Normalized([int]$ExitCode, $Request) {
    $Request.ResourceId | Should -BeExactly 'mi-0123456789abcdef0'
    $Request.ResourceType | Should -BeExactly 'ManagedInstance'
    $Request.UploadType | Should -BeExactly 'COMPLETE'
    $Request.ExecutionSummary.ExecutionType | Should -BeExactly 'Command'
    $items = @($Request.Items | ForEach-Object {
        $d = [ordered]@{}
        foreach ($k in ($_.Details.Keys | Sort-Object)) { $d[$k] = $_.Details[$k] }
        , @($_.Id, $_.Status, $_.Severity, $_.Title, $d)
      })
    return [ordered]@{ exitCode = $ExitCode; complianceType = $Request.ComplianceType; items = $items }
  }

  function ConvertTo-Expected([hashtable]$Expect) {
    $json = $Expect | ConvertTo-Json -Depth 10 -Compress
    foreach ($k in $Paths.Keys) { $json = $json.Replace("{$k}", ($Paths[$k] | ConvertTo-Json).Trim('"')) }
    $e = $json | ConvertFrom-Json -AsHashtable
    $items = @($e.items | ForEach-Object {
        $d = [ordered]@{}
        foreach ($k in ($_[4].Keys | Sort-Object)) { $d[$k] = $_[4][$k] }
        , @($_[0], $_[1], $_[2], $_[3], $d)
      })
    return [ordered]@{ exitCode = $e.exitCode; complianceType = $e.complianceType; items = $items }
  }
}

Describe 'parity table: Windows step' {
  BeforeEach {
    $sb = New-HfSandbox
    Reset-HfWindowsFacts $sb
    Use-HfWindowsFakes
  }
  AfterEach { Remove-HfSandbox $sb }

  It '<name>' -ForEach $Scenarios {
    $scenario = $_
    $params = Set-ScenarioFacts $sb $scenario

    $r = Invoke-HfWindowsStep $sb $scenario.document $params

    $r.Requests.Count | Should -Be 1 -Because ($r.Output -join "`n")
    $got = ConvertTo-Normalized $r.ExitCode $r.Requests[0]
    if ($env:HF_PARITY_OUT) {
      [IO.File]::WriteAllText((Join-Path $env:HF_PARITY_OUT "$($scenario.name).json"), ($got | ConvertTo-Json -Depth 10))
    }
    ($got | ConvertTo-Json -Depth 10) | Should -BeExactly ((ConvertTo-Expected $scenario.expect) | ConvertTo-Json -Depth 10)
  }
}
