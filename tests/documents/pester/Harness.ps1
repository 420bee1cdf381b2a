# Runs a document's Windows step the way SSM Agent runs it, under pwsh on Linux: parameters are
# checked against allowedValues/allowedPattern and substituted into `{{ }}` as plain text, the
# runCommand lines are joined into `_script.ps1`, and that file is run; its `exit N` is the
# step's exit code. Windows-only cmdlets are stubbed with Pester `Mock` by the test files (the
# stubs below only exist so Pester has a command to mock on Linux). C: is a PowerShell drive
# rooted in a throw-away folder; `aws.exe` is a fake on PATH that keeps every
# PutComplianceItems request. Nothing leaves 127.0.0.1: Invoke-WebRequest is always mocked.

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../../..')).Path
$script:Docs = @{}

# Commands Windows has and Linux pwsh lacks. Each throws so an unmocked call fails the test.
foreach ($name in 'Get-Service', 'Set-Service', 'Start-Service', 'Get-AuthenticodeSignature', 'Get-MpComputerStatus') {
  if (-not (Get-Command $name -CommandType Cmdlet -ErrorAction SilentlyContinue)) {
    $null = New-Item -Path "function:global:$name" -Force -Value ([scriptblock]::Create(
        "[CmdletBinding()] param([string]`$Name, [string]`$StartupType, [string]`$FilePath) throw '$name is Windows-only and was not mocked'"))
  }
}

