/// The version of hostup-routed: the one place it is written (the `.deb` build reads it from here).
let hostupRoutedVersion = "0.1.0"
