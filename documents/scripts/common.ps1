# ssm-hybrid-fleet: functions shared by the Windows steps of the fleet's SSM documents.
# Windows PowerShell 5.1 (stock on Windows Server 2016+). Every document embeds this file
# verbatim (see documents/build.ts); the variables the functions read are assigned,
# single-quoted, by the document's first lines.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
$script:HfItems = New-Object System.Collections.Generic.List[object]
$script:HfStateDir = Join-Path $env:ProgramData 'ssm-hybrid-fleet'
$script:HfInstanceId = ''
$script:HfRegion = ''

# Log lines go to the host, never to the output stream: a function's output is its return
# value, so a log line written with Write-Output inside Get-HfAwsCli became part of the path.
function Write-HfLog([string]$Message) {
  Write-Host ('{0} {1}' -f (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ'), $Message)
}

# The managed instance ID and region come from the agent's environment; the registration
# file is the fallback for a hybrid node running the script by hand.
function Get-HfIdentity {
  $id = $env:AWS_SSM_INSTANCE_ID
  $region = $env:AWS_SSM_REGION_NAME
  $reg = Join-Path $env:ProgramData 'Amazon\SSM\InstanceData\registration'
  if ((-not $id -or -not $region) -and (Test-Path -LiteralPath $reg)) {
    $r = Get-Content -LiteralPath $reg -Raw | ConvertFrom-Json
    if (-not $id) { $id = $r.ManagedInstanceID }
    if (-not $region) { $region = $r.Region }
  }
  if (-not $id -or -not $region) { throw 'cannot tell this node''s managed instance ID and region' }
  $script:HfInstanceId = $id
  $script:HfRegion = $region
}

function Initialize-Hf {
  if ('report', 'enforce' -cnotcontains $Mode) { throw "Mode must be report or enforce, got '$Mode'" }
  Get-HfIdentity
}

# Text for compliance items, made as the Linux steps make it: control characters become
# spaces, characters that could not be decoded (U+FFFD, what .NET makes of invalid UTF-8) are
# dropped, everything else is kept, and the UTF-8 form is cut to at most $Max bytes without
# splitting a character (n bytes are at most n characters, the unit of the API's limits).
function ConvertTo-HfClean([string]$Text, [int]$Max) {
  $t = ($Text -replace '\uFFFD', '') -replace '[\x00-\x1F\x7F]', ' '
  $bytes = [Text.Encoding]::UTF8.GetBytes($t)
  if ($bytes.Length -le $Max) { return $t }
  $n = $Max
  # Back over continuation bytes (10xxxxxx) to the first byte of the character that would split.
  while ($n -gt 0 -and ($bytes[$n] -band 0xC0) -eq 0x80) { $n-- }
  return [Text.Encoding]::UTF8.GetString($bytes, 0, $n)
}

# djb2 of the UTF-8 bytes, 8 hex digits: the Linux steps' hash for Ids that must stay unique.
function Get-HfDjb2([string]$Text) {
  [uint64]$h = 5381
  foreach ($b in [Text.Encoding]::UTF8.GetBytes(($Text -replace '\uFFFD', ''))) { $h = ($h * 33 + $b) % 4294967296 }
  return $h.ToString('x8')
}

# An item Id that stays unique in one request: over 100 bytes -> the first 91 bytes, '~' and
# the hash of the full text; a repeat -> '<id>#2', '#3', ... ($Seen: Ids given so far, by exact text).
function Get-HfUniqueId([string]$Text, [Collections.Generic.Dictionary[string, int]]$Seen) {
  $id = ConvertTo-HfClean $Text 100
  if ($id -cne (ConvertTo-HfClean $Text 1000000)) { $id = (ConvertTo-HfClean $id 91) + '~' + (Get-HfDjb2 $Text) }
  $count = 1
  if ($Seen.ContainsKey($id)) { $count = $Seen[$id] + 1 }
  $Seen[$id] = $count
  if ($count -gt 1) { $suffix = "#$count"; $id = (ConvertTo-HfClean $id (100 - $suffix.Length)) + $suffix }
  return $id
}

function Add-HfItem([string]$Id, [string]$Status, [string]$Severity, [string]$Title, [hashtable]$Details) {
  if ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNSPECIFIED' -cnotcontains $Severity) { $Severity = 'UNSPECIFIED' }
  $d = [ordered]@{}
  if ($Details) { foreach ($k in $Details.Keys) { $d[(ConvertTo-HfClean $k 64)] = ConvertTo-HfClean ([string]$Details[$k]) 4096 } }
  $script:HfItems.Add([ordered]@{
      Id       = (ConvertTo-HfClean $Id 100)
      Status   = $Status
      Severity = $Severity
      Title    = (ConvertTo-HfClean $Title 500)
      Details  = $d
    })
}

# Arguments were validated against a pattern without quotes or operators: split on spaces, each
# word one argument. Here, not in agent.ps1: the CIS step (common.ps1 + cis.ps1) needs it too.
function Split-HfArgs([string]$Text) {
  return @($Text -split ' ' | Where-Object { $_ })
}

function Get-HfNonCompliantCount {
  return @($script:HfItems | Where-Object { $_.Status -eq 'NON_COMPLIANT' }).Count
}

# The AWS CLI is how results reach SSM compliance; stock Windows lacks it, so install AWS's
# MSI, and only if Authenticode says Amazon signed it.
function Get-HfAwsCli {
  # Overridable like the Linux steps' lookup (HF_AWS_CLI: the CLI itself), for tests and odd hosts.
  if ($env:HF_AWS_CLI) { return $env:HF_AWS_CLI }
  $cmd = Get-Command aws.exe -ErrorAction SilentlyContinue
  if ($cmd) { return $cmd.Path }
  $default = Join-Path $env:ProgramFiles 'Amazon\AWSCLIV2\aws.exe'
  if (Test-Path -LiteralPath $default) { return $default }
  Write-HfLog 'AWS CLI not found: installing it'
  $msi = Join-Path $env:TEMP ('AWSCLIV2-{0}.msi' -f [guid]::NewGuid())
  Invoke-WebRequest -UseBasicParsing -Uri 'https://awscli.amazonaws.com/AWSCLIV2.msi' -OutFile $msi
  $sig = Get-AuthenticodeSignature -FilePath $msi
  if ($sig.Status -ne 'Valid' -or $sig.SignerCertificate.Subject -notmatch 'O=Amazon') {
    Remove-Item -LiteralPath $msi -Force
    throw "AWS CLI installer signature not valid ($($sig.Status))"
  }
  $p = Start-Process -FilePath msiexec.exe -ArgumentList @('/i', "`"$msi`"", '/qn', '/norestart') -Wait -PassThru
  Remove-Item -LiteralPath $msi -Force
  if ($p.ExitCode -ne 0 -and $p.ExitCode -ne 3010) { throw "AWS CLI installer exited $($p.ExitCode)" }
  return $default
}

# Sends the items with the node's own credentials (the managed-instance role;
# AmazonSSMManagedInstanceCore allows ssm:PutComplianceItems). UploadType COMPLETE replaces
# this type's previous items.
function Send-HfCompliance([string]$Type) {
  $req = [ordered]@{
    ResourceId       = $script:HfInstanceId
    ResourceType     = 'ManagedInstance'
    ComplianceType   = $Type
    ExecutionSummary = [ordered]@{
      ExecutionTime = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
      ExecutionType = 'Command'
    }
    UploadType       = 'COMPLETE'
    Items            = @($script:HfItems.ToArray())
  }
  $file = Join-Path $env:TEMP ('hf-compliance-{0}.json' -f [guid]::NewGuid())
  try {
    [IO.File]::WriteAllText($file, ($req | ConvertTo-Json -Depth 6), (New-Object Text.UTF8Encoding $false))
    $aws = Get-HfAwsCli
    & $aws ssm put-compliance-items --region $script:HfRegion --cli-input-json "file://$file"
    $rc = $LASTEXITCODE
  } finally {
    Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue
  }
  if ($rc -ne 0) { throw "PutComplianceItems failed for $Type (exit $rc)" }
  Write-HfLog ('reported {0} item(s) as {1} for {2}' -f $script:HfItems.Count, $Type, $script:HfInstanceId)
}

# Exit status is the association status, and State Manager stops sending an association once
# maxErrors targets have failed; so it must not carry the compliance verdict (a fleet-wide report
# run would halt after 10 % of non-compliant machines). 0: measured and reported (compliance says
# compliant or not); 1: enforce mode could not act (install, start), a rollout circuit breaker;
# 2: could not measure or report. Same codes as the Linux steps.
$script:HfActionFailed = ''

function Complete-Hf([string]$Type) {
  try { Send-HfCompliance $Type } catch { Write-HfLog "ERROR: $_"; exit 2 }
  $verdict = if ((Get-HfNonCompliantCount) -gt 0) { 'NON_COMPLIANT' } else { 'COMPLIANT' }
  if ($script:HfActionFailed) {
    Write-HfLog "${Type}: $verdict (reported; exit 1: enforce mode could not $script:HfActionFailed)"
    exit 1
  }
  Write-HfLog "${Type}: $verdict (reported; exit 0)"
  exit 0
}
