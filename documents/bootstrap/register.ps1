# Registers this machine with AWS Systems Manager as a hybrid managed node (mi-...) through
# the fleet's activation API. Runs at first boot (EC2 user data) or from any provisioning
# tool on-premises. Windows PowerShell 5.1 and PowerShell 7. register.sh is its line-by-line
# twin for Linux: change both together (tests/bootstrap/drift.test.ts compares their help
# tables, exit codes and messages).
[CmdletBinding()]
param(
  [string]$ApiUrl,
  [string]$Name,
  [string]$Token,
  [string]$TokenFile,
  [string[]]$Tag,
  [switch]$NoEc2,
  [switch]$Force,
  [string]$MaxAttempts,
  [string]$MaxTime,
  [switch]$Help,
  # Anything else lands here, so that an unknown option gets exit code 2 like register.sh.
  [Parameter(ValueFromRemainingArguments = $true)][string[]]$Rest
)
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$Work = $null

# Filled in by components/userData.ts; -ApiUrl or HF_API_URL take precedence.
$BakedApiUrl = ''

# Retry policy, identical to register.sh.
$DEFAULT_MAX_ATTEMPTS = 120
$DEFAULT_MAX_TIME = 900
$DEFAULT_BACKOFF_BASE_MS = 1000
$DEFAULT_BACKOFF_CAP_MS = 20000

$E_OK = 0
$E_USAGE = 2
$E_IDENTITY = 3
$E_BAD_REQUEST = 4
$E_DENIED = 5
$E_CONFLICT = 6
$E_UNAVAILABLE = 7
$E_RESPONSE = 8
$E_INSTALL = 9
$E_REGISTER = 10
$E_SERVICE = 11
$E_UNCONFIRMED = 12
$E_PREREQ = 13