<#
.SYNOPSIS
The parsed YAML of one of the documents (no YAML parser ships with PowerShell; node and the
repository's `yaml` package do the parsing).
#>
function Get-HfDocument([string]$File) {
  if (-not $script:Docs.ContainsKey($File)) {
    $js = "const y=require(require.resolve('yaml',{paths:[process.argv[1]]}));" +
    "process.stdout.write(JSON.stringify(y.parse(require('fs').readFileSync(process.argv[2],'utf8'))))"
    $json = & node -e $js $script:RepoRoot (Join-Path $script:RepoRoot "documents/$File")
    if ($LASTEXITCODE -ne 0) { throw "cannot read documents/$File" }
    $script:Docs[$File] = $json | ConvertFrom-Json -AsHashtable
  }
  return $script:Docs[$File]
}

<# The Windows step's runCommand lines joined into one script, as the agent does. #>
function Get-HfWindowsStep([hashtable]$Doc) {
  $step = $Doc.mainSteps | Where-Object { $_.precondition.StringEquals[1] -eq 'Windows' }
  return ($step.inputs.runCommand -join "`n")
}

<#
.SYNOPSIS
Resolves parameters as SSM does (defaults, then allowedValues/allowedPattern, then textual
substitution). A pattern must match the whole value: `\z`, not `$`, ends the check, so a value
with a trailing line break is rejected here as in JavaScript.
#>
function ConvertTo-HfStepScript([hashtable]$Doc, [hashtable]$Values) {
  $resolved = @{}
  foreach ($name in $Doc.parameters.Keys) {
    $p = $Doc.parameters[$name]
    $v = if ($Values.ContainsKey($name)) { $Values[$name] } else { $p.default }
    if ($null -eq $v) { throw "parameter $name has no value" }
    $why = Test-HfParameterValue $p $v
    if ($why) { throw "parameter ${name}: '$v' $why" }
    $resolved[$name] = $v
  }
  foreach ($name in $Values.Keys) { if (-not $resolved.ContainsKey($name)) { throw "unknown parameter $name" } }
  return [regex]::Replace((Get-HfWindowsStep $Doc), '\{\{\s*([A-Za-z0-9_]+)\s*\}\}', { param($m) $resolved[$m.Groups[1].Value] })
}

<# Why SSM would refuse this value for this parameter, or nothing when it is accepted. #>
function Test-HfParameterValue([hashtable]$Parameter, [string]$Value) {
  if ($Parameter.allowedValues -and $Parameter.allowedValues -cnotcontains $Value) { return 'is not in allowedValues' }
  if ($Parameter.allowedPattern) {
    $m = [regex]::Match($Value, $Parameter.allowedPattern)
    if (-not $m.Success -or $m.Index -ne 0 -or $m.Length -ne $Value.Length) { return 'fails allowedPattern' }
  }
}

$script:FakeAws = @'
#!/bin/sh
echo "aws.exe $*" >> "$FAKE_LOG"
if [ "$1 $2" = "ssm put-compliance-items" ]; then
  for a in "$@"; do case $a in file://*) n=$(ls "$FAKE_OUT" | wc -l); cp "${a#file://}" "$FAKE_OUT/request-$n.json" ;; esac; done
  exit "${FAKE_AWS_RC:-0}"
fi
if [ "$1 $2" = "s3 cp" ]; then
  src=""; last=""
  for a in "$@"; do case $a in s3://*) src=$a ;; esac; last=$a; done
  cp "$FAKE_S3/${src#s3://}" "$last"
  exit $?
fi
exit 1
'@

<#
.SYNOPSIS
A fresh sandbox: C: drive, fake aws.exe on PATH (unless -NoAwsCli), environment the agent
gives a step. Returns an object with the folders; pair with Remove-HfSandbox.
#>
function New-HfSandbox([switch]$NoAwsCli) {
  $root = Join-Path ([IO.Path]::GetTempPath()) ('hfpester-' + [guid]::NewGuid())
  $sb = [pscustomobject]@{
    Root = $root
    C    = Join-Path $root 'C'
    Bin  = Join-Path $root 'bin'
    Out  = Join-Path $root 'out'
    Http = Join-Path $root 'http'
    S3   = Join-Path $root 's3'
    Temp = Join-Path $root 'C/Windows/Temp'
    Log  = Join-Path $root 'calls.log'
    Env  = @{}
  }
  foreach ($d in $sb.C, $sb.Bin, $sb.Out, $sb.Http, $sb.S3, $sb.Temp, (Join-Path $sb.C 'ProgramData'), (Join-Path $sb.C 'Program Files')) {
    $null = New-Item -ItemType Directory -Force -Path $d
  }
  $null = New-Item -ItemType File -Path $sb.Log
  $aws = Join-Path $sb.Bin 'aws.exe'
  [IO.File]::WriteAllText((Join-Path $sb.Bin '.aws.exe'), $script:FakeAws.Replace("`r`n", "`n"))
  & chmod +x (Join-Path $sb.Bin '.aws.exe')
  if (-not $NoAwsCli) { Copy-Item -LiteralPath (Join-Path $sb.Bin '.aws.exe') -Destination $aws; & chmod +x $aws }
  if (Get-PSDrive -Name C -ErrorAction SilentlyContinue) { Remove-PSDrive -Name C -Force }
  $null = New-PSDrive -Name C -PSProvider FileSystem -Root $sb.C -Scope Global
  $sb.Env = [ordered]@{
    PATH                 = "$($sb.Bin):/usr/bin:/bin"
    ProgramData          = 'C:\ProgramData'
    ProgramFiles         = 'C:\Program Files'
    TEMP                 = $sb.Temp
    AWS_SSM_INSTANCE_ID  = 'mi-0123456789abcdef0'
    AWS_SSM_REGION_NAME  = 'ap-southeast-2'
    FAKE_LOG             = $sb.Log
    FAKE_OUT             = $sb.Out
    FAKE_S3              = $sb.S3
    FAKE_AWS_RC          = $null
    HF_AWS_CLI           = $null
  }
  return $sb
}

function Remove-HfSandbox($Sandbox) {
  if (Get-PSDrive -Name C -ErrorAction SilentlyContinue) { Remove-PSDrive -Name C -Force }
  Remove-Item -LiteralPath $Sandbox.Root -Recurse -Force -ErrorAction SilentlyContinue
}

<# Creates a file under the sandbox's C: drive (e.g. 'C:\AV\agent.exe'), optionally hours old. #>
function New-HfFile($Sandbox, [string]$WindowsPath, [string]$Content = 'x', [double]$HoursOld = 0) {
  $p = Get-HfRealPath $Sandbox $WindowsPath
  $null = New-Item -ItemType Directory -Force -Path (Split-Path $p)
  [IO.File]::WriteAllText($p, $Content)
  (Get-Item -LiteralPath $p).LastWriteTimeUtc = (Get-Date).ToUniversalTime().AddHours(-$HoursOld)
  return $p
}

<# The Linux path behind a C:\ path in the sandbox. #>
function Get-HfRealPath($Sandbox, [string]$WindowsPath) {
  return Join-Path $Sandbox.C ($WindowsPath -replace '^[Cc]:\\', '' -replace '\\', '/')
}

<#
.SYNOPSIS
Runs a document's Windows step with these parameter values. Returns ExitCode, Output (lines)
and Requests (every PutComplianceItems request, parsed). An uncaught terminating error ends
`powershell -File` with exit 1, so it is reported as 1 here too.
#>
function Invoke-HfWindowsStep($Sandbox, [string]$Document, [hashtable]$Parameters = @{}) {
  $script = ConvertTo-HfStepScript (Get-HfDocument $Document) $Parameters
  $file = Join-Path $Sandbox.Root '_script.ps1'
  [IO.File]::WriteAllText($file, $script)
  $saved = @{}
  foreach ($k in $Sandbox.Env.Keys) {
    $saved[$k] = [Environment]::GetEnvironmentVariable($k)
    [Environment]::SetEnvironmentVariable($k, $Sandbox.Env[$k])
  }
  $before = @(Get-ChildItem -LiteralPath $Sandbox.Out).Count
  $global:LASTEXITCODE = 0
  $lines = [Collections.Generic.List[string]]::new()
  try {
    & $file *>&1 | ForEach-Object { $lines.Add([string]$_) }
    $code = $global:LASTEXITCODE
  } catch {
    $lines.Add("UNCAUGHT: $_")
    $code = 1
  } finally {
    foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
  }
  $requests = @(Get-ChildItem -LiteralPath $Sandbox.Out -Filter 'request-*.json' | Sort-Object { [int]($_.BaseName -replace '\D', '') } |
      Select-Object -Skip $before | ForEach-Object { Get-Content -LiteralPath $_.FullName -Raw | ConvertFrom-Json -AsHashtable -DateKind String })
  return [pscustomobject]@{ ExitCode = $code; Output = $lines.ToArray(); Requests = $requests }
}

<# The lines the fake tools logged (`aws.exe ...`). #>
function Get-HfCalls($Sandbox) {
  return @(Get-Content -LiteralPath $Sandbox.Log | Where-Object { $_ })
}

<# Items as [Id, Status, Severity] triples, for compact assertions. #>
function Get-HfItemSummary($Request) {
  return @($Request.Items | ForEach-Object { '{0}|{1}|{2}' -f $_.Id, $_.Status, $_.Severity })
}

<# Items keyed by Id. #>
function Get-HfItemsById($Request) {
  $h = @{}
  foreach ($i in $Request.Items) { $h[$i.Id] = $i }
  return $h
}

<# An item's Details as sorted `key=value` strings (JSON key order carries no meaning). #>
function Format-HfDetails($Item) {
  return @($Item.Details.Keys | Sort-Object | ForEach-Object { '{0}={1}' -f $_, $Item.Details[$_] })
}
