//! Records the compiler and target a plugin is built with, for its manifest.

use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(&rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|text| text.trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=NEWSPIPE_PLUGIN_RUSTC={version}");
    println!("cargo:rustc-env=NEWSPIPE_PLUGIN_TARGET={target}");
    println!("cargo:rerun-if-env-changed=RUSTC");
}