function Show-Usage {
  [Console]::Out.Write(@'
Usage: register.ps1 [options]
Registers this machine with AWS Systems Manager (hybrid, mi-...) via the fleet's activation API.
On EC2 it proves itself with the IMDSv2 instance identity; elsewhere with a bootstrap token.

Options:
  -ApiUrl URL            HF_API_URL            activation API base URL (default: filled in by the stack)
  -Name NAME             HF_NAME               on-premises name (default: the hostname; EC2 always uses its instance ID)
  -Token TOKEN           HF_TOKEN              bootstrap token hft_... (on-premises)
  -TokenFile PATH        HF_TOKEN_FILE         file holding the bootstrap token (keeps it out of the process list)
  -Tag KEY=VALUE         HF_TAGS               extra tag the API allows; repeatable (env: comma-separated)
  -NoEc2                 HF_NO_EC2             skip the EC2 identity even if IMDS answers (env: 1)
  -Force                 HF_FORCE              re-register even if already registered (env: 1)
  -MaxAttempts N         HF_MAX_ATTEMPTS       most API calls before giving up (default 120)
  -MaxTime SECONDS       HF_MAX_TIME           most seconds spent calling the API (default 900)
  -Help                  -                     print this help and exit 0

Endpoints and overrides (environment only):
  HF_IMDS_URL            EC2 instance metadata base URL (default http://169.254.169.254)
  HF_AGENT_BIN           SSM agent executable (default: the installed amazon-ssm-agent)
  HF_SERVICE_CMD         service manager, run as: CMD stop|restart SERVICE (default: systemctl, service or Restart-Service)
  HF_REGISTRATION_FILE   agent registration file (default /var/lib/amazon/ssm/registration or %ProgramData%\Amazon\SSM\InstanceData\registration)
  HF_AGENT_BUCKET_URL    agent download base URL (default: the region's amazon-ssm-REGION bucket)
  HF_INSTALL_CMD         installer, run as: CMD PACKAGE_FILE [ARGS] (default: dnf, yum, zypper, dpkg or the Windows setup)
  HF_OS_RELEASE          os-release file choosing rpm or deb (Linux only; default /etc/os-release)
  HF_ARCH                machine architecture (default: uname -m or PROCESSOR_ARCHITECTURE)
  HF_BACKOFF_BASE_MS     first retry delay ceiling in milliseconds (default 1000)
  HF_BACKOFF_CAP_MS      largest retry delay ceiling in milliseconds (default 20000)

Exit codes:
  0   registered, or already registered (nothing to do)
  2   usage error
  3   no identity: not on EC2 and no bootstrap token
  4   the API refused the request as malformed (400)
  5   the API denied the proof, account or name (401, 403)
  6   the name is held by another registered, online node (409)
  7   the API stayed unavailable (429, 5xx, network) within the attempt and time bounds
  8   the API answered something unusable
  9   the SSM agent is missing and could not be installed
  10  the SSM agent refused the registration
  11  the SSM agent service could not be restarted
  12  the registration file holds no mi- ID after registering
  13  a required tool is missing

'@)
}

function Write-Log([string]$Message) { [Console]::Error.WriteLine("register.ps1: $Message") }

# One line, then the exit code: provisioning logs show the reason without the context.
function Fail([int]$Code, [string]$Message) {
  [Console]::Error.WriteLine("register.ps1: error: $Message")
  if ($Work) { Remove-Item -Recurse -Force -LiteralPath $Work -ErrorAction SilentlyContinue }
  exit $Code
}

# Untrusted text (API messages) reaches the log as one printable line of bounded length.
function OneLine([string]$Text) {
  $s = [regex]::Replace([string]$Text, '[^\x20-\x7E]', ' ')
  if ($s.Length -gt 300) { $s = $s.Substring(0, 300) }
  return $s
}

function EnvOr([string]$Key, [string]$Default) {
  $v = [Environment]::GetEnvironmentVariable($Key)
  if ([string]::IsNullOrEmpty($v)) { return $Default }
  return $v
}

# ---------------------------------------------------------------- arguments
if ($Help) { Show-Usage; exit $E_OK }
if ($Rest) { Fail $E_USAGE "unknown option $(OneLine $Rest[0]) (see -Help)" }
foreach ($opt in @('ApiUrl', 'Name', 'Token', 'TokenFile', 'MaxAttempts', 'MaxTime')) {
  if ($PSBoundParameters.ContainsKey($opt) -and [string]::IsNullOrEmpty($PSBoundParameters[$opt])) {
    $flag = "-$opt"
    Fail $E_USAGE "option $flag needs a value (see -Help)"
  }
}
if (-not $ApiUrl) { $ApiUrl = EnvOr 'HF_API_URL' '' }
if (-not $Name) { $Name = EnvOr 'HF_NAME' '' }
if (-not $Token) { $Token = EnvOr 'HF_TOKEN' '' }
if (-not $TokenFile) { $TokenFile = EnvOr 'HF_TOKEN_FILE' '' }
$NoEc2Set = $NoEc2.IsPresent -or ($env:HF_NO_EC2 -eq '1')
$ForceSet = $Force.IsPresent -or ($env:HF_FORCE -eq '1')
if (-not $MaxAttempts) { $MaxAttempts = EnvOr 'HF_MAX_ATTEMPTS' "$DEFAULT_MAX_ATTEMPTS" }
if (-not $MaxTime) { $MaxTime = EnvOr 'HF_MAX_TIME' "$DEFAULT_MAX_TIME" }
$Tags = @()
if ($env:HF_TAGS) { $Tags += $env:HF_TAGS.Split(',') }
if ($Tag) { $Tags += $Tag }

if (-not $ApiUrl) { $ApiUrl = $BakedApiUrl }
$ImdsUrl = EnvOr 'HF_IMDS_URL' 'http://169.254.169.254'
$RegistrationFile = EnvOr 'HF_REGISTRATION_FILE' (Join-Path $env:ProgramData 'Amazon\SSM\InstanceData\registration')
$BackoffBaseMs = EnvOr 'HF_BACKOFF_BASE_MS' "$DEFAULT_BACKOFF_BASE_MS"
$BackoffCapMs = EnvOr 'HF_BACKOFF_CAP_MS' "$DEFAULT_BACKOFF_CAP_MS"

if ($ApiUrl -notmatch '^https?://[^\s"''\\]+$') {
  Fail $E_USAGE "API URL missing or not http(s)://...: give -ApiUrl or HF_API_URL"
}
$ApiUrl = $ApiUrl.TrimEnd('/')
if ($MaxAttempts -notmatch '^[1-9][0-9]{0,3}$') { Fail $E_USAGE "-MaxAttempts must be a whole number from 1 to 9999" }
if ($MaxTime -notmatch '^[1-9][0-9]{0,5}$') { Fail $E_USAGE "-MaxTime must be a whole number of seconds from 1 to 999999" }
if ($BackoffBaseMs -notmatch '^[1-9][0-9]{0,6}$') { Fail $E_USAGE "HF_BACKOFF_BASE_MS must be a whole number of milliseconds from 1 to 9999999" }
if ($BackoffCapMs -notmatch '^[1-9][0-9]{0,6}$') { Fail $E_USAGE "HF_BACKOFF_CAP_MS must be a whole number of milliseconds from 1 to 9999999" }
# New names: the [string] parameters would turn the numbers back into text ("900" * 1000).
$AttemptLimit = [int]$MaxAttempts
$TimeLimit = [int]$MaxTime
$BackoffBaseMs = [int]$BackoffBaseMs
$BackoffCapMs = [int]$BackoffCapMs
if ($TokenFile) {
  if (-not (Test-Path -LiteralPath $TokenFile -PathType Leaf)) { Fail $E_USAGE "token file $(OneLine $TokenFile) is not readable" }
  $Token = ([IO.File]::ReadAllText($TokenFile)) -replace '\s', ''
}
# A malformed token is refused here so that it never travels; its value is never printed.
if ($Token -and $Token -cnotmatch '^hft_[A-Za-z0-9_-]{43}$') {
  Fail $E_USAGE "the bootstrap token must be hft_ followed by 43 base64url characters"
}
foreach ($t in $Tags) {
  if ($t -notmatch '^[^=]+=.*$') { Fail $E_USAGE "-Tag must be KEY=VALUE, got $(OneLine $t)" }
}

# PowerShell 5.1 may still default to TLS 1.0; the API and S3 need 1.2.
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12

$Work = Join-Path ([IO.Path]::GetTempPath()) ("hf-register-" + [guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $Work | Out-Null

function Exit-Script([int]$Code) {
  Remove-Item -Recurse -Force -LiteralPath $Work -ErrorAction SilentlyContinue
  exit $Code
}

# ---------------------------------------------------------------- already registered?
function Get-RegisteredId {
  if (-not (Test-Path -LiteralPath $RegistrationFile -PathType Leaf)) { return $null }
  $content = [IO.File]::ReadAllText($RegistrationFile) -replace '[\r\n]', ''
  if ($content -cmatch '"ManagedInstanceID"\s*:\s*"(mi-[0-9a-f]{17})"') { return $Matches[1] }
  return $null
}

$existing = Get-RegisteredId
if (-not $ForceSet -and $existing) {
  Write-Log "already registered as $existing; nothing to do (-Force re-registers)"
  Exit-Script $E_OK
}

# ---------------------------------------------------------------- HTTP
# Status 0 when no HTTP answer came back. HttpWebRequest behaves the same on 5.1 and 7 and
# hands back error bodies, which Invoke-WebRequest on 5.1 does not.
# IMDS answers only on the link-local address: a configured HTTP proxy must not carry it (-NoProxy).
function Invoke-Http([string]$Method, [string]$Url, [System.Collections.IDictionary]$Headers, [int]$TimeoutSec, [string]$OutFile, [switch]$NoProxy) {
  $result = @{ Status = 0; Body = ''; Bytes = [byte[]]@(); RetryAfter = '' }
  try {
    $req = [System.Net.HttpWebRequest]::Create($Url)
    $req.Method = $Method
    $req.Timeout = $TimeoutSec * 1000
    $req.ReadWriteTimeout = $TimeoutSec * 1000
    if ($NoProxy) { $req.Proxy = $null }
    foreach ($k in $Headers.Keys) {
      if ($k -eq 'Accept') { $req.Accept = $Headers[$k] } else { $req.Headers.Add($k, $Headers[$k]) }
    }
    if ($Method -eq 'PUT') { $req.ContentLength = 0 }
    try {
      $resp = $req.GetResponse()
    } catch {
      $ex = $_.Exception
      while ($ex -and -not ($ex -is [System.Net.WebException])) { $ex = $ex.InnerException }
      if (-not $ex -or -not $ex.Response) { return $result }
      $resp = $ex.Response
    }
    $result.Status = [int]$resp.StatusCode
    $ra = $resp.Headers['Retry-After']
    if ($ra) { $result.RetryAfter = $ra.Trim() }
    $ms = New-Object IO.MemoryStream
    $resp.GetResponseStream().CopyTo($ms)
    $resp.Close()
    $result.Bytes = $ms.ToArray()
    if ($OutFile) { [IO.File]::WriteAllBytes($OutFile, $result.Bytes) } else { $result.Body = [Text.Encoding]::UTF8.GetString($result.Bytes) }
  } catch {
    $result.Status = 0
  }
  return $result
}

function Read-Json([string]$Text) {
  try { $o = $Text | ConvertFrom-Json } catch { return $null }
  if ($o -isnot [System.Management.Automation.PSCustomObject]) { return $null }
  return $o
}

function Get-Field($Object, [string]$Key) {
  if ($null -eq $Object) { return '' }
  $p = $Object.PSObject.Properties[$Key]
  if ($null -eq $p -or $null -eq $p.Value) { return '' }
  return [string]$p.Value
}

# ---------------------------------------------------------------- identity
$Identity = 'token'
$ApiHeaders = [ordered]@{ 'Accept' = 'application/json' }

if (-not $NoEc2Set) {
  $put = Invoke-Http 'PUT' "$ImdsUrl/latest/api/token" @{ 'X-aws-ec2-metadata-token-ttl-seconds' = '300' } 3 -NoProxy
  if ($put.Status -eq 200 -and $put.Body) {
    $imdsHeaders = @{ 'X-aws-ec2-metadata-token' = $put.Body.Trim() }
    $doc = Invoke-Http 'GET' "$ImdsUrl/latest/dynamic/instance-identity/document" $imdsHeaders 3 -NoProxy
    $docJson = if ($doc.Status -eq 200) { Read-Json $doc.Body } else { $null }
    if ((Get-Field $docJson 'instanceId') -cmatch '^i-[0-9a-f]{8,17}$') {
      $Name = Get-Field $docJson 'instanceId'
      $sig = Invoke-Http 'GET' "$ImdsUrl/latest/dynamic/instance-identity/rsa2048" $imdsHeaders 3 -NoProxy
      $Kind = 'rsa2048'
      if ($sig.Status -ne 200 -or -not $sig.Body) {
        $sig = Invoke-Http 'GET' "$ImdsUrl/latest/dynamic/instance-identity/signature" $imdsHeaders 3 -NoProxy
        $Kind = 'signature'
        if ($sig.Status -ne 200 -or -not $sig.Body) {
          Fail $E_IDENTITY "IMDS served the identity document but no rsa2048 or signature"
        }
      }
      $ApiHeaders['X-Instance-Identity-Document'] = [Convert]::ToBase64String($doc.Bytes)
      $ApiHeaders['X-Instance-Identity-Signature'] = $sig.Body -replace '[\r\n]', ''
      $ApiHeaders['X-Instance-Identity-Signature-Kind'] = $Kind
      $Identity = 'ec2'
      if ($Token) { Write-Log "on EC2: using the instance identity; the token is ignored (-NoEc2 uses it)" }
    }
  }
}

if ($Identity -eq 'token') {
  if (-not $Token) {
    Fail $E_IDENTITY "no identity: not on EC2 (or -NoEc2) and no bootstrap token (-Token, -TokenFile, HF_TOKEN, HF_TOKEN_FILE)"
  }
  if (-not $Name) { $Name = $env:COMPUTERNAME }
  $ApiHeaders['Authorization'] = "Bearer $Token"
}
if (-not $Name) { Fail $E_USAGE "the machine name is empty: give -Name or HF_NAME" }

$Query = "name=" + [Uri]::EscapeDataString($Name)
foreach ($t in $Tags) {
  $i = $t.IndexOf('=')
  $Query += "&tag." + [Uri]::EscapeDataString($t.Substring(0, $i)) + "=" + [Uri]::EscapeDataString($t.Substring($i + 1))
}

# ---------------------------------------------------------------- activation API
# Full jitter: the delay is uniform in [0, min(cap, base * 2^(n-1))]. A Retry-After of S
# seconds moves the window to [S, 2S]: never earlier than asked, and spread so that the
# machines told to wait do not all come back in the same instant.
function Get-BackoffMs([int]$N, [string]$RetryAfter) {
  $ceiling = $BackoffBaseMs
  for ($i = 1; $i -lt $N -and $ceiling -lt $BackoffCapMs; $i++) { $ceiling = $ceiling * 2 }
  if ($ceiling -gt $BackoffCapMs) { $ceiling = $BackoffCapMs }
  if ($RetryAfter -match '^[0-9]{1,5}$' -and [int]$RetryAfter -gt 0) {
    $ra = [int]$RetryAfter
    return $ra * 1000 + (Get-Random -Minimum 0 -Maximum ($ra * 1000 + 1))
  }
  return (Get-Random -Minimum 0 -Maximum ($ceiling + 1))
}

Write-Log "requesting an activation for $Name ($Identity identity)"
$attempt = 0
$clock = [Diagnostics.Stopwatch]::StartNew()
while ($true) {
  $attempt++
  $res = Invoke-Http 'GET' "$ApiUrl/activate?$Query" $ApiHeaders 30
  $status = '{0:D3}' -f $res.Status
  $body = $res.Body
  if ($status -eq '200') { break }
  if ($status -in @('400', '401', '403', '409')) {
    $json = Read-Json $body
    $message = OneLine (Get-Field $json 'message')
    if (-not $message) { $message = 'no message' }
    $code = OneLine (Get-Field $json 'error')
    switch ($status) {
      '400' { Fail $E_BAD_REQUEST "activation API refused the request (HTTP $status $code): $message" }
      '409' { Fail $E_CONFLICT "activation API: name in use (HTTP $status $code): $message" }
      default { Fail $E_DENIED "activation API denied the request (HTTP $status $code): $message" }
    }
  }
  if (-not ($status -eq '000' -or $status -eq '429' -or $status -match '^5[0-9][0-9]$')) {
    Fail $E_RESPONSE "activation API answered HTTP $status (check the API URL)"
  }
  $elapsed = [int][Math]::Floor($clock.Elapsed.TotalSeconds)
  $delay = Get-BackoffMs $attempt $res.RetryAfter
  if ($attempt -ge $AttemptLimit -or ($elapsed * 1000 + $delay) -gt ($TimeLimit * 1000)) {
    Fail $E_UNAVAILABLE "activation API unavailable after $attempt attempts in ${elapsed}s (last HTTP $status)"
  }
  Write-Log "attempt ${attempt}: HTTP $status; retrying in ${delay}ms"
  Start-Sleep -Milliseconds $delay
}

$json = Read-Json $body
if ($null -eq $json) { Fail $E_RESPONSE "activation API answered 200 with a body that is not a flat JSON object" }
$ActivationId = Get-Field $json 'activationId'
$ActivationCode = Get-Field $json 'activationCode'
$Region = Get-Field $json 'region'
if ($ActivationId -notmatch '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$') {
  Fail $E_RESPONSE "activation API answered without a valid activationId"
}
if ($ActivationCode -cnotmatch '^[A-Za-z0-9+/=]{20,250}$') {
  Fail $E_RESPONSE "activation API answered without a valid activationCode"
}
if ($Region -cnotmatch '^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$') {
  Fail $E_RESPONSE "activation API answered without a valid region"
}
Write-Log "got activation $ActivationId in $Region after $attempt attempt(s)"

# ---------------------------------------------------------------- agent
$Service = 'AmazonSSMAgent'
function Find-Agent {
  $candidate = EnvOr 'HF_AGENT_BIN' (Join-Path $env:ProgramFiles 'Amazon\SSM\amazon-ssm-agent.exe')
  if (Test-Path -LiteralPath $candidate -PathType Leaf) { return $candidate }
  return $null
}

function Install-Agent {
  $arch = EnvOr 'HF_ARCH' $env:PROCESSOR_ARCHITECTURE
  if ($arch -notin @('AMD64', 'x86_64', 'amd64')) {
    Fail $E_INSTALL "SSM agent missing and architecture $(OneLine $arch) is not supported"
  }
  $url = EnvOr 'HF_AGENT_BUCKET_URL' "https://amazon-ssm-$Region.s3.$Region.amazonaws.com"
  $url = $url.TrimEnd('/') + '/latest/windows_amd64/AmazonSSMAgentSetup.exe'
  $pkg = Join-Path $Work 'AmazonSSMAgentSetup.exe'
  Write-Log "installing the SSM agent from $url"
  $dl = Invoke-Http 'GET' $url @{} 300 $pkg
  if ($dl.Status -ne 200) { Fail $E_INSTALL "SSM agent download failed from $url" }
  # On an EC2 host the installer registers as hybrid only when told so explicitly.
  $installArgs = @('/q', '/log', (Join-Path $Work 'install.log'))
  if ($Identity -eq 'ec2') { $installArgs += 'ALLOWEC2INSTALL=YES' }
  if ($env:HF_INSTALL_CMD) {
    $cmd = $env:HF_INSTALL_CMD -split '\s+'
    & $cmd[0] @($cmd | Select-Object -Skip 1) $pkg @installArgs
    $ok = ($LASTEXITCODE -eq 0)
  } else {
    $p = Start-Process -FilePath $pkg -ArgumentList $installArgs -Wait -PassThru
    $ok = ($p.ExitCode -eq 0)
  }
  $cmdText = "$pkg $($installArgs -join ' ')"
  if (-not $ok) { Fail $E_INSTALL "SSM agent install failed: $cmdText" }
}

function Invoke-ServiceCtl([string]$Action) {
  if ($env:HF_SERVICE_CMD) {
    $cmd = $env:HF_SERVICE_CMD -split '\s+'
    & $cmd[0] @($cmd | Select-Object -Skip 1) $Action $Service
    return ($LASTEXITCODE -eq 0)
  }
  try {
    if ($Action -eq 'stop') { Stop-Service -Name $Service -ErrorAction Stop } else { Restart-Service -Name $Service -ErrorAction Stop }
    return $true
  } catch { return $false }
}

$Agent = Find-Agent
if (-not $Agent) {
  Install-Agent
  $Agent = Find-Agent
  if (-not $Agent) { Fail $E_INSTALL "SSM agent still missing after install" }
}

# Stopping first matters: a running agent keeps its old identity.
Invoke-ServiceCtl 'stop' | Out-Null
Write-Log "registering with $Agent"
# Native stderr through 2>&1 is an error record; under 'Stop' PowerShell 5.1 would throw on it.
$ErrorActionPreference = 'Continue'
$agentOut = & $Agent -register -code $ActivationCode -id $ActivationId -region $Region -y 2>&1
$ErrorActionPreference = 'Stop'
if ($LASTEXITCODE -ne 0) {
  $detail = [string]($agentOut | Select-Object -Last 1)
  Fail $E_REGISTER "the SSM agent refused the registration: $(OneLine $detail.Replace($ActivationCode, '<code>'))"
}
if (-not (Invoke-ServiceCtl 'restart')) { Fail $E_SERVICE "the SSM agent service could not be restarted ($Service)" }

foreach ($i in 1..5) {
  $MI = Get-RegisteredId
  if ($MI) {
    Write-Log "registered $Name as $MI in $Region"
    Exit-Script $E_OK
  }
  Start-Sleep -Seconds 1
}
Fail $E_UNCONFIRMED "no mi- ID in $RegistrationFile after registering"
