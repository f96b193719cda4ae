# Adds the demo to PATH; exit code 3010 (reboot required) also counts as success.
param([switch]$Verbose)
$dir = "$env:ProgramFiles\Google\SourcesDemo\bin"
[Environment]::SetEnvironmentVariable('Path', "$env:Path;$dir", 'Machine')
