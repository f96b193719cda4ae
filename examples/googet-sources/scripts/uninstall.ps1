# Removes the demo from PATH.
$dir = "$env:ProgramFiles\Google\SourcesDemo\bin"
$path = ($env:Path -split ';' | Where-Object { $_ -ne $dir }) -join ';'
[Environment]::SetEnvironmentVariable('Path', $path, 'Machine')
