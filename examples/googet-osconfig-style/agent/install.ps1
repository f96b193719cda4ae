# Registers and starts the demo agent service.
$ErrorActionPreference = 'Stop'
$exe = "$env:ProgramFiles\Google\OSConfigDemo\osconfig_demo.exe"
New-Service -Name osconfig_demo -BinaryPathName "`"$exe`"" -StartupType Automatic -ErrorAction SilentlyContinue
Start-Service osconfig_demo
