# The goospec's build step on Windows hosts (not run on Linux builders).
param([string]$Version, [string]$Out)
New-Item -ItemType Directory -Force $Out | Out-Null
(Get-Content src\build-demo.cmd.in) -replace '@VERSION@', $Version | Set-Content "$Out\build-demo.cmd"
Copy-Item src\install.ps1 "$Out\install.ps1"
