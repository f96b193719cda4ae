# Stops and removes the demo agent service.
Stop-Service osconfig_demo -ErrorAction SilentlyContinue
sc.exe delete osconfig_demo
