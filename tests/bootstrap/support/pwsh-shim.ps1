# Runs register.ps1 ($args[0]) with the rest of the arguments, after standing a function in for
# Get-AuthenticodeSignature, which exists on Windows only: it answers FAKE_AUTHENTICODE_STATUS
# (Valid, NotSigned, HashMismatch, ...) with a signer certificate whose subject is
# FAKE_AUTHENTICODE_SUBJECT. The scenario table runs register.ps1 through this on Linux.
$script = $args[0]
$rest = @($args | Select-Object -Skip 1)
function global:Get-AuthenticodeSignature {
  param([string]$FilePath)
  if (-not [IO.File]::Exists($FilePath)) { throw "no such file: $FilePath" }
  [Console]::Error.WriteLine("fake Get-AuthenticodeSignature: $([IO.Path]::GetFileName($FilePath))")
  [pscustomobject]@{
    Status            = $env:FAKE_AUTHENTICODE_STATUS
    SignerCertificate = [pscustomobject]@{ Subject = $env:FAKE_AUTHENTICODE_SUBJECT }
  }
}
# A script that dies of an error instead of calling exit would otherwise look like exit 0 here;
# under -File it would be exit 1.
$global:LASTEXITCODE = $null
try {
  & $script @rest
} catch {
  [Console]::Error.WriteLine("pwsh-shim: register.ps1 died: $($_.Exception.Message)")
  exit 1
}
if ($null -eq $LASTEXITCODE) { exit 1 }
exit $LASTEXITCODE
