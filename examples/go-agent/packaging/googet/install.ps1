# Registers nothing: the example only shows where the files go.
Write-Output "go-agent installed"
