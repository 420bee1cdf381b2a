#!/usr/bin/env bash
# Installs the pinned PowerShell 7 (.NET global tool) and Pester (NuGet package, restored into
# .tools/pester through a throwaway project) that the PowerShell tests need.
# Idempotent: a second run only checks the versions.
set -euo pipefail
cd "$(dirname "$0")/.."
PWSH_VERSION=7.6.9
PESTER_VERSION=6.2.0
TOOLS_DIR="$HOME/.dotnet/tools"

if ! "$TOOLS_DIR/pwsh" -NoProfile -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null | grep -qx "$PWSH_VERSION"; then
  dotnet tool uninstall --global PowerShell >/dev/null 2>&1 || true
  dotnet tool install --global PowerShell --version "$PWSH_VERSION"
fi

PESTER_DIR=.tools/pester
if [ ! -f "$PESTER_DIR/pester/$PESTER_VERSION/tools/Pester.psd1" ] && [ ! -f "$PESTER_DIR/pester/$PESTER_VERSION/Pester.psd1" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cat >"$work/restore.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Pester" Version="[$PESTER_VERSION]" /></ItemGroup>
</Project>
XML
  mkdir -p "$PESTER_DIR"
  dotnet restore "$work/restore.csproj" --packages "$PWD/$PESTER_DIR" >/dev/null
fi
echo "pwsh $("$TOOLS_DIR/pwsh" -NoProfile -Command '$PSVersionTable.PSVersion.ToString()'), Pester $PESTER_VERSION in $PESTER_DIR"
