# Nothing to register: the command is run from its folder.
Write-Host "google-build-demo installed"
