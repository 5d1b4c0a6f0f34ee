// TFFormats: placeholder until the module lands.
