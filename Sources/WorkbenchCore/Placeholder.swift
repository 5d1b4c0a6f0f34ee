// WorkbenchCore: placeholder until the module lands.
