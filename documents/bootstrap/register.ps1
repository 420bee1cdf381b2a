# Registers this machine with AWS Systems Manager as a hybrid managed node (mi-...) through
# the fleet's activation API. Runs at first boot (EC2 user data) or from any provisioning
# tool on-premises. Windows PowerShell 5.1 and PowerShell 7. register.sh is its twin for
# Linux: both run through the same scenario table (tests/bootstrap/scenarios.ts), so a
# behaviour changed on one side only fails a test; change both together.
#
# Options are parsed by hand from $args, not bound by a param() block: PowerShell's binder
# would exit 1 (not 2) on a missing value, refuse a repeated -Tag, bind positional words and
# accept abbreviations, none of which register.sh does.
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$Argv = @($args)
$Work = $null

# Filled in by components/activation/userData.ts; -ApiUrl or HF_API_URL take precedence.
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
  -Force                 HF_FORCE              re-register even if already registered (env: 1, true or yes)
  -MaxAttempts N         HF_MAX_ATTEMPTS       most API calls before giving up (default 120)
  -MaxTime SECONDS       HF_MAX_TIME           most seconds spent calling the API (default 900)
  -Help                  -                     print this help and exit 0

Endpoints and overrides (environment only):
  HF_IMDS_URL            EC2 instance metadata base URL (default http://169.254.169.254)
  HF_AGENT_BIN           SSM agent executable (default: the installed amazon-ssm-agent)
  HF_SERVICE_CMD         service manager, run as: CMD is-active|stop|start|restart SERVICE (default: systemctl, service or Restart-Service)
  HF_REGISTRATION_FILE   agent registration file (default /var/lib/amazon/ssm/registration or %ProgramData%\Amazon\SSM\InstanceData\registration)
  HF_AGENT_BUCKET_URL    agent download base URL (default: the region's amazon-ssm-REGION bucket)
  HF_INSTALL_CMD         installer, run as: CMD PACKAGE_FILE [ARGS] (default: dnf, yum, zypper, dpkg or the Windows setup)
  HF_AGENT_KEY_FILE      agent package signing key (Linux only; default: AWS's, built in)
  HF_AGENT_KEY_FINGERPRINT  its pinned fingerprint (Linux only; default: AWS's)
  HF_SKIP_AGENT_SIGNATURE  1: install the agent unverified (dangerous)
  HF_OS_RELEASE          os-release file choosing rpm or deb (Linux only; default /etc/os-release)
  HF_ARCH                machine architecture (default: uname -m or PROCESSOR_ARCHITECTURE)
  HF_BACKOFF_BASE_MS     first retry delay ceiling in milliseconds (default 1000)
  HF_BACKOFF_CAP_MS      largest retry delay ceiling in milliseconds (default 20000)
  HF_LOCK_FILE           one-run-at-a-time lock (default: beside the registration file)
  HF_ALLOW_HTTP          1: allow http:// off loopback (default: https only)

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

# One line, then the exit code: provisioning logs show the reason without the context. The
# work folder is removed by the finally block around the main body, whatever the exit.
function Fail([int]$Code, [string]$Message) {
  [Console]::Error.WriteLine("register.ps1: error: $Message")
  exit $Code
}

# Untrusted text (API messages) reaches the log as one printable line of bounded length.
function OneLine([string]$Text) {
  $s = [regex]::Replace([string]$Text, '[^\x20-\x7E]', ' ')
  if ($s.Length -gt 300) { $s = $s.Substring(0, 300) }
  return $s
}

# ${NAME:-default} in register.sh: unset and empty are the same.
function EnvOr([string]$Key, [string]$Default) {
  $v = [Environment]::GetEnvironmentVariable($Key)
  if ([string]::IsNullOrEmpty($v)) { return $Default }
  return $v
}

# register.sh's whitespace ([[:space:]] in the C locale); .NET's \s also takes Unicode spaces.
$WS = '[ \t\n\v\f\r]'

# ---------------------------------------------------------------- JSON
# The same reader as register.sh's json_parse, over the body's bytes (one char per byte, as
# bash sees them with LC_ALL=C; at most $JsonMaxBytes). Mode 'strict' (API answers) takes only
# strings, null, true and false; mode 'document' (EC2 identity documents) also takes numbers and
# skips nested arrays and objects (billingProducts on paid AMIs). A key seen twice is refused.
$JsonMaxBytes = 65536
$JsonNumber = '^-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][+-]?[0-9]+)?\z'

# \b \f \n \r \t become a space, any \u escape outside printable ASCII a ?, as in register.sh.
function ConvertFrom-JsonString([string]$Inner) {
  $sb = [Text.StringBuilder]::new()
  $i = 0
  while ($i -lt $Inner.Length) {
    $c = $Inner[$i]
    if ($c -ne '\') { [void]$sb.Append($c); $i++; continue }
    if ($i + 1 -ge $Inner.Length) { return $null }
    $e = [string]$Inner[$i + 1]
    if ($e -ceq '"' -or $e -ceq '\' -or $e -ceq '/') { [void]$sb.Append($e); $i += 2 }
    elseif ('b', 'f', 'n', 'r', 't' -ccontains $e) { [void]$sb.Append(' '); $i += 2 }
    elseif ($e -ceq 'u') {
      if ($i + 6 -gt $Inner.Length) { return $null }
      $hex = $Inner.Substring($i + 2, 4)
      if ($hex -cnotmatch '^[0-9a-fA-F]{4}\z') { return $null }
      $code = [Convert]::ToInt32($hex, 16)
      if ($code -ge 32 -and $code -lt 127) { [void]$sb.Append([char]$code) } else { [void]$sb.Append('?') }
      $i += 6
    } else { return $null }
  }
  return $sb.ToString()
}

function Test-JsonScalar([string]$Tok) {
  return ($Tok.StartsWith('"') -or $Tok -ceq 'null' -or $Tok -ceq 'true' -or $Tok -ceq 'false' -or $Tok -cmatch $JsonNumber)
}

# Skips one value starting at $Tokens[$At]; returns the index after it, or -1 if malformed.
function Skip-JsonValue([string[]]$Tokens, [int]$At) {
  $stack = [Collections.Generic.List[string]]::new()
  $state = 'V'
  $i = $At
  while ($i -lt $Tokens.Count) {
    $tok = $Tokens[$i]
    $i++
    $top = if ($stack.Count) { $stack[$stack.Count - 1] } else { '' }
    if ($state -ceq 'N') {
      if ($tok -ceq ',') { $state = if ($top -ceq '{') { 'K' } else { 'V' }; continue }
      if (-not (($tok -ceq '}' -and $top -ceq '{') -or ($tok -ceq ']' -and $top -ceq '['))) { return -1 }
      $stack.RemoveAt($stack.Count - 1)
    } elseif ($state -ceq 'C') {
      if ($tok -cne ':') { return -1 }
      $state = 'V'
      continue
    } elseif ($state -ceq 'K' -or $state -ceq 'KC') {
      if ($state -ceq 'KC' -and $tok -ceq '}') { $stack.RemoveAt($stack.Count - 1) }
      elseif ($tok.StartsWith('"')) { $state = 'C'; continue }
      else { return -1 }
    } elseif ($state -ceq 'VC' -and $tok -ceq ']') {
      $stack.RemoveAt($stack.Count - 1)
    } elseif ($tok -ceq '{') { $stack.Add('{'); $state = 'KC'; continue }
    elseif ($tok -ceq '[') { $stack.Add('['); $state = 'VC'; continue }
    elseif (-not (Test-JsonScalar $tok)) { return -1 }
    if ($stack.Count -eq 0) { return $i }
    $state = 'N'
  }
  return -1
}

# The top-level members of one JSON object as an ordinal dictionary, or $null.
function Read-JsonObject([string]$Text, [string]$Mode = 'strict') {
  $pattern = '"([^"\\\x00-\x1f]|\\.)*"|[\]\[{}:,]|-?[0-9][0-9.eE+-]*|true|false|null|[^ \t\n\v\f\r]'
  $list = [Collections.Generic.List[string]]::new()
  foreach ($m in [regex]::Matches($Text, $pattern)) { $list.Add($m.Value) }
  $tokens = $list.ToArray()
  $out = [Collections.Generic.Dictionary[string, string]]::new([StringComparer]::Ordinal)
  if ($tokens.Count -lt 2 -or $tokens[0] -cne '{') { return $null }
  $i = 1
  if ($tokens[1] -ceq '}') { $i = 2 } else {
    while ($true) {
      if ($i + 1 -ge $tokens.Count) { return $null }
      $tok = $tokens[$i]
      if (-not $tok.StartsWith('"') -or $tokens[$i + 1] -cne ':') { return $null }
      $key = ConvertFrom-JsonString $tok.Substring(1, $tok.Length - 2)
      if ($null -eq $key -or $out.ContainsKey($key)) { return $null }
      $i += 2
      if ($i -ge $tokens.Count) { return $null }
      $tok = $tokens[$i]
      if ($tok.StartsWith('"')) {
        $value = ConvertFrom-JsonString $tok.Substring(1, $tok.Length - 2)
        if ($null -eq $value) { return $null }
        $out[$key] = $value
        $i++
      } elseif ($tok -ceq 'null' -or $tok -ceq 'true' -or $tok -ceq 'false') {
        $out[$key] = $tok; $i++
      } elseif ($Mode -ceq 'document' -and $tok -cmatch $JsonNumber) {
        $out[$key] = $tok; $i++
      } elseif ($Mode -ceq 'document' -and ($tok -ceq '{' -or $tok -ceq '[')) {
        $i = Skip-JsonValue $tokens $i
        if ($i -lt 0) { return $null }
      } else { return $null }
      if ($i -ge $tokens.Count) { return $null }
      $tok = $tokens[$i]
      $i++
      if ($tok -ceq ',') { continue }
      if ($tok -cne '}') { return $null }
      break
    }
  }
  # Nothing may follow the closing brace.
  if ($i -ne $tokens.Count) { return $null }
  return , $out
}

function Get-Field($Object, [string]$Key) {
  if ($null -eq $Object -or -not $Object.ContainsKey($Key)) { return '' }
  return $Object[$Key]
}

# Bytes as register.sh's tools see them (LC_ALL=C): one char per byte.
function ConvertTo-ByteText([byte[]]$Bytes) {
  return [Text.Encoding]::GetEncoding(28591).GetString($Bytes)
}

# ---------------------------------------------------------------- HTTP
# Status 0 when no complete HTTP answer came back. HttpWebRequest behaves the same on 5.1 and 7
# and hands back error bodies, which Invoke-WebRequest on 5.1 does not. Redirects are never
# followed (curl without -L): the token must not travel to wherever a 3xx points. $TimeoutSec
# bounds the whole exchange, connect to last byte (curl --max-time): HttpWebRequest's own
# timeouts count per read, so a server dripping one byte a second would hold it for ever.
# IMDS answers only on the link-local address: a configured HTTP proxy must not carry it (-NoProxy).
function Invoke-Http([string]$Method, [string]$Url, [System.Collections.IDictionary]$Headers, [int]$TimeoutSec, [string]$OutFile, [switch]$NoProxy) {
  $result = @{ Status = 0; Body = ''; Bytes = [byte[]]@(); RetryAfter = '' }
  $clock = [Diagnostics.Stopwatch]::StartNew()
  $limit = $TimeoutSec * 1000
  $req = $null
  $resp = $null
  try {
    $req = [System.Net.HttpWebRequest]::Create($Url)
    $req.Method = $Method
    $req.AllowAutoRedirect = $false
    $req.Timeout = $limit
    $req.ReadWriteTimeout = $limit
    if ($NoProxy) { $req.Proxy = $null }
    foreach ($k in $Headers.Keys) {
      if ($k -eq 'Accept') { $req.Accept = $Headers[$k] } else { $req.Headers.Add($k, $Headers[$k]) }
    }
    if ($Method -eq 'PUT') { $req.ContentLength = 0 }
    $task = $req.GetResponseAsync()
    try {
      if (-not $task.Wait($limit)) { $req.Abort(); return $result }
      $resp = $task.Result
    } catch {
      $ex = $_.Exception
      while ($ex -and -not ($ex -is [System.Net.WebException])) { $ex = $ex.InnerException }
      if (-not $ex -or -not $ex.Response) { return $result }
      $resp = $ex.Response
    }
    $ms = [IO.MemoryStream]::new()
    $copy = $resp.GetResponseStream().CopyToAsync($ms)
    $left = [Math]::Max(0, $limit - [int]$clock.ElapsedMilliseconds)
    # A body cut off by the deadline or the peer is no answer: the caller retries it.
    if (-not $copy.Wait($left)) { $req.Abort(); return $result }
    $result.Status = [int]$resp.StatusCode
    $ra = $resp.Headers['Retry-After']
    if ($ra) { $result.RetryAfter = $ra.Trim() }
    $result.Bytes = $ms.ToArray()
    if ($OutFile) { [IO.File]::WriteAllBytes($OutFile, $result.Bytes) } else { $result.Body = ConvertTo-ByteText $result.Bytes }
  } catch {
    $result.Status = 0
  } finally {
    if ($resp) { $resp.Close() }
  }
  return $result
}

# ---------------------------------------------------------------- arguments
$ApiUrl = EnvOr 'HF_API_URL' ''
$Name = EnvOr 'HF_NAME' ''
$Token = EnvOr 'HF_TOKEN' ''
$TokenFile = EnvOr 'HF_TOKEN_FILE' ''
$NoEc2Set = (EnvOr 'HF_NO_EC2' '0') -ceq '1'
$ForceRaw = EnvOr 'HF_FORCE' '0'
$MaxAttempts = EnvOr 'HF_MAX_ATTEMPTS' "$DEFAULT_MAX_ATTEMPTS"
$MaxTime = EnvOr 'HF_MAX_TIME' "$DEFAULT_MAX_TIME"
$Tags = [Collections.Generic.List[string]]::new()
$envTags = EnvOr 'HF_TAGS' ''
if ($envTags) {
  # As bash's `IFS=, read -r -a`: the first line only, split at commas, one trailing empty field dropped.
  $fields = $envTags.Split("`n")[0].Split(',')
  $count = $fields.Count
  if ($count -gt 1 -and $fields[$count - 1] -eq '') { $count-- }
  for ($f = 0; $f -lt $count; $f++) { $Tags.Add($fields[$f]) }
}

$ValueOptions = @('ApiUrl', 'Name', 'Token', 'TokenFile', 'Tag', 'MaxAttempts', 'MaxTime')
$Switches = @('NoEc2', 'Force', 'Help')
$Queue = [Collections.Generic.List[string]]::new()
foreach ($a in $Argv) { $Queue.Add([string]$a) }
while ($Queue.Count -gt 0) {
  $opt = $Queue[0]
  $Queue.RemoveAt(0)
  # -Name:web is PowerShell's spelling of --name=web.
  if ($opt -cmatch '^(-[A-Za-z0-9]+):([\s\S]*)\z') {
    $opt = $Matches[1]
    $Queue.Insert(0, $Matches[2])
  }
  # Parameter names are case-insensitive in PowerShell; abbreviations are not taken.
  $word = ''
  foreach ($o in $ValueOptions + $Switches) { if ("-$o" -eq $opt) { $word = $o } }
  if ($opt -ceq '-h') { $word = 'Help' }
  if ($ValueOptions -contains $word) {
    $flag = "-$word"
    if ($Queue.Count -lt 1 -or [string]::IsNullOrEmpty($Queue[0])) { Fail $E_USAGE "option $flag needs a value (see -Help)" }
    $value = $Queue[0]
    $Queue.RemoveAt(0)
    switch ($word) {
      'ApiUrl' { $ApiUrl = $value }
      'Name' { $Name = $value }
      'Token' { $Token = $value }
      'TokenFile' { $TokenFile = $value }
      'Tag' { $Tags.Add($value) }
      'MaxAttempts' { $MaxAttempts = $value }
      'MaxTime' { $MaxTime = $value }
    }
  } elseif ($word -eq 'NoEc2') { $NoEc2Set = $true }
  elseif ($word -eq 'Force') { $ForceRaw = '1' }
  elseif ($word -eq 'Help') { Show-Usage; exit $E_OK }
  else { Fail $E_USAGE "unknown option $(OneLine $opt) (see -Help)" }
}

if (-not $ApiUrl) { $ApiUrl = $BakedApiUrl }
$ImdsUrl = EnvOr 'HF_IMDS_URL' 'http://169.254.169.254'
$RegistrationFile = EnvOr 'HF_REGISTRATION_FILE' ''
if (-not $RegistrationFile) { $RegistrationFile = [IO.Path]::Combine([Environment]::GetFolderPath('CommonApplicationData'), 'Amazon\SSM\InstanceData\registration') }
$BackoffBaseMs = EnvOr 'HF_BACKOFF_BASE_MS' "$DEFAULT_BACKOFF_BASE_MS"
$BackoffCapMs = EnvOr 'HF_BACKOFF_CAP_MS' "$DEFAULT_BACKOFF_CAP_MS"

# Case-sensitive matching and \z throughout: PowerShell's default operator ignores case, and $
# also matches before a final newline.
if ($ApiUrl -cnotmatch '^https?://[^ \t\n\v\f\r"''\\]+\z') {
  Fail $E_USAGE "API URL missing or not http(s)://...: give -ApiUrl or HF_API_URL"
}
# TLS only: the API call carries the bootstrap token and the answer carries the activation code;
# the agent package is about to run as Administrator. Plain HTTP is for loopback test servers,
# or an explicit HF_ALLOW_HTTP=1.
function Test-LoopbackHost([string]$Url) {
  $rest = $Url.Substring($Url.IndexOf('://') + 3)
  $cut = $rest.IndexOfAny([char[]]'/?#')
  if ($cut -ge 0) { $rest = $rest.Substring(0, $cut) }
  if ($rest.Contains('@')) { return $false }
  if ($rest.StartsWith('[')) { $hostName = $rest.Substring(0, $rest.IndexOf(']') + 1) } else { $hostName = $rest.Split(':')[0] }
  return ($hostName -ceq 'localhost' -or $hostName -ceq '[::1]' -or $hostName -cmatch '^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\z')
}
function Assert-Tls([string]$Url, [string]$What) {
  if ($Url.StartsWith('https://') -or (EnvOr 'HF_ALLOW_HTTP' '0') -ceq '1' -or (Test-LoopbackHost $Url)) { return }
  Fail $E_USAGE "refusing http:// for the ${What}: only loopback may use plain HTTP (use https://, or HF_ALLOW_HTTP=1)"
}
Assert-Tls $ApiUrl 'API URL'
$BucketUrl = EnvOr 'HF_AGENT_BUCKET_URL' ''
if ($BucketUrl) {
  if ($BucketUrl -cnotmatch '^https?://[^ \t\n\v\f\r"''\\]+\z') { Fail $E_USAGE "HF_AGENT_BUCKET_URL must be an http(s):// URL" }
  Assert-Tls $BucketUrl 'agent bucket URL'
}
if ($ApiUrl.EndsWith('/')) { $ApiUrl = $ApiUrl.Substring(0, $ApiUrl.Length - 1) }
$forceWord = $ForceRaw.ToLowerInvariant()
if ($forceWord -cin @('1', 'true', 'yes')) { $ForceSet = $true }
elseif ($forceWord -cin @('0', 'false', 'no', '')) { $ForceSet = $false }
else { Fail $E_USAGE "HF_FORCE must be 1, true or yes (or 0, false, no), got $(OneLine $ForceRaw)" }
if ($MaxAttempts -cnotmatch '^[1-9][0-9]{0,3}\z') { Fail $E_USAGE "-MaxAttempts must be a whole number from 1 to 9999" }
if ($MaxTime -cnotmatch '^[1-9][0-9]{0,5}\z') { Fail $E_USAGE "-MaxTime must be a whole number of seconds from 1 to 999999" }
if ($BackoffBaseMs -cnotmatch '^[1-9][0-9]{0,6}\z') { Fail $E_USAGE "HF_BACKOFF_BASE_MS must be a whole number of milliseconds from 1 to 9999999" }
if ($BackoffCapMs -cnotmatch '^[1-9][0-9]{0,6}\z') { Fail $E_USAGE "HF_BACKOFF_CAP_MS must be a whole number of milliseconds from 1 to 9999999" }
$AttemptLimit = [int]$MaxAttempts
$TimeLimit = [int]$MaxTime
$BackoffBaseMs = [int]$BackoffBaseMs
$BackoffCapMs = [int]$BackoffCapMs
if ($TokenFile) {
  $tokenBytes = $null
  if (-not ([IO.File]::Exists($TokenFile) -or [IO.Directory]::Exists($TokenFile))) { Fail $E_USAGE "token file $(OneLine $TokenFile) is not readable" }
  if ([IO.Directory]::Exists($TokenFile)) { Fail $E_USAGE "token file $(OneLine $TokenFile) is not a regular file" }
  try { $tokenBytes = [IO.File]::ReadAllBytes($TokenFile) } catch { Fail $E_USAGE "token file $(OneLine $TokenFile) is not readable" }
  $Token = (ConvertTo-ByteText $tokenBytes) -replace $WS, ''
}
# A malformed token is refused here so that it never travels; its value is never printed.
if ($Token -and $Token -cnotmatch '^hft_[A-Za-z0-9_-]{43}\z') {
  Fail $E_USAGE "the bootstrap token must be hft_ followed by 43 base64url characters"
}
foreach ($t in $Tags) {
  if ($t -cnotmatch '^[^=]+=') { Fail $E_USAGE "-Tag must be KEY=VALUE, got $(OneLine $t)" }
}

# PowerShell 5.1 may still default to TLS 1.0; the API and S3 need 1.2.
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12

# .NET and the IO classes only from here on: each cmdlet module PowerShell loads costs start-up time.
$Work = [IO.Path]::Combine([IO.Path]::GetTempPath(), "hf-register-" + [guid]::NewGuid().ToString('N'))
[void][IO.Directory]::CreateDirectory($Work)
try {
# Everything from here runs inside try/finally: the work folder goes on every exit, also on
# an unexpected error (which exits 1, as `set -e` does in register.sh).

# ---------------------------------------------------------------- already registered?
function Get-RegisteredId {
  try { $content = [IO.File]::ReadAllText($RegistrationFile) } catch { return $null }
  $content = $content -replace '[\r\n]', ''
  if ($content -cmatch ('"ManagedInstanceID"' + $WS + '*:' + $WS + '*"(mi-[0-9a-f]{17})"')) { return $Matches[1] }
  return $null
}

# One run at a time (two would spend two activations); check registration once locked. The
# lock is the file opened with FileShare.None: Windows refuses a second open while the first
# handle lives, and .NET on Linux takes flock(LOCK_EX) for it (so it also excludes
# register.sh). The handle closes in the finally block below, or with the process.
$LockFile = EnvOr 'HF_LOCK_FILE' ([IO.Path]::Combine([IO.Path]::GetDirectoryName($RegistrationFile), 'hybrid-fleet-register.lock'))
$Lock = $null
function Open-Lock {
  try {
    return [IO.File]::Open($LockFile, [IO.FileMode]::OpenOrCreate, [IO.FileAccess]::ReadWrite, [IO.FileShare]::None)
  } catch {
    $ex = $_.Exception
    while ($ex.InnerException -and -not ($ex -is [IO.IOException] -or $ex -is [UnauthorizedAccessException])) { $ex = $ex.InnerException }
    # Held by another run: only a sharing violation, not a missing folder or a denied path.
    if ($ex -is [IO.IOException] -and -not ($ex -is [IO.DirectoryNotFoundException] -or $ex -is [IO.PathTooLongException] -or $ex -is [IO.FileNotFoundException])) { return $null }
    Fail $E_USAGE "cannot open the lock file $(OneLine $LockFile) (HF_LOCK_FILE)"
  }
}
try { [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName([IO.Path]::GetFullPath($LockFile))) } catch { }
$Lock = Open-Lock
if ($null -eq $Lock) {
  Write-Log "another run holds $LockFile; waiting up to ${TimeLimit}s"
  $lockClock = [Diagnostics.Stopwatch]::StartNew()
  while ($null -eq $Lock) {
    if ($lockClock.Elapsed.TotalSeconds -ge $TimeLimit) { Fail $E_UNAVAILABLE "another run still holds $LockFile after ${TimeLimit}s" }
    [Threading.Thread]::Sleep(200)
    $Lock = Open-Lock
  }
}

$Service = 'AmazonSSMAgent'
# Leave the agent as it was found: a failure after stopping a running agent starts it again
# (the finally block at the end).
$ServiceWasActive = $false
$ServiceStopped = $false

# Runs CMD from an HF_* variable (words split at blanks, first line only, as bash's `read -r -a`)
# with extra arguments, its output on stderr; success is its exit code, never its output.
function Invoke-Override([string]$CommandLine, [string[]]$Extra, [switch]$Quiet) {
  $words = @($CommandLine.Split("`n")[0].Trim(" `t") -split '[ \t]+')
  if ($words[0] -eq '') { return $false }
  $args1 = if ($words.Count -gt 1) { $words[1..($words.Count - 1)] } else { @() }
  $eap = $ErrorActionPreference
  $ErrorActionPreference = 'Continue'
  try {
    foreach ($line in (& $words[0] @args1 @Extra 2>&1)) {
      if (-not $Quiet) { [Console]::Error.WriteLine([string]$line) }
    }
    return ($LASTEXITCODE -eq 0)
  } catch {
    return $false
  } finally {
    $ErrorActionPreference = $eap
  }
}

# is-active, stop, start or restart (register.sh's service_ctl).
function Invoke-ServiceCtl([string]$Action, [switch]$Quiet) {
  $override = EnvOr 'HF_SERVICE_CMD' ''
  if ($override) { return (Invoke-Override $override @($Action, $Service) -Quiet:$Quiet) }
  try {
    switch ($Action) {
      'is-active' { return ((Get-Service -Name $Service -ErrorAction Stop).Status -eq 'Running') }
      'stop' { Stop-Service -Name $Service -ErrorAction Stop }
      'start' { Start-Service -Name $Service -ErrorAction Stop }
      default { Restart-Service -Name $Service -ErrorAction Stop }
    }
    return $true
  } catch { return $false }
}

if (-not $ForceSet) {
  $existing = Get-RegisteredId
  if ($existing) {
    Write-Log "already registered as $existing; nothing to do (-Force re-registers)"
    # A run killed between registering and restarting leaves the agent registered but stopped.
    if (-not (Invoke-ServiceCtl 'is-active' -Quiet)) {
      Write-Log "the SSM agent service ($Service) was not running; starting it"
      if (-not (Invoke-ServiceCtl 'start')) { Fail $E_SERVICE "the SSM agent service could not be started ($Service)" }
    }
    exit $E_OK
  }
}

# ---------------------------------------------------------------- identity
$Identity = 'token'
$ApiHeaders = [ordered]@{ 'Accept' = 'application/json' }

if (-not $NoEc2Set) {
  $put = Invoke-Http 'PUT' "$ImdsUrl/latest/api/token" @{ 'X-aws-ec2-metadata-token-ttl-seconds' = '300' } 3 -NoProxy
  if ($put.Status -eq 200 -and $put.Body) {
    $imdsHeaders = @{ 'X-aws-ec2-metadata-token' = ($put.Body -replace '[\r\n]', '') }
    $doc = Invoke-Http 'GET' "$ImdsUrl/latest/dynamic/instance-identity/document" $imdsHeaders 3 -NoProxy
    $docJson = $null
    if ($doc.Status -eq 200 -and $doc.Body) {
      if ($doc.Bytes.Length -le $JsonMaxBytes) { $docJson = Read-JsonObject $doc.Body 'document' }
      if ((Get-Field $docJson 'instanceId') -cnotmatch '^i-[0-9a-f]{8,17}\z') {
        $docJson = $null
        Write-Log "IMDS answered but its identity document is unusable (no top-level instanceId i-...); not using the EC2 identity"
      }
    }
    if ($null -ne $docJson) {
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
  # The host name as DNS knows it (what `hostname` prints on Linux), not COMPUTERNAME: that is
  # the NetBIOS name, upper-cased and cut at 15 characters.
  if (-not $Name) { $Name = [Net.Dns]::GetHostName() }
  $ApiHeaders['Authorization'] = "Bearer $Token"
}
if (-not $Name) { Fail $E_USAGE "the machine name is empty: give -Name or HF_NAME" }

# Percent-encodes every UTF-8 byte outside A-Z a-z 0-9 . _ ~ - (register.sh's urlencode).
function ConvertTo-UrlComponent([string]$Text) {
  $sb = [Text.StringBuilder]::new()
  foreach ($b in [Text.Encoding]::UTF8.GetBytes($Text)) {
    $c = [char]$b
    if ($b -lt 128 -and "$c" -cmatch '^[A-Za-z0-9._~-]\z') { [void]$sb.Append($c) } else { [void]$sb.Append(('%{0:X2}' -f $b)) }
  }
  return $sb.ToString()
}

$Query = "name=" + (ConvertTo-UrlComponent $Name)
foreach ($t in $Tags) {
  $eq = $t.IndexOf('=')
  $Query += "&tag." + (ConvertTo-UrlComponent $t.Substring(0, $eq)) + "=" + (ConvertTo-UrlComponent $t.Substring($eq + 1))
}

# ---------------------------------------------------------------- activation API
# Full jitter: the delay is uniform in [0, min(cap, base * 2^(n-1))]. A Retry-After of S
# seconds moves the window to [S, 2S]: never earlier than asked, and spread so that the
# machines told to wait do not all come back in the same instant.
$Rng = [Random]::new()
function Get-BackoffMs([int]$N, [string]$RetryAfter) {
  $ceiling = $BackoffBaseMs
  for ($k = 1; $k -lt $N -and $ceiling -lt $BackoffCapMs; $k++) { $ceiling = $ceiling * 2 }
  if ($ceiling -gt $BackoffCapMs) { $ceiling = $BackoffCapMs }
  if ($RetryAfter -cmatch '^[0-9]{1,5}\z' -and [int]$RetryAfter -gt 0) {
    $ra = [int]$RetryAfter
    return $ra * 1000 + $Rng.Next(0, $ra * 1000 + 1)
  }
  return $Rng.Next(0, $ceiling + 1)
}

Write-Log "requesting an activation for $Name ($Identity identity)"
$attempt = 0
$clock = [Diagnostics.Stopwatch]::StartNew()
while ($true) {
  $attempt++
  # Each attempt gets at most 30 s and never more than what is left of -MaxTime.
  $budget = $TimeLimit - [int][Math]::Floor($clock.Elapsed.TotalSeconds)
  if ($budget -gt 30) { $budget = 30 }
  if ($budget -lt 1) { $budget = 1 }
  $res = Invoke-Http 'GET' "$ApiUrl/activate?$Query" $ApiHeaders $budget
  $status = '{0:D3}' -f $res.Status
  $body = $res.Body
  if ($status -eq '200') { break }
  if ($status -in @('400', '401', '403', '409')) {
    $json = if ($res.Bytes.Length -le $JsonMaxBytes) { Read-JsonObject $body } else { $null }
    # API Gateway's own refusals (resource policy) say "Message", the function says "message".
    $raw = Get-Field $json 'message'
    if (-not $raw) { $raw = Get-Field $json 'Message' }
    if (-not $raw) { $raw = 'no message' }
    $message = OneLine $raw
    if ($message.StartsWith('User: anonymous is not authorized to perform: execute-api:Invoke', [StringComparison]::Ordinal)) {
      $message += " (the API's resource policy refused this network: its source address or VPC endpoint is not allowed)"
    }
    $code = OneLine (Get-Field $json 'error')
    switch ($status) {
      '400' { Fail $E_BAD_REQUEST "activation API refused the request (HTTP $status $code): $message" }
      '409' { Fail $E_CONFLICT "activation API: name in use (HTTP $status $code): $message" }
      default { Fail $E_DENIED "activation API denied the request (HTTP $status $code): $message" }
    }
  }
  if (-not ($status -eq '000' -or $status -eq '429' -or $status -cmatch '^5[0-9][0-9]\z')) {
    Fail $E_RESPONSE "activation API answered HTTP $status (check the API URL)"
  }
  $elapsed = [int][Math]::Floor($clock.Elapsed.TotalSeconds)
  $delay = Get-BackoffMs $attempt $res.RetryAfter
  if ($attempt -ge $AttemptLimit -or ($elapsed * 1000 + $delay) -gt ($TimeLimit * 1000)) {
    Fail $E_UNAVAILABLE "activation API unavailable after $attempt attempts in ${elapsed}s (last HTTP $status)"
  }
  Write-Log "attempt ${attempt}: HTTP $status; retrying in ${delay}ms"
  [Threading.Thread]::Sleep($delay)
}

if ($res.Bytes.Length -gt $JsonMaxBytes) { Fail $E_RESPONSE "activation API answered more than $JsonMaxBytes bytes" }
$json = Read-JsonObject $body
if ($null -eq $json) { Fail $E_RESPONSE "activation API answered 200 with a body that is not a flat JSON object" }
$ActivationId = Get-Field $json 'activationId'
$ActivationCode = Get-Field $json 'activationCode'
$Region = Get-Field $json 'region'
if ($ActivationId -cnotmatch '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\z') {
  Fail $E_RESPONSE "activation API answered without a valid activationId"
}
if ($ActivationCode -cnotmatch '^[A-Za-z0-9+/=]{20,250}\z') {
  Fail $E_RESPONSE "activation API answered without a valid activationCode"
}
if ($Region -cnotmatch '^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}\z') {
  Fail $E_RESPONSE "activation API answered without a valid region"
}
Write-Log "got activation $ActivationId in $Region after $attempt attempt(s)"

# ---------------------------------------------------------------- agent
function Find-Agent {
  $candidate = EnvOr 'HF_AGENT_BIN' ''
  if (-not $candidate) { $candidate = [IO.Path]::Combine([Environment]::GetFolderPath('ProgramFiles'), 'Amazon\SSM\amazon-ssm-agent.exe') }
  if ([IO.File]::Exists($candidate)) { return $candidate }
  return $null
}

# The downloaded setup must carry a valid Authenticode signature whose signer is Amazon (the
# organisation in the signing certificate's subject starts with "Amazon"; the exact subject,
# e.g. "Amazon.com Services LLC", is UNVERIFIED here). Get-AuthenticodeSignature exists on
# Windows only: the scenario table stands a function of that name in for it on Linux.
function Assert-AgentSignature([string]$Pkg) {
  if ((EnvOr 'HF_SKIP_AGENT_SIGNATURE' '0') -ceq '1') {
    Write-Log "HF_SKIP_AGENT_SIGNATURE=1: installing the SSM agent setup WITHOUT verifying its Authenticode signature" # (Windows only)
    return
  }
  try { $sig = Get-AuthenticodeSignature -FilePath $Pkg } catch { $sig = $null }
  $status = if ($sig) { [string]$sig.Status } else { 'unavailable' }
  if ($status -cne 'Valid') {
    Fail $E_INSTALL "SSM agent setup Authenticode signature is $(OneLine $status), not Valid; nothing installed" # (Windows only)
  }
  $subject = [string]$sig.SignerCertificate.Subject
  if ($subject -cnotmatch '(^|,\s*)O="?Amazon') {
    Fail $E_INSTALL "SSM agent setup is signed by $(OneLine $subject), not Amazon; nothing installed" # (Windows only)
  }
  Write-Log "SSM agent setup Authenticode signature verified ($(OneLine $subject))" # (Windows only)
}

function Install-Agent {
  # register.sh's names for the architecture; Windows reports AMD64 or ARM64.
  $arch = EnvOr 'HF_ARCH' ([string]$env:PROCESSOR_ARCHITECTURE).ToLowerInvariant()
  if ($arch -cnotin @('x86_64', 'amd64', 'aarch64', 'arm64')) {
    Fail $E_INSTALL "SSM agent missing and architecture $(OneLine $arch) is not supported"
  }
  # AWS publishes one Windows installer, windows_amd64, also for ARM64 machines (which run it
  # under x64 emulation); UNVERIFIED on a real Windows ARM64 host.
  $url = EnvOr 'HF_AGENT_BUCKET_URL' "https://s3.$Region.amazonaws.com/amazon-ssm-$Region"
  if ($url.EndsWith('/')) { $url = $url.Substring(0, $url.Length - 1) }
  $url = $url + '/latest/windows_amd64/AmazonSSMAgentSetup.exe'
  $pkg = [IO.Path]::Combine($Work, 'AmazonSSMAgentSetup.exe')
  Write-Log "installing the SSM agent from $url"
  $dl = Invoke-Http 'GET' $url @{} 300 $pkg
  if ($dl.Status -ne 200) { Fail $E_INSTALL "SSM agent download failed from $url" }
  Assert-AgentSignature $pkg
  $override = EnvOr 'HF_INSTALL_CMD' ''
  if ($override) {
    # As register.sh: CMD PACKAGE_FILE, nothing else.
    $ok = Invoke-Override $override @($pkg)
    $cmdText = ($override.Split("`n")[0].Trim(" `t") -split '[ \t]+') -join ' '
  } else {
    # On an EC2 host the installer registers as hybrid only when told so explicitly.
    $installArgs = @('/q', '/log', [IO.Path]::Combine($Work, 'install.log'))
    if ($Identity -eq 'ec2') { $installArgs += 'ALLOWEC2INSTALL=YES' }
    try {
      $p = Start-Process -FilePath $pkg -ArgumentList $installArgs -Wait -PassThru
      $ok = ($p.ExitCode -eq 0)
    } catch { $ok = $false }
    $cmdText = "AmazonSSMAgentSetup.exe $($installArgs -join ' ')"
  }
  if (-not $ok) { Fail $E_INSTALL "SSM agent install failed: $cmdText" }
}

$Agent = Find-Agent
if (-not $Agent) {
  Install-Agent
  $Agent = Find-Agent
  if (-not $Agent) { Fail $E_INSTALL "SSM agent still missing after install" }
}

# Stopping first matters: a running agent keeps its old identity.
$ServiceWasActive = Invoke-ServiceCtl 'is-active' -Quiet
[void](Invoke-ServiceCtl 'stop' -Quiet)
$ServiceStopped = $true
Write-Log "registering with $Agent"
# Native stderr through 2>&1 is an error record; under 'Stop' PowerShell 5.1 would throw on it.
$ErrorActionPreference = 'Continue'
$agentOut = @(& $Agent -register -code $ActivationCode -id $ActivationId -region $Region -y 2>&1)
$agentExit = $LASTEXITCODE
$ErrorActionPreference = 'Stop'
if ($agentExit -ne 0) {
  $detail = if ($agentOut.Count) { [string]$agentOut[$agentOut.Count - 1] } else { '' }
  Fail $E_REGISTER "the SSM agent refused the registration: $(OneLine $detail.Replace($ActivationCode, '<code>'))"
}
if (-not (Invoke-ServiceCtl 'restart')) { Fail $E_SERVICE "the SSM agent service could not be restarted ($Service)" }
$ServiceStopped = $false

foreach ($n in 1..5) {
  $MI = Get-RegisteredId
  if ($MI) {
    Write-Log "registered $Name as $MI in $Region"
    exit $E_OK
  }
  [Threading.Thread]::Sleep(1000)
}
Fail $E_UNCONFIRMED "no mi- ID in $RegistrationFile after registering"
} catch {
  [Console]::Error.WriteLine("register.ps1: error: unexpected: $(OneLine $_.Exception.Message)")
  exit 1
} finally {
  if ($Lock) { $Lock.Dispose() }
  if ($ServiceStopped -and $ServiceWasActive) {
    Write-Log "starting the SSM agent service ($Service) again, as it was running before this run"
    [void](Invoke-ServiceCtl 'start')
  }
  try { [IO.Directory]::Delete($Work, $true) } catch { [Console]::Error.WriteLine("register.ps1: could not remove $Work") }
}
