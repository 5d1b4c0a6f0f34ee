import CNcursesw
// WorkbenchTerminal: placeholder until the module lands.
