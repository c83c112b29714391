"""Write-model rules of the shop, free of I/O and of anything outside this package."""
