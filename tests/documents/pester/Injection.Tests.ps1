# Parameters cannot break out of the Windows steps' PowerShell quoting: SSM's allowedPattern /
# allowedValues reject hostile values, and any value they accept, substituted as SSM does, is
# parsed by PowerShell's own parser as one single-quoted string constant with exactly that value.
BeforeAll {
  . $PSScriptRoot/Harness.ps1
  $script:DocFiles = 'agent-install.yaml', 'antivirus.yaml', 'cis.yaml'

  <# Variable name -> the string constant assigned to it, for every `$X = '...'` at the top level. #>
  function Get-Assignments([string]$Script) {
    $tokens = $null
    $errors = $null
    $ast = [Management.Automation.Language.Parser]::ParseInput($Script, [ref]$tokens, [ref]$errors)
    if ($errors.Count) { throw "parse errors: $($errors | ForEach-Object Message)" }
    $out = [ordered]@{}
    foreach ($st in $ast.EndBlock.Statements) {
      if ($st -is [Management.Automation.Language.AssignmentStatementAst] -and $st.Left.VariablePath.UserPath -and
        $st.Right.Expression -is [Management.Automation.Language.StringConstantExpressionAst]) {
        $out[$st.Left.VariablePath.UserPath] = $st.Right.Expression
      }
    }
    return [pscustomobject]@{ Assignments = $out; Statements = $ast.EndBlock.Statements.Count }
  }

  <# Parameter name -> the variables its value is assigned to, read from the step's template. #>
  function Get-VariableMap([hashtable]$Doc) {
    $map = @{}
    foreach ($m in [regex]::Matches((Get-HfWindowsStep $Doc), "(?m)^\`$([A-Za-z0-9]+) = '\{\{ ([A-Za-z0-9]+) \}\}'$")) {
      $map[$m.Groups[2].Value] = @($map[$m.Groups[2].Value]) + $m.Groups[1].Value | Where-Object { $_ }
    }
    return $map
  }

  <# Throws unless the script parses, has the baseline's statement count, and assigns each value verbatim. #>
  function Assert-VerbatimAssignments([string]$Script, [hashtable]$Values, [hashtable]$VarOf, [int]$Baseline) {
    $parsed = Get-Assignments $Script
    $parsed.Statements | Should -Be $Baseline -Because 'no value adds or removes a statement'
    foreach ($name in $Values.Keys) {
      foreach ($var in $VarOf[$name]) {
        $c = $parsed.Assignments[$var]
        $c.StringConstantType | Should -Be 'SingleQuoted'
        $c.Value | Should -BeExactly $Values[$name]
      }
    }
  }

  # Random strings: mostly characters some pattern admits, with a fair share of characters that
  # end or open something in PowerShell (quotes of every kind, `$`, backtick, braces, line breaks).
  $script:Core = [char[]]'abcXYZ019_-.'
  $script:Extra = [char[]]' /\:=,@+()?*[]#!%&~'
  $script:Hostile = [char[]]("'`"``$;|<>{}`n`r`t" + [char]0x2018 + [char]0x2019 + [char]0x201A + [char]0x201B + [char]0x201C + [char]0x201D)
  $script:Rng = [Random]::new(8)
  function Get-RandomText([int]$Max) {
    $n = $script:Rng.Next(0, $Max + 1)
    return -join (1..$n | Where-Object { $_ } | ForEach-Object {
        $roll = $script:Rng.Next(8)
        $set = if ($roll -eq 0) { $script:Hostile } elseif ($roll -eq 1) { $script:Extra } else { $script:Core }
        $set[$script:Rng.Next($set.Length)]
      })
  }
}

Describe 'Windows steps: no injection through parameters' {
  It '<File> rejects hostile values for every parameter before anything runs' -TestCases @(
    @{ File = 'agent-install.yaml' }, @{ File = 'antivirus.yaml' }, @{ File = 'cis.yaml' }
  ) {
    $hostile = @(
      "x'; Remove-Item C:\ -Recurse; '"
      'C:\x' + [char]0x2019 + '; Remove-Item C:\ -Recurse; ' + [char]0x2018
      'C:\x' + [char]0x201B + '+(Remove-Item C:\)+' + [char]0x201A
      '$(Remove-Item C:\ -Recurse)'
      '`$x'
      "report`n"
      "report`nRemove-Item C:\ -Recurse"
      'a" + $env:USERNAME + "b'
      '{{ Mode }}'
      'C:\a;b'
      'https://x.example.com/a''b'
      '@(1)|Out-Null'
    )
    $doc = Get-HfDocument $File
    foreach ($name in $doc.parameters.Keys) {
      foreach ($v in $hostile) {
        Test-HfParameterValue $doc.parameters[$name] $v | Should -Not -BeNullOrEmpty -Because "$name must refuse $v"
      }
    }
  }

  It '<File> assigns every accepted value verbatim as one single-quoted constant (random values, parsed by PowerShell)' -TestCases @(
    @{ File = 'agent-install.yaml' }, @{ File = 'antivirus.yaml' }, @{ File = 'cis.yaml' }
  ) {
    $doc = Get-HfDocument $File
    $varOf = Get-VariableMap $doc
    $baseline = (Get-Assignments (ConvertTo-HfStepScript $doc @{})).Statements
    $accepted = 0
    foreach ($round in 1..60) {
      $values = @{}
      foreach ($name in $doc.parameters.Keys) {
        $p = $doc.parameters[$name]
        if ($p.allowedValues) { $values[$name] = $p.allowedValues[$script:Rng.Next($p.allowedValues.Count)]; continue }
        $body = Get-RandomText 12
        # Shapes the patterns want, so that many random bodies are accepted.
        foreach ($candidate in $body, "C:\$body", "https://$body", "s3://b/$body", "/$body") {
          if (-not (Test-HfParameterValue $p $candidate)) { $values[$name] = $candidate; $accepted++; break }
        }
      }
      Assert-VerbatimAssignments (ConvertTo-HfStepScript $doc $values) $values $varOf $baseline
    }
    $accepted | Should -BeGreaterThan 100 -Because 'the property must exercise accepted values, not only defaults'
  }

  It 'the check catches a value that breaks out (it can fail)' {
    $doc = Get-HfDocument 'antivirus.yaml'
    $varOf = Get-VariableMap $doc
    $baseline = (Get-Assignments (ConvertTo-HfStepScript $doc @{})).Statements
    $evil = "x'; Remove-Item C:\ -Recurse; '"
    $script = (ConvertTo-HfStepScript $doc @{}).Replace("`$AvService = ''", "`$AvService = '$evil'")
    { Assert-VerbatimAssignments $script @{ WindowsServiceName = $evil } $varOf $baseline } | Should -Throw
  }

  It 'uses parameters only in `$X = ''{{ P }}''` lines' -TestCases @(
    @{ File = 'agent-install.yaml' }, @{ File = 'antivirus.yaml' }, @{ File = 'cis.yaml' }
  ) {
    $lines = (Get-HfWindowsStep (Get-HfDocument $File)) -split "`n" | Where-Object { $_ -match '\{\{' }
    $lines | Should -Not -BeNullOrEmpty
    foreach ($l in $lines) { $l | Should -MatchExactly '^\$[A-Za-z0-9]+ = ''\{\{ [A-Za-z0-9]+ \}\}''$' }
  }
}
